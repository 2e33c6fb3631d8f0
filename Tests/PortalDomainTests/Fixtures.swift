import Chronology
import PortalDomain

/// Shared facts of the domain tests: periods from 2026-04-06, so period 9 runs 2026-11-16 to 2026-12-13.
enum Fixture {
    static let calendar = try! PeriodCalendar(anchor: date("2026-04-06"))
    static let organisation: OrganisationID = "oasis"
    static let otherOrganisation: OrganisationID = "elsewhere"
    static let service: ServiceID = "oasis-home-support"
    static let period9 = PeriodNumber(9)
    static let week1 = try! Week.parse("2026-11-16")
    static let week2 = try! Week.parse("2026-11-23")
    static let key = Actuals.Key(serviceID: service, period: period9)

    static func date(_ text: String) -> BusinessDate { BusinessDate(iso8601: text)! }
    static func q(_ text: String) -> Quantity { try! Quantity.parseSigned(text, field: "test") }

    static let providerPayments = Actor.provider(user: "jsmith", organisation: organisation, role: .payments)

    static func context(
        _ actor: Actor = providerPayments, today: String = "2026-11-25", policy: PolicyProfile = .norfolk
    ) -> CommandContext {
        CommandContext(actor: actor, now: date(today).startOfDay, today: date(today), policy: policy, calendar: calendar)
    }

    static func definition(
        _ id: CPLIID = "cpli-1", planned: String = "10.5", start: String = "2026-01-05", end: String? = nil,
        organisation: OrganisationID = organisation, unit: CareUnit = .hours
    ) -> CPLIDefinition {
        CPLIDefinition(
            cpliID: id, isoID: "iso-1", organisationID: organisation, serviceID: service, clientReference: "C1001",
            clientName: "Ann Example", serviceType: .homeSupportContractRate, unit: unit, plannedPerWeek: q(planned),
            rate: Rate(pence: 1850), startDate: date(start), endDate: end.map(date))
    }

    static func activeCPLI(_ definition: CPLIDefinition = definition()) -> CPLI.State {
        CPLI.State(definition: definition, status: .active)
    }

    static func facts(
        _ cpli: CPLI.State = activeCPLI(), contractType: ContractType = .spotOldBlock,
        locks: PeriodLocks.State = PeriodLocks.initialState, firstPeriod: PeriodNumber = period9
    ) -> ActualFacts {
        ActualFacts(cpli: cpli, contractType: contractType, service: .init(firstPeriod: firstPeriod), periodLocks: locks)
    }

    /// Records `entry` in period 9 of the service and returns the event, or nil when nothing changed.
    static func record(
        _ entry: ActualEntry, facts: ActualFacts = facts(), state: Actuals.State = Actuals.initialState,
        context: CommandContext = context(), key: Actuals.Key = key
    ) throws -> ActualRecorded? {
        let events = try Actuals.decide(.record(key, entry, facts: facts, source: .calendar, importID: nil), state, context)
        guard case .recorded(let recorded)? = events.first else { return nil }
        return recorded
    }
}

import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain

/// A portal in a temporary folder with a provider, a contact and a CPLI, built through the portal's own
/// commands at known times, for the audit tests. Period 9 runs 2026-11-16 to 2026-12-13.
final class AuditFixture: @unchecked Sendable {
    let folder: URL
    let clock: ManualClock
    let portal: Portal
    var log: EventLog { portal.log }
    let organisation: OrganisationID = "oasis"
    let service: ServiceID = "oasis-hs"
    var helpdesk: Actor = .council(user: "helpdesk-1", team: .helpdesk)
    var procurement: Actor = .council(user: "procurement-1", team: .procurement)
    var brokerage: Actor = .council(user: "brokerage-1", team: .serviceBrokerage)
    var payments: Actor = .council(user: "payments-1", team: .payments)
    var provider: Actor = .provider(user: "oasis-su", organisation: "oasis", role: .superUserActuals)
    static let password = "Portal2026x"

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("portal-audit-\(UUID().uuidString)")
        clock = ManualClock(Timestamp(iso8601: "2026-11-16T08:00:00Z")!)
        portal = try Portal.open(dataDirectory: folder, configuration: .init(
            policy: .norfolk, calendar: try PeriodCalendar(anchor: BusinessDate(iso8601: "2026-04-06")!),
            time: DeploymentTime(clock: clock)), bcryptCost: 4)
    }

    deinit {
        portal.close()
        try? FileManager.default.removeItem(at: folder)
    }

    func request(_ actor: Actor, correlation: UUID = UUID()) -> CommandRequest {
        CommandRequest(actor: actor, correlationID: correlation)
    }

    /// Moves the clock on by `minutes`.
    func tick(_ minutes: Double = 10) { clock.advance(by: minutes * 60) }

    func staff(_ actor: Actor, _ team: CouncilTeam) async throws {
        guard case .council(let user, _) = actor else { return }
        let person = Person(forename: user.rawValue, surname: "Staff", email: "\(user.rawValue)@council.example")
        let first = try await portal.registerCouncilUser(user, person: person, team: team, request(.system(job: "bootstrap"))).value!
        _ = try await portal.changePassword(current: first, new: Self.password, request(actor))
    }

    /// Council staff, the provider with one service, and its super user.
    static func make() async throws -> AuditFixture {
        let fixture = try AuditFixture()
        try await fixture.staff(fixture.helpdesk, .helpdesk)
        try await fixture.staff(fixture.procurement, .procurement)
        try await fixture.staff(fixture.brokerage, .serviceBrokerage)
        try await fixture.staff(fixture.payments, .payments)
        let details = ContactDetails(name: "Oasis Care and Support", addressLines: ["1 Oasis Street"], postcode: "IP1 2TN")
        _ = try await fixture.portal.registerOrganisation(fixture.organisation, details: details, fixture.request(fixture.procurement))
        _ = try await fixture.portal.registerContract(ContractRegistered(
            contractID: "oasis-k", organisationID: fixture.organisation, name: "Home support", contractType: .spotOldBlock,
            paymentBasis: .invoiced, startDate: BusinessDate(iso8601: "2026-01-05")!), fixture.request(fixture.procurement))
        _ = try await fixture.portal.registerService(ServiceRegistered(
            serviceID: fixture.service, organisationID: fixture.organisation, contractID: "oasis-k", details: details,
            startDate: BusinessDate(iso8601: "2026-11-16")!), fixture.request(fixture.procurement))
        let person = Person(forename: "Olive", surname: "Su", email: "olive@oasis.example")
        _ = try await fixture.portal.requestContactCreation("oasis-su", requestID: "cr-su", organisation: fixture.organisation,
                                                             person: person, role: .superUserActuals, fixture.request(fixture.helpdesk))
        let first = try await fixture.portal.acceptContactCreation("oasis-su", requestID: "cr-su", fixture.request(fixture.helpdesk)).value!
        _ = try await fixture.portal.changePassword(current: first, new: Self.password, fixture.request(fixture.provider))
        return fixture
    }

    /// Publishes and agrees an ISO with one CPLI of 10.5 hours a week at £18.50 (of the fixture's provider and
    /// service unless told).
    func agreedCPLI(_ id: CPLIID, organisation: OrganisationID? = nil, service: ServiceID? = nil, agreedBy: Actor? = nil) async throws {
        let organisation = organisation ?? self.organisation
        let service = service ?? self.service
        let iso = ISOID("iso-\(id.rawValue)")
        let definition = CPLIDefinition(
            cpliID: id, isoID: iso, organisationID: organisation, serviceID: service, clientReference: "C-\(id.rawValue)",
            clientName: "Client \(id.rawValue)", serviceType: .homeSupportContractRate, unit: .hours,
            plannedPerWeek: try Quantity.parseSigned("10.5", field: "planned"), rate: Rate(pence: 1850),
            startDate: BusinessDate(iso8601: "2026-01-05")!, endDate: nil)
        _ = try await portal.publishISO(ISOPublished(
            isoID: iso, organisationID: organisation, serviceID: service, clientReference: definition.clientReference,
            clientName: definition.clientName, cpliIDs: [id]), cplis: [definition], request(brokerage))
        tick()
        _ = try await portal.agreeISO(iso, request(agreedBy ?? provider))
    }

    var period9: Actuals.Key { Actuals.Key(serviceID: service, period: PeriodNumber(9)) }

    /// Records an actual for week 2026-11-16 (unless told) of `cpli`.
    func record(_ cpli: CPLIID, actual: String, comment: String = "", week: String = "2026-11-16", correlation: UUID = UUID()) async throws {
        let entry = ActualEntry(cpliID: cpli, week: try Week.parse(week), actual: try Quantity.parseSigned(actual, field: "actual"),
                                comment: comment)
        _ = try await portal.recordActual(period9, entry, request(provider, correlation: correlation))
    }
}

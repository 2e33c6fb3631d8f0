import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain

/// A login of the simulated county, printed by `portal serve --demo`.
public struct SimulationLogin: Sendable, Equatable {
    public var name: String
    public var email: String
    public var password: String
    public var passcode: String
    /// The role and organisation, or the team.
    public var actingAs: String
}

/// What a simulation made.
public struct SimulationReport: Sendable {
    public var logins: [SimulationLogin]
    public var commands: Int
    public var events: UInt64
    public var providers: Int
    public var services: Int
    public var clients: Int
    public var weeks: Int
}

/// How far a simulation has got.
public struct SimulationProgress: Sendable {
    public var week: Int
    public var weeks: Int
    public var events: UInt64
}

/// A deterministic county: the same seed and scale give the same organisations, people, care packages and
/// history of actuals, made through the portal's own commands (so every event is real and valid) while the
/// simulation moves the portal's clock week by week.
///
/// The portal must run on the `ManualClock` given to `run`, with a period calendar whose anchor is on or
/// before `start`. Every command carries an idempotency key derived from the seed, so the events and
/// their ids are the same on every run.
public final class CountySimulation: @unchecked Sendable {
    public let seed: UInt64
    public let scale: CountyScale
    /// The Monday the simulation starts on.
    public let start: BusinessDate

    /// The password every simulated user ends up with (it meets R-ACC-2), and their passcode (R-ACC-3).
    public static let password = "Portal2026demo"
    public static let passcode = "246813"

    var random: SimulationRandom
    var portal: Portal!
    var clock: ManualClock!
    var commands = 0
    var staff: [CouncilTeam: Actor] = [:]
    var providers: [SimulatedProvider] = []
    var logins: [SimulationLogin] = []
    var nextClient = 1

    public init(seed: UInt64 = 1, scale: CountyScale, start: BusinessDate) {
        self.seed = seed
        self.scale = scale
        self.start = start.mondayOfWeek
        self.random = SimulationRandom(seed: seed)
    }

    /// Runs the whole simulation on an empty portal.
    @discardableResult
    public func run(portal: Portal, clock: ManualClock, progress: (@Sendable (SimulationProgress) -> Void)? = nil) async throws -> SimulationReport {
        self.portal = portal
        self.clock = clock
        at(start, hour: 7)
        try await registerStaff()
        for index in 0..<scale.providers { try await registerProvider(index) }
        at(start, hour: 10)
        for provider in providers {
            for service in provider.services {
                for _ in 0..<scale.clientsPerService { try await commissionClient(provider, service, startingOn: start.adding(days: -7 * Int(random.next() % 8))) }
            }
        }
        at(start.adding(days: 1), hour: 9)
        try await agreePublishedISOs()

        for week in 0..<scale.weeks {
            let monday = start.adding(days: 7 * week)
            // Actuals of a week are recorded from the Monday after it.
            at(monday.adding(days: 7), hour: 9)
            try await recordCalendarActuals(for: Week(containing: monday))
            if (week + 1) % PeriodCalendar.weeksPerPeriod == 0 {
                at(monday.adding(days: 7), hour: 14)
                try await importPeriodActuals(endingWith: Week(containing: monday))
                try await commissionNewClients(startingOn: monday.adding(days: 14))
                // Each period is invoiced once it ends, and the next opens when the invoice is approved (R-PER-2, R-PER-3).
                try await invoicePeriod(endingWith: Week(containing: monday))
                at(monday.adding(days: 8), hour: 9)
                try await agreePublishedISOs()
            }
            if week > 0 && week % 50 == 0 {
                try await changeEveryPassword(year: week / 50)
            }
            progress?(SimulationProgress(week: week + 1, weeks: scale.weeks, events: try portal.log.head().position))
        }
        return SimulationReport(
            logins: logins, commands: commands, events: try portal.log.head().position, providers: providers.count,
            services: providers.reduce(0) { $0 + $1.services.count },
            clients: providers.reduce(0) { $0 + $1.services.reduce(0) { $0 + $1.cplis.count } }, weeks: scale.weeks)
    }

    // MARK: Time and requests

    /// Sets the portal's clock to `hour`:00 UTC on `date`.
    func at(_ date: BusinessDate, hour: Int) {
        clock.set(Timestamp(microsecondsSince1970: date.startOfDay.microsecondsSince1970 + Int64(hour) * 3_600_000_000).date)
    }

    /// A request with ids drawn from the seed and an idempotency key, so every run writes the same events.
    func request(_ actor: Actor) -> CommandRequest {
        commands += 1
        return CommandRequest(actor: actor, correlationID: random.uuid(), commandID: random.uuid(),
                              idempotencyKey: "simulation-\(seed)-\(commands)")
    }

    func quantity(tenThousandths: Int64) -> Quantity { Quantity(tenThousandths: tenThousandths) }

    // MARK: People

    private func registerStaff() async throws {
        let teams: [CouncilTeam] = [.helpdesk, .procurement, .serviceBrokerage, .payments, .billing, .financialAssessment]
        for team in teams {
            let user = UserID("staff-\(team.rawValue)")
            let person = person(email: "\(team.rawValue)@council.example")
            let first = try await portal.registerCouncilUser(user, person: person, team: team, request(.system(job: "bootstrap"))).value ?? ""
            let actor = Actor.council(user: user, team: team)
            try await activate(actor, firstPassword: first, person: person, actingAs: team.displayName)
            staff[team] = actor
        }
        let auditor = UserID("auditor-1")
        let person = person(email: "auditor@council.example")
        let first = try await portal.registerAuditor(auditor, person: person, request(.system(job: "bootstrap"))).value ?? ""
        try await activate(.auditor(user: auditor), firstPassword: first, person: person, actingAs: "auditor")
    }

    /// Changes the first password and sets the passcode, as the user would at first login.
    private func activate(_ actor: Actor, firstPassword: String, person: Person, actingAs: String) async throws {
        _ = try await portal.changePassword(current: firstPassword, new: Self.password, request(actor))
        _ = try await portal.setPasscode(Self.passcode, request(actor))
        logins.append(SimulationLogin(name: "\(person.forename) \(person.surname)", email: person.email,
                                      password: Self.password, passcode: Self.passcode, actingAs: actingAs))
    }

    private func person(email: String) -> Person {
        Person(forename: random.pick(SimulatedNames.forenames), surname: random.pick(SimulatedNames.surnames), email: email)
    }

    private func changeEveryPassword(year: Int) async throws {
        let new = "Portal\(2026 + year)year\(year)"
        var actors = Array(staff.values).sorted { $0.who < $1.who }
        for provider in providers { actors += provider.contacts.sorted { $0.who < $1.who } }
        for actor in actors {
            _ = try await portal.changePassword(current: currentPassword(actor), new: new, request(actor))
            passwords[actor.who] = new
        }
    }

    var passwords: [String: String] = [:]
    func currentPassword(_ actor: Actor) -> String { passwords[actor.who] ?? Self.password }

    // MARK: Providers

    private func registerProvider(_ index: Int) async throws {
        var local = random.derived("provider-\(index)")
        let name = "\(SimulatedNames.places[index % SimulatedNames.places.count]) Care \(index + 1)"
        let organisation = OrganisationID(String(format: "prov-%03d", index + 1))
        let details = ContactDetails(name: name, addressLines: ["\(index + 1) \(local.pick(SimulatedNames.streets))"],
                                     postcode: "\(local.pick(SimulatedNames.postcodes)) \(index % 9 + 1)AB")
        _ = try await portal.registerOrganisation(organisation, details: details, request(staff[.procurement]!))
        let serviceCount = scale.servicesPerProvider.lowerBound
            + Int(local.next() % UInt64(scale.servicesPerProvider.count))
        var services: [SimulatedService] = []
        for serviceIndex in 0..<serviceCount {
            // Contract types rotate over providers and services, so every type is present.
            let contractType = ContractType.allCases[(index + serviceIndex) % ContractType.allCases.count]
            let contract = ContractID("\(organisation.rawValue)-k\(serviceIndex + 1)")
            _ = try await portal.registerContract(ContractRegistered(
                contractID: contract, organisationID: organisation, name: "\(contractType.rawValue) home support",
                contractType: contractType, paymentBasis: .invoiced, startDate: start.adding(days: -364)), request(staff[.procurement]!))
            let service = ServiceID("\(organisation.rawValue)-s\(serviceIndex + 1)")
            _ = try await portal.registerService(ServiceRegistered(
                serviceID: service, organisationID: organisation, contractID: contract,
                details: ContactDetails(name: "\(name) Home Support \(serviceIndex + 1)", addressLines: details.addressLines, postcode: details.postcode),
                startDate: start), request(staff[.procurement]!))
            services.append(SimulatedService(id: service, contract: contract, contractType: contractType))
        }
        var provider = SimulatedProvider(index: index, id: organisation, name: name, services: services,
                                         usesCalendar: Self.usesCalendar(index, share: scale.calendarShare), random: local)
        // The helpdesk creates the first super user; the super user asks for the others.
        for (roleIndex, role) in scale.contactRoles.enumerated() {
            let user = UserID("\(organisation.rawValue)-\(role.rawValue)")
            let person = person(email: "\(role.rawValue)@\(organisation.rawValue).example")
            let requester = roleIndex == 0 ? staff[.helpdesk]! : provider.contacts[0]
            let requestID = ChangeRequestID("cr-\(user.rawValue)")
            _ = try await portal.requestContactCreation(user, requestID: requestID, organisation: organisation, person: person, role: role, request(requester))
            let first = try await portal.acceptContactCreation(user, requestID: requestID, request(staff[.helpdesk]!)).value ?? ""
            let actor = Actor.provider(user: user, organisation: organisation, role: role)
            try await activate(actor, firstPassword: first, person: person, actingAs: "\(role.rawValue) at \(name)")
            provider.contacts.append(actor)
        }
        providers.append(provider)
    }

    /// Exactly `share` of the providers use the calendar, spread evenly (with 0.5: every second provider).
    static func usesCalendar(_ index: Int, share: Double) -> Bool {
        (Double(index + 1) * share).rounded(.down) > (Double(index) * share).rounded(.down)
    }

    // MARK: Care packages

    /// Brokerage publishes an ISO for a new client of `service`, with one CPLI (sometimes two).
    func commissionClient(_ provider: SimulatedProvider, _ service: SimulatedService, startingOn startDate: BusinessDate) async throws {
        let client = nextClient
        nextClient += 1
        let iso = ISOID(String(format: "iso-%06d", client))
        let reference = String(format: "C%06d", 100_000 + client)
        let name = "\(random.pick(SimulatedNames.forenames)) \(random.pick(SimulatedNames.surnames))"
        let twoLines = random.chance(0.2)
        var definitions: [CPLIDefinition] = []
        for line in 0..<(twoLines ? 2 : 1) {
            let night = line == 1
            // Day care: 3.5 to 21 hours a week in half hours; a second line is night sits (1 to 3 nights).
            let planned = night ? Quantity(tenThousandths: Int64(1 + random.next() % 3) * 10_000)
                : Quantity(tenThousandths: Int64(7 + random.next() % 36) * 5_000)
            let rate = night ? Rate(pence: 9_000 + Int64(random.next() % 1_500)) : Rate(pence: 1_795 + Int64(random.next() % 300))
            let ends = random.chance(0.15) ? startDate.adding(days: 7 * Int(4 + random.next() % 40) + Int(random.next() % 7)) : nil
            definitions.append(CPLIDefinition(
                cpliID: CPLIID(String(format: "cpli-%06d-%d", client, line + 1)), isoID: iso, organisationID: provider.id,
                serviceID: service.id, clientReference: reference, clientName: name,
                serviceType: night ? .nightSits : .homeSupportContractRate, unit: night ? .nights : .hours,
                plannedPerWeek: planned, rate: rate, startDate: startDate, endDate: ends))
        }
        _ = try await portal.publishISO(ISOPublished(
            isoID: iso, organisationID: provider.id, serviceID: service.id, clientReference: reference, clientName: name,
            cpliIDs: definitions.map(\.cpliID)), cplis: definitions, request(staff[.serviceBrokerage]!))
        pendingISOs.append(PendingISO(iso: iso, provider: provider.index, service: service.id, definitions: definitions))
    }

    struct PendingISO {
        var iso: ISOID
        var provider: Int
        var service: ServiceID
        var definitions: [CPLIDefinition]
    }

    var pendingISOs: [PendingISO] = []

    /// Providers agree the ISOs published to them; a few are rejected for an error and published again.
    func agreePublishedISOs() async throws {
        let pending = pendingISOs
        pendingISOs = []
        for item in pending {
            let agreer = providers[item.provider].contacts[0]
            if random.chance(0.04) {
                _ = try await portal.rejectISO(item.iso, reason: "The weekly hours do not match the care plan", request(agreer))
                let provider = providers[item.provider]
                let service = provider.services.first { $0.id == item.service }!
                try await commissionClient(provider, service, startingOn: item.definitions[0].startDate)
                continue
            }
            _ = try await portal.agreeISO(item.iso, request(agreer))
            if let index = providers[item.provider].services.firstIndex(where: { $0.id == item.service }) {
                providers[item.provider].services[index].cplis += item.definitions
            }
        }
        try await agreeRepublished()
    }

    private func agreeRepublished() async throws {
        guard !pendingISOs.isEmpty else { return }
        let pending = pendingISOs
        pendingISOs = []
        for item in pending {
            let agreer = providers[item.provider].contacts[0]
            _ = try await portal.agreeISO(item.iso, request(agreer))
            if let index = providers[item.provider].services.firstIndex(where: { $0.id == item.service }) {
                providers[item.provider].services[index].cplis += item.definitions
            }
        }
    }

    private func commissionNewClients(startingOn date: BusinessDate) async throws {
        for provider in providers {
            for service in provider.services {
                for _ in 0..<scale.newClientsPerPeriod { try await commissionClient(provider, service, startingOn: date) }
            }
        }
    }

    // MARK: Actuals

    /// What a provider records for one CPLI-week: nil when the week went as planned.
    func delivered(_ line: CPLIDefinition, _ generated: GeneratedActual, week: Week, contractType: ContractType) -> ActualEntry? {
        let planned = generated.planned.tenThousandths
        let roll = random.next() % 1000
        let step: Int64 = line.unit == .nights ? 10_000 : 2_500
        if roll < 350 || planned == 0 { return nil }
        let balances = portal.configuration.policy.lineMustBalanceToPlanned && !generated.isProRata
        if roll < 370 {
            return ActualEntry(cpliID: line.cpliID, week: week, actual: .zero, missed: balances ? generated.planned : .zero,
                               comment: "No service this week: client in hospital")
        }
        if roll < 400, line.unit == .hours, planned > 10_000, !balances {
            // One aborted visit with short notice: claimed as Frustrated, computed from the visit (R-ABT).
            let day = week.monday.adding(days: Int(random.next() % 5))
            let visit = AbortedVisit(date: day, length: Quantity(tenThousandths: 7_500), noticeHours: Quantity(tenThousandths: 20_000),
                                     time: .day, cause: .cancelled)
            return ActualEntry(cpliID: line.cpliID, week: week, actual: Quantity(tenThousandths: planned - 7_500),
                               comment: "Visit cancelled on the doorstep \(day.iso8601)", abortedVisits: [visit])
        }
        // Up or down by one to four steps, floored at zero and kept under the 20 % exception.
        let steps = Int64(1 + random.next() % 4) * (random.chance(0.5) ? 1 : -1)
        var actual = max(step, planned + steps * step)
        if actual * 10 > planned * 12 { actual = planned }
        if actual == planned { return nil }
        let comment = actual < planned ? "Visits shortened at the client's request" : "Extra support after a fall"
        if portal.configuration.policy.lineMustBalanceToPlanned && !generated.isProRata {
            // Lancashire: Actual + Frustrated + Missed equals Planned; care beyond the plan goes in Extra (R-ACT-7).
            return actual < planned
                ? ActualEntry(cpliID: line.cpliID, week: week, actual: Quantity(tenThousandths: actual),
                              missed: Quantity(tenThousandths: planned - actual), comment: comment)
                : ActualEntry(cpliID: line.cpliID, week: week, actual: generated.planned,
                              extra: Quantity(tenThousandths: actual - planned), comment: comment)
        }
        return ActualEntry(cpliID: line.cpliID, week: week, actual: Quantity(tenThousandths: actual), comment: comment)
    }

    /// Every service's period is invoiced once it has ended: the provider creates the invoice the wizard proposes
    /// (leaving out a line with the over-20% exception, as the provider must, R-INV-2) and submits it at 16:00 on
    /// the Monday after; the Payments Team approves every invoice the next morning, which opens the next period
    /// (R-PER-3), and pays them in a payment run.
    private func invoicePeriod(endingWith lastWeek: Week) async throws {
        guard let period = portal.configuration.calendar.period(containing: lastWeek.monday) else { return }
        let monday = lastWeek.monday.adding(days: 7)
        at(monday, hour: 16)
        var submitted: [InvoiceID] = []
        for provider in providers {
            let editor = provider.contacts[0]
            for service in provider.services {
                let proposal = try portal.proposeInvoice(service: service.id, period: period.number, for: editor)
                let unticked = Set(proposal.filter { $0.weeks.contains(where: \.overException) }.map(\.cpliID))
                guard proposal.count > unticked.count else {
                    throw SimulationStuck(message: "service \(service.id) has no line to invoice in period \(period.number); its next period could not open")
                }
                let invoice = InvoiceID("inv-\(service.id.rawValue)-p\(period.number)")
                _ = try await portal.createInvoice(InvoiceDraft(
                    invoiceID: invoice, serviceID: service.id, period: period.number,
                    reference: "\(service.id.rawValue.uppercased())-P\(period.number)", invoiceDate: monday, unticked: unticked), request(editor))
                _ = try await portal.submitInvoice(invoice, request(editor))
                submitted.append(invoice)
            }
        }
        guard !submitted.isEmpty else { return }
        at(monday.adding(days: 1), hour: 8)
        let payments = staff[.payments]!
        for invoice in submitted { _ = try await portal.approveInvoice(invoice, request(payments)) }
        _ = try await portal.runPayment(PaymentRunRequest(
            paymentRunID: PaymentRunID("run-p\(period.number)"), paymentDate: monday.adding(days: 1), reference: "BACS-P\(period.number)",
            invoiceIDs: submitted), request(payments))
    }

    /// Calendar providers record each week from the Monday after; some lines are corrected again.
    private func recordCalendarActuals(for week: Week) async throws {
        for providerIndex in providers.indices where providers[providerIndex].usesCalendar {
            let provider = providers[providerIndex]
            let editor = provider.contacts[0]
            for service in provider.services {
                guard let period = portal.configuration.calendar.period(containing: week.monday) else { continue }
                let key = Actuals.Key(serviceID: service.id, period: period.number)
                for line in service.cplis {
                    guard let generated = GeneratedActual(line, week: week), let entry = delivered(line, generated, week: week, contractType: service.contractType) else { continue }
                    _ = try await portal.recordActual(key, entry, request(editor))
                    if random.chance(0.08) {
                        var corrected = entry
                        corrected.actual = Quantity(tenThousandths: max(0, entry.actual.tenThousandths + (line.unit == .nights ? 0 : 2_500)))
                        if corrected.actual == .zero || corrected.actual == entry.actual { continue }
                        // Still under the 20 % exception (R-ACT-6).
                        if corrected.actual.tenThousandths * 10 > generated.planned.tenThousandths * 12 { continue }
                        corrected.comment = "Corrected after checking the rota"
                        corrected.abortedVisits = entry.abortedVisits
                        _ = try? await portal.recordActual(key, corrected, request(editor))
                    }
                }
                _ = try await portal.confirmWeek(key, week, request(editor))
            }
        }
    }

    /// CSV providers upload the whole period once its last week is over.
    private func importPeriodActuals(endingWith lastWeek: Week) async throws {
        guard let period = portal.configuration.calendar.period(containing: lastWeek.monday) else { return }
        for provider in providers where !provider.usesCalendar {
            var rows = ["service,cpli,week,actual,frustrated,missed,extra,comment"]
            for service in provider.services {
                for week in period.weeks {
                    for line in service.cplis {
                        guard let generated = GeneratedActual(line, week: week),
                              let entry = delivered(line, generated, week: week, contractType: service.contractType),
                              entry.abortedVisits.isEmpty else { continue }
                        // Missed and Extra too: under lancashire a line balances to Planned with them (R-ACT-7).
                        rows.append("\(service.id.rawValue),\(line.cpliID.rawValue),\(week.monday.iso8601),\(entry.actual),,\(entry.missed),\(entry.extra),\"\(entry.comment)\"")
                    }
                }
            }
            guard rows.count > 1 else { continue }
            _ = try await portal.importActuals(
                organisation: provider.id, period: period.number, fileName: "actuals-\(provider.id.rawValue)-p\(period.number).csv",
                content: Data((rows.joined(separator: "\n") + "\n").utf8), request(provider.contacts[0]))
        }
    }
}

/// A simulation that cannot go on: the county it made would break a rule the next step needs.
public struct SimulationStuck: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

struct SimulatedProvider {
    var index: Int
    var id: OrganisationID
    var name: String
    var services: [SimulatedService]
    var contacts: [Actor] = []
    var usesCalendar: Bool
    var random: SimulationRandom
}

struct SimulatedService {
    var id: ServiceID
    var contract: ContractID
    var contractType: ContractType
    var cplis: [CPLIDefinition] = []
}

import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import Synchronization

/// A clock the tests set.
final class TestClock: WallClock {
    private let current: Mutex<Date>
    init(_ start: Timestamp) { current = Mutex(start.date) }
    func now() -> Date { current.withLock { $0 } }
    func set(_ timestamp: Timestamp) { current.withLock { $0 = timestamp.date } }
    func set(_ date: BusinessDate, hour: Int = 10) {
        set(Timestamp(microsecondsSince1970: date.startOfDay.microsecondsSince1970 + Int64(hour) * 3_600_000_000))
    }
}

/// A portal on a real log and credential store in a temporary folder, and a deterministic history made through
/// its own commands: council staff, provider organisations with contracts, services and contacts, ISOs agreed
/// and rejected, actuals edited by calendar and by CSV import, weeks confirmed, logins (some failing and
/// locking accounts), change requests accepted and rejected, and period locks. Periods start 2026-04-06;
/// services start on 2026-11-16, the first day of period 9.
final class PortalHistory: @unchecked Sendable {
    static let password = "Portal2026x"
    static let calendar = try! PeriodCalendar(anchor: BusinessDate(iso8601: "2026-04-06")!)
    static let firstPeriod = PeriodNumber(9)

    let folder: URL
    let clock: TestClock
    let portal: Portal
    var log: EventLog { portal.log }
    var random: SplitMix64

    var helpdesk: Actor!
    var procurement: Actor!
    var brokerage: Actor!
    var payments: Actor!
    /// Per organisation: its super user and other contacts.
    var superUsers: [OrganisationID: Actor] = [:]
    var contacts: [OrganisationID: [Actor]] = [:]
    var services: [ServiceID: OrganisationID] = [:]
    var contractTypes: [ServiceID: ContractType] = [:]
    var activeCPLIs: [ServiceID: [CPLIDefinition]] = [:]
    var passwords: [UserID: String] = [:]
    var emails: [UserID: String] = [:]
    private var counter = 0

    init(seed: UInt64, policy: PolicyProfile = .norfolk) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("portal-history-\(UUID().uuidString)")
        clock = TestClock(Timestamp(iso8601: "2026-11-17T09:00:00Z")!)
        portal = try Portal.open(dataDirectory: folder, configuration: .init(
            policy: policy, calendar: Self.calendar, time: DeploymentTime(clock: clock)), bcryptCost: 4)
        random = SplitMix64(seed: seed)
    }

    deinit {
        portal.close()
        try? FileManager.default.removeItem(at: folder)
    }

    static func date(_ text: String) -> BusinessDate { BusinessDate(iso8601: text)! }
    static func q(_ text: String) -> Quantity { try! Quantity.parseSigned(text, field: "test") }

    func request(_ actor: Actor) -> CommandRequest { CommandRequest(actor: actor) }

    private func next(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)-\(counter)"
    }

    private func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }
    private func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }

    // MARK: Set-up

    /// Council staff, then `organisations` providers with `servicesEach` services of `cplisEach` CPLIs.
    func setUp(organisations: Int, servicesEach: Int, cplisEach: Int) async throws {
        helpdesk = try await staff("helpdesk-1", .helpdesk)
        procurement = try await staff("procurement-1", .procurement)
        brokerage = try await staff("brokerage-1", .serviceBrokerage)
        payments = try await staff("payments-1", .payments)
        let types = ContractType.allCases
        for index in 0..<organisations {
            let organisation = OrganisationID("org-\(index)")
            _ = try await portal.registerOrganisation(organisation, details: details("Provider \(index)"), request(procurement))
            for number in 0..<servicesEach {
                let service = ServiceID("svc-\(index)-\(number)")
                let contract = ContractID("k-\(index)-\(number)")
                let type = types[(index + number) % types.count]
                _ = try await portal.registerContract(ContractRegistered(
                    contractID: contract, organisationID: organisation, name: "Home support \(number)", contractType: type,
                    paymentBasis: .invoiced, startDate: Self.date("2026-01-05")), request(procurement))
                _ = try await portal.registerService(ServiceRegistered(
                    serviceID: service, organisationID: organisation, contractID: contract,
                    details: details("Service \(index)-\(number)"), startDate: Self.date("2026-11-16")), request(procurement))
                services[service] = organisation
                contractTypes[service] = type
            }
            let superUser = try await contact(UserID("su-\(index)"), of: organisation, role: .superUserActuals, requestedBy: helpdesk)
            superUsers[organisation] = superUser
            contacts[organisation] = [superUser]
            for (number, role) in [ProviderRole.payments, .administration, .readOnly].enumerated() {
                let actor = try await contact(UserID("u-\(index)-\(number)"), of: organisation, role: role, requestedBy: superUser)
                contacts[organisation]?.append(actor)
            }
            // A creation the helpdesk rejects.
            let rejected = UserID("u-\(index)-rejected")
            _ = try await portal.requestContactCreation(
                rejected, requestID: ChangeRequestID(next("cr")), organisation: organisation,
                person: Person(forename: "Nobody", surname: "Here", email: "nobody-\(index)@org.example"), role: .reports,
                request(superUser))
            let pending = try portal.state(of: User.self, rejected.rawValue).changeRequests.open.keys.first!
            _ = try await portal.rejectContactCreation(rejected, requestID: pending, reason: "no such employee", request(helpdesk))
        }
        for (service, organisation) in services.sorted(by: { $0.key < $1.key }) {
            for number in 0..<cplisEach {
                let cpli = CPLIID("cpli-\(service.rawValue)-\(number)")
                let agree = number != cplisEach - 1 || !chance(50)
                if let definition = try await publishISO(cpli, service: service, organisation: organisation, agree: agree) {
                    activeCPLIs[service, default: []].append(definition)
                }
            }
        }
    }

    func details(_ name: String) -> ContactDetails {
        ContactDetails(name: name, addressLines: ["1 High Street"], postcode: "NR1 1AA")
    }

    func staff(_ id: UserID, _ team: CouncilTeam) async throws -> Actor {
        let email = "\(id.rawValue)@council.example"
        let first = try await portal.registerCouncilUser(id, person: Person(forename: id.rawValue, surname: "Staff", email: email),
                                                         team: team, request(.system(job: "bootstrap"))).value!
        let actor = Actor.council(user: id, team: team)
        _ = try await portal.changePassword(current: first, new: Self.password, request(actor))
        passwords[id] = Self.password
        emails[id] = email
        return actor
    }

    func contact(_ id: UserID, of organisation: OrganisationID, role: ProviderRole, requestedBy requester: Actor) async throws -> Actor {
        let email = "\(id.rawValue)@\(organisation.rawValue).example"
        let requestID = ChangeRequestID(next("cr"))
        _ = try await portal.requestContactCreation(id, requestID: requestID, organisation: organisation,
                                                     person: Person(forename: id.rawValue, surname: "Contact", email: email),
                                                     role: role, request(requester))
        let first = try await portal.acceptContactCreation(id, requestID: requestID, request(helpdesk)).value!
        let actor = Actor.provider(user: id, organisation: organisation, role: role)
        _ = try await portal.changePassword(current: first, new: Self.password, request(actor))
        passwords[id] = Self.password
        emails[id] = email
        return actor
    }

    /// Publishes an ISO with one CPLI; the provider agrees it (returning the definition) or rejects it.
    func publishISO(_ id: CPLIID, service: ServiceID, organisation: OrganisationID, agree: Bool,
                    temporaryOf: CPLIDefinition? = nil) async throws -> CPLIDefinition? {
        let iso = ISOID("iso-\(id.rawValue)")
        let unit: CareUnit = chance(15) ? .nights : .hours
        let planned = unit == .nights ? Quantity(Int(1 + random.next() % 5)) : Quantity(tenThousandths: Int64(5 + random.next() % 30) * 5_000)
        let rate = Rate(pence: Int64(1500 + random.next() % 800))
        let start = chance(20) ? Self.date("2026-11-18") : Self.date("2026-01-05")
        let definition = CPLIDefinition(
            cpliID: id, isoID: iso, organisationID: organisation, serviceID: service,
            clientReference: temporaryOf?.clientReference ?? "C-\(id.rawValue)",
            clientName: temporaryOf?.clientName ?? "Client \(id.rawValue)",
            serviceType: unit == .nights ? .nightSits : .homeSupportContractRate, unit: unit, plannedPerWeek: planned,
            rate: rate, startDate: start, endDate: chance(10) ? Self.date("2027-01-20") : nil, temporaryOf: temporaryOf?.cpliID)
        _ = try await portal.publishISO(ISOPublished(
            isoID: iso, organisationID: organisation, serviceID: service, clientReference: definition.clientReference,
            clientName: definition.clientName, cpliIDs: [id]), cplis: [definition], request(brokerage))
        let provider = superUsers[organisation]!
        if agree {
            _ = try await portal.agreeISO(iso, request(provider))
            return definition
        }
        _ = try await portal.rejectISO(iso, reason: "the rate is wrong", request(provider))
        return nil
    }

    // MARK: Periods

    /// One period of activity: each week's edits (by calendar or CSV import), confirmations, logins and
    /// details changes; then every service's invoice "submitted" (period locked) and approved (next period opened).
    func run(period number: PeriodNumber) async throws {
        let period = Self.calendar.period(number)
        for (index, week) in period.weeks.enumerated() {
            clock.set(week.monday.adding(days: 2), hour: 9 + index)
            try await logins()
            for service in services.keys.sorted() {
                let organisation = services[service]!
                let editor = contacts[organisation]!.first { if case .provider(_, _, let role) = $0 { role == .payments } else { false } }!
                if chance(12) {
                    try await importWeek(service, week, period: number, by: editor)
                } else {
                    for definition in activeCPLIs[service] ?? [] where chance(55) {
                        try await edit(definition, week, period: number, by: editor)
                    }
                }
                if chance(70) {
                    _ = try await portal.confirmWeek(Actuals.Key(serviceID: service, period: number), week, request(editor))
                    if chance(30), let definition = (activeCPLIs[service] ?? []).first {
                        try await edit(definition, week, period: number, by: editor)
                    }
                }
            }
            try await detailsChanges()
        }
        clock.set(period.lastDay.adding(days: 1), hour: 8)
        for service in services.keys.sorted() {
            let invoice = InvoiceID("inv-\(service.rawValue)-\(number.value)")
            _ = try await portal.changePeriodLock(service, .lock(service, number, invoice: invoice), request(payments))
            if chance(15) {
                _ = try await portal.changePeriodLock(service, .reopen(service, number, invoice: invoice), request(payments))
                _ = try await portal.changePeriodLock(service, .lock(service, number, invoice: invoice), request(payments))
            }
            let reason: PeriodRelease = chance(20) ? .held : .approved
            _ = try await portal.changePeriodLock(service, .openNext(service, after: number, invoice: invoice, because: reason), request(payments))
        }
    }

    /// A calendar edit of one CPLI's week with plausible values.
    private func edit(_ definition: CPLIDefinition, _ week: Week, period: PeriodNumber, by actor: Actor) async throws {
        guard let generated = GeneratedActual(definition, week: week) else { return }
        let entry = plausibleEntry(definition, generated, week)
        _ = try await portal.recordActual(Actuals.Key(serviceID: definition.serviceID, period: period), entry, request(actor))
    }

    private func plausibleEntry(_ definition: CPLIDefinition, _ generated: GeneratedActual, _ week: Week) -> ActualEntry {
        let planned = generated.planned
        switch random.next() % 10 {
        case 0:
            return ActualEntry(cpliID: definition.cpliID, week: week, actual: .zero, comment: "client in hospital all week")
        case 1 where definition.unit == .hours && planned > Quantity(1):
            let visit = AbortedVisit(date: week.monday.adding(days: 1), length: Self.q("0.75"), noticeHours: Quantity(2),
                                     time: .day, cause: .cancelled)
            let day = week.monday.adding(days: 1)
            return ActualEntry(cpliID: definition.cpliID, week: week, actual: planned - Quantity(1),
                               comment: "visit cancelled on \(day.iso8601)", abortedVisits: [visit])
        case 2:
            // Over 1.2 × Planned: flagged (R-ACT-6).
            let over = planned.scaled(by: 3, over: 2) + Self.q("0.5")
            let bound = Quantity(definition.unit == .hours ? 168 : 7)
            return ActualEntry(cpliID: definition.cpliID, week: week, actual: min(over, bound), comment: "extra care agreed")
        case 3:
            return ActualEntry(cpliID: definition.cpliID, week: week, actual: planned, missed: Self.q("0.5"), visits: 7)
        default:
            let step = Quantity(tenThousandths: Int64(random.next() % 5) * 2_500)
            let actual = chance(50) ? planned + step : (planned > step ? planned - step : planned)
            return ActualEntry(cpliID: definition.cpliID, week: week, actual: actual, visits: Int(random.next() % 14),
                               comment: chance(30) ? "as agreed with the family" : "")
        }
    }

    /// The week of a service as a CSV file imported in one go.
    private func importWeek(_ service: ServiceID, _ week: Week, period: PeriodNumber, by actor: Actor) async throws {
        let file = next("file")
        var rows = ["service,cpli,week,actual,frustrated,missed,extra,visits,comment,note"]
        for definition in activeCPLIs[service] ?? [] {
            guard let generated = GeneratedActual(definition, week: week) else { continue }
            let entry = plausibleEntry(definition, generated, week)
            guard entry.abortedVisits.isEmpty else { continue }
            rows.append([service.rawValue, definition.cpliID.rawValue, week.description, entry.actual.description, "0",
                         entry.missed.description, entry.extra.description, String(entry.visits), "\"\(entry.comment)\"", file]
                .joined(separator: ","))
        }
        guard rows.count > 1 else { return }
        _ = try await portal.importActuals(organisation: services[service]!, period: period, fileName: "\(file).csv",
                                           content: Data((rows.joined(separator: "\n") + "\n").utf8), request(actor))
    }

    /// A few logins: most succeed, some fail; three failures lock an account, which the helpdesk resets.
    private func logins() async throws {
        for organisation in superUsers.keys.sorted() {
            for actor in contacts[organisation]! where chance(40) {
                let user = actor.userID!
                if chance(10) {
                    for _ in 0..<3 { _ = try? await portal.logIn(username: emails[user]!, password: "Wrong-password-1", passcode: nil) }
                    if try portal.state(of: User.self, user.rawValue).security.isSuspended {
                        _ = try await portal.reactivate(user, request(helpdesk))
                    }
                    let first = try await portal.resetPassword(user, request(helpdesk)).value!
                    _ = try await portal.changePassword(current: first, new: Self.password + "\(counter)", request(actor))
                    passwords[user] = Self.password + "\(counter)"
                    counter += 1
                } else {
                    do {
                        _ = try await portal.logIn(username: emails[user]!, password: passwords[user]!, passcode: nil)
                    } catch let error as DomainError where error.rule == "R-ACC-6" {
                        // Unused for 60 days: suspended at this login; the helpdesk reactivates the account.
                        _ = try await portal.reactivate(user, request(helpdesk))
                        _ = try await portal.logIn(username: emails[user]!, password: passwords[user]!, passcode: nil)
                    }
                }
            }
        }
    }

    /// Organisation and service details change requests, accepted or rejected by the helpdesk; a contact amended.
    private func detailsChanges() async throws {
        guard let organisation = superUsers.keys.sorted().first(where: { _ in chance(50) }) else { return }
        let superUser = superUsers[organisation]!
        let request1 = ChangeRequestID(next("ocr"))
        _ = try await portal.changeOrganisationDetails(organisation, .request(request1, details("Renamed \(counter)")), request(superUser))
        if chance(60) {
            _ = try await portal.changeOrganisationDetails(organisation, .accept(request1), request(helpdesk))
        } else if chance(50) {
            _ = try await portal.changeOrganisationDetails(organisation, .reject(request1, reason: "postcode unknown"), request(helpdesk))
        }
        if let service = services.filter({ $0.value == organisation }).keys.sorted().first {
            let request2 = ChangeRequestID(next("scr"))
            _ = try await portal.changeServiceDetails(service, .request(request2, details("Service renamed \(counter)")), request(superUser))
            _ = try await portal.changeServiceDetails(service, .accept(request2), request(helpdesk))
        }
        if chance(50), let contact = contacts[organisation]?.last, let user = contact.userID, case .provider(_, _, let role) = contact {
            let request3 = ChangeRequestID(next("acr"))
            _ = try await portal.requestContactAmend(user, requestID: request3, person: Person(
                forename: user.rawValue, surname: "Amended \(counter)", email: emails[user]!), role: role, request(superUser))
            if chance(50) { _ = try await portal.acceptContactAmend(user, requestID: request3, request(helpdesk)) }
        }
    }

    /// Every event type the history wrote.
    func eventTypes() throws -> Set<String> {
        var types = Set<String>()
        var next: UInt64 = 1
        while true {
            let batch = try log.readAll(from: next, limit: 5000)
            guard let last = batch.last else { break }
            for event in batch { types.insert(event.type) }
            next = last.position + 1
        }
        return types
    }
}

/// A small, fast, seedable generator (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

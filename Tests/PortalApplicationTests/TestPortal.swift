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
}

/// A portal on a real log and credential store in a temporary folder, with council staff and one provider
/// organisation set up through the portal's own commands. Periods start 2026-04-06: period 9 is
/// 2026-11-16 to 2026-12-13; the clock starts on Wednesday 2026-11-25 at 10:00 UTC.
final class TestPortal: @unchecked Sendable {
    static let newPassword = "Portal2026x"
    let folder: URL
    let clock: TestClock
    let portal: Portal
    var log: EventLog { portal.log }

    var helpdesk: Actor!
    var procurement: Actor!
    var brokerage: Actor!
    var payments: Actor!
    /// The provider organisation `oasis`, its contract `oasis-k` (spot-old-block) and service `oasis-hs`.
    let organisation: OrganisationID = "oasis"
    let service: ServiceID = "oasis-hs"
    var superUser: Actor!

    static func date(_ text: String) -> BusinessDate { BusinessDate(iso8601: text)! }
    static func q(_ text: String) -> Quantity { try! Quantity.parseSigned(text, field: "test") }

    init(policy: PolicyProfile = .norfolk) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("portal-test-\(UUID().uuidString)")
        clock = TestClock(Timestamp(iso8601: "2026-11-25T10:00:00Z")!)
        portal = try Portal.open(dataDirectory: folder, configuration: .init(
            policy: policy, calendar: try PeriodCalendar(anchor: Self.date("2026-04-06")), time: DeploymentTime(clock: clock)), bcryptCost: 4)
    }

    deinit {
        portal.close()
        try? FileManager.default.removeItem(at: folder)
    }

    func request(_ actor: Actor, key: String? = nil) -> CommandRequest { CommandRequest(actor: actor, idempotencyKey: key) }

    /// Council staff registered by the bootstrap job, with the first password changed.
    func staff(_ id: UserID, _ team: CouncilTeam) async throws -> Actor {
        let person = Person(forename: id.rawValue, surname: "Staff", email: "\(id.rawValue)@council.example")
        let first = try await portal.registerCouncilUser(id, person: person, team: team, request(.system(job: "bootstrap"))).value!
        let actor = Actor.council(user: id, team: team)
        _ = try await portal.changePassword(current: first, new: Self.newPassword, request(actor))
        return actor
    }

    /// A provider contact created by `requester`, accepted by the helpdesk, first password changed.
    func contact(_ id: UserID, of organisation: OrganisationID, role: ProviderRole, requestedBy requester: Actor? = nil) async throws -> Actor {
        let person = Person(forename: id.rawValue, surname: "Contact", email: "\(id.rawValue)@\(organisation.rawValue).example")
        _ = try await portal.requestContactCreation(id, requestID: ChangeRequestID("cr-\(id.rawValue)"), organisation: organisation, person: person,
                                                     role: role, request(requester ?? helpdesk))
        let first = try await portal.acceptContactCreation(id, requestID: ChangeRequestID("cr-\(id.rawValue)"), request(helpdesk)).value!
        let actor = Actor.provider(user: id, organisation: organisation, role: role)
        _ = try await portal.changePassword(current: first, new: Self.newPassword, request(actor))
        return actor
    }

    static func make(policy: PolicyProfile = .norfolk) async throws -> TestPortal {
        let test = try TestPortal(policy: policy)
        test.helpdesk = try await test.staff("helpdesk-1", .helpdesk)
        test.procurement = try await test.staff("procurement-1", .procurement)
        test.brokerage = try await test.staff("brokerage-1", .serviceBrokerage)
        test.payments = try await test.staff("payments-1", .payments)
        try await test.registerProvider(test.organisation, service: test.service)
        test.superUser = try await test.contact("oasis-su", of: test.organisation, role: .superUserActuals)
        return test
    }

    let details = ContactDetails(name: "Oasis Care and Support", addressLines: ["1 Oasis Street"], postcode: "IP1 2TN")

    /// Registers an organisation with a spot-old-block contract and one service starting 2026-11-16.
    func registerProvider(_ organisation: OrganisationID, service: ServiceID, contractType: ContractType = .spotOldBlock) async throws {
        _ = try await portal.registerOrganisation(organisation, details: details, request(procurement))
        try await registerService(service, of: organisation, contractType: contractType)
    }

    func registerService(_ service: ServiceID, of organisation: OrganisationID, contractType: ContractType = .spotOldBlock) async throws {
        let contract = ContractID("\(service.rawValue)-k")
        _ = try await portal.registerContract(ContractRegistered(
            contractID: contract, organisationID: organisation, name: "Home support", contractType: contractType,
            paymentBasis: .invoiced, startDate: Self.date("2026-01-05")), request(procurement))
        _ = try await portal.registerService(ServiceRegistered(
            serviceID: service, organisationID: organisation, contractID: contract, details: details,
            startDate: Self.date("2026-11-16")), request(procurement))
    }

    /// Publishes an ISO with one CPLI (10.5 hours a week at £18.50 unless told) and, unless `agree` is false,
    /// has the provider agree it.
    @discardableResult
    func cpli(
        _ id: CPLIID, service: ServiceID? = nil, organisation: OrganisationID? = nil, planned: String = "10.5",
        start: String = "2026-01-05", end: String? = nil, agree: Bool = true, agreedBy: Actor? = nil
    ) async throws -> CPLIDefinition {
        let organisation = organisation ?? self.organisation
        let service = service ?? self.service
        let iso = ISOID("iso-\(id.rawValue)")
        let definition = CPLIDefinition(
            cpliID: id, isoID: iso, organisationID: organisation, serviceID: service, clientReference: "C-\(id.rawValue)",
            clientName: "Client \(id.rawValue)", serviceType: .homeSupportContractRate, unit: .hours,
            plannedPerWeek: Self.q(planned), rate: Rate(pence: 1850), startDate: Self.date(start), endDate: end.map(Self.date))
        _ = try await portal.publishISO(ISOPublished(
            isoID: iso, organisationID: organisation, serviceID: service, clientReference: definition.clientReference,
            clientName: definition.clientName, cpliIDs: [id]), cplis: [definition], request(brokerage))
        if agree { _ = try await portal.agreeISO(iso, request(agreedBy ?? superUser)) }
        return definition
    }

    var period9: Actuals.Key { Actuals.Key(serviceID: service, period: PeriodNumber(9)) }
    let week1 = try! Week.parse("2026-11-16")

    func head() throws -> UInt64 { try log.head().position }

    /// Every payload in the log, as text.
    func allPayloadText() throws -> String {
        try log.readAll(from: 1, limit: 100_000).map { String(decoding: $0.payload, as: UTF8.self) }.joined(separator: "\n")
    }
}

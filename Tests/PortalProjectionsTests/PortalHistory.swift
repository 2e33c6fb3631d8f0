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
    var scheduledContract: ContractID?
    var paidInvoices: [(ServiceID, PeriodNumber)] = []
    var pendingSupplementary: [InvoiceID] = []
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
        try await setUpScheduledContract()
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
        try await invoiceAndPay(number)
    }

    // MARK: Invoices, claims, payments, conversations (part 2)

    /// Each service's invoice of the period through its lifecycle (some held and released, some returned,
    /// corrected and resubmitted), the supplementary invoices raised since the last run approved, a one-off
    /// claim invoiced at contract level now and then, the scheduled payment calculated, and the payment run;
    /// then, sometimes, a paid period corrected (a credit note or a supplementary invoice).
    func invoiceAndPay(_ number: PeriodNumber) async throws {
        let payments = request(self.payments)
        if let scheduled = scheduledContract {
            _ = try await portal.calculateScheduledPayment(contract: scheduled, period: number, payments)
        }
        for service in services.keys.sorted() {
            let organisation = services[service]!
            let provider = request(superUsers[organisation]!)
            let id = InvoiceID("inv-\(service.rawValue)-\(number.value)")
            let proposal = try portal.proposeInvoice(service: service, period: number, for: superUsers[organisation]!)
            let unticked = Set(proposal.filter(\.isOverException).map(\.cpliID))
            guard proposal.count > unticked.count else { continue }
            // Over-20% lines leave the invoice (R-INV-2): unticked in the wizard, or removed from the created invoice.
            let removesLines = number.value % 2 == 0
            _ = try await portal.createInvoice(InvoiceDraft(
                invoiceID: id, serviceID: service, period: number, reference: "R-\(service.rawValue)-P\(number.value)",
                invoiceDate: clockDate(), unticked: removesLines ? [] : unticked), provider)
            if removesLines {
                for cpli in unticked.sorted() { _ = try await portal.removeInvoiceLine(id, cpli: cpli, provider) }
            }
            _ = try await portal.submitInvoice(id, provider)
            if chance(15) {
                _ = try await portal.holdInvoice(id, reason: "query on week 2", payments)
                _ = try await portal.releaseInvoice(id, payments)
            } else if chance(10) {
                _ = try await portal.returnInvoice(id, reason: "a week is invoiced twice", payments)
                if let definition = (activeCPLIs[service] ?? []).first(where: { !unticked.contains($0.cpliID) }),
                   let week = Self.calendar.period(number).weeks.first(where: { GeneratedActual(definition, week: $0) != nil }) {
                    _ = try await portal.recordActual(Actuals.Key(serviceID: service, period: number),
                                                      ActualEntry(cpliID: definition.cpliID, week: week, actual: .zero, comment: "not delivered"), provider)
                }
                _ = try await portal.correctInvoice(id, provider)
                _ = try await portal.submitInvoice(id, provider)
            }
            _ = try await portal.approveInvoice(id, payments)
            paidInvoices.append((service, number))
        }
        for id in pendingSupplementary { _ = try await portal.approveInvoice(id, payments) }
        pendingSupplementary = []
        try await claimOnce(number)
        try await conversationOnce(number)
        _ = try await portal.runPayment(PaymentRunRequest(
            paymentRunID: PaymentRunID("run-\(number.value)"), paymentDate: clockDate(), reference: "BACS-\(number.value)"), payments)
        // A correction of a period just paid: downwards a credit note, upwards a supplementary invoice (R-INV-4).
        if number.value % 2 == 0 || chance(30), let (service, period) = paidInvoices.last(where: { $0.1 == number }),
           let definition = (activeCPLIs[service] ?? []).last, let week = Self.calendar.period(period).weeks.last,
           let generated = GeneratedActual(definition, week: week) {
            let up = number.value % 4 == 0
            let entry = ActualEntry(cpliID: definition.cpliID, week: week, actual: up ? generated.planned + Quantity(1) : .zero,
                                    comment: up ? "an extra visit was delivered" : "the client was away all week")
            let document = next(up ? "sup" : "cn")
            let outcome = try await portal.correctPaidActual(Actuals.Key(serviceID: service, period: period), entry, documentID: document,
                                                            reference: document.uppercased(), request(superUsers[services[service]!]!))
            if case .supplementaryInvoice? = outcome.value { pendingSupplementary.append(InvoiceID(document)) }
        }
    }

    /// After the last period: work the council has not finished — the next period's scheduled payment (not yet
    /// due), a claim awaiting approval, an invoice of the next period on hold.
    func leaveWorkInProgress(after number: PeriodNumber) async throws {
        let payments = request(self.payments)
        if let scheduled = scheduledContract {
            _ = try await portal.calculateScheduledPayment(contract: scheduled, period: number.next, payments)
        }
        guard let service = services.keys.sorted().first(where: { contractTypes[$0] != .spotOldBlock }),
              let definition = activeCPLIs[service]?.first(where: { $0.endDate == nil }) else { return }
        let provider = request(superUsers[services[service]!]!)
        let period = Self.calendar.period(number)
        let claim = ClaimID(next("claim"))
        _ = try await portal.createClaim(OneOffClaimRequest(
            claimID: claim, contractID: ContractID("k-\(service.rawValue.dropFirst(4))"), dateOfClaim: period.lastDay,
            items: [OneOffClaimItemRequest(cpliID: definition.cpliID, absenceFrom: period.firstDay, absenceTo: period.firstDay.adding(days: 1),
                                           precedingStay: .emergencyRespite, hours: Quantity(4))]), provider)
        _ = try await portal.submitClaim(claim, provider)
        let next = Self.calendar.period(number.next)
        clock.set(next.lastDay.adding(days: 1), hour: 8)
        let invoice = InvoiceID("inv-\(service.rawValue)-\(number.next.value)")
        _ = try await portal.createInvoice(InvoiceDraft(
            invoiceID: invoice, serviceID: service, period: number.next, reference: "R-\(service.rawValue)-P\(number.next.value)",
            invoiceDate: clockDate()), provider)
        _ = try await portal.submitInvoice(invoice, provider)
        _ = try await portal.holdInvoice(invoice, reason: "awaiting the client's care plan", payments)
    }

    private func clockDate() -> BusinessDate { BusinessDate(Timestamp(clock.now())) }

    /// A scheduled contract of the first organisation with a service of two CPLIs (R-PAY-1).
    func setUpScheduledContract() async throws {
        guard let organisation = superUsers.keys.sorted().first else { return }
        let contract = ContractID("k-scheduled")
        _ = try await portal.registerContract(ContractRegistered(
            contractID: contract, organisationID: organisation, name: "Scheduled home support", contractType: .block2013,
            paymentBasis: .scheduled, startDate: Self.date("2026-01-05")), request(procurement))
        let service = ServiceID("svc-scheduled")
        _ = try await portal.registerService(ServiceRegistered(
            serviceID: service, organisationID: organisation, contractID: contract, details: details("Scheduled service"),
            startDate: Self.date("2026-11-16")), request(procurement))
        for number in 0..<2 {
            _ = try await publishISO(CPLIID("cpli-scheduled-\(number)"), service: service, organisation: organisation, agree: true)
        }
        scheduledContract = contract
    }

    /// Now and then a one-off claim on a block contract's service: created, submitted, approved, invoiced at
    /// contract level, submitted and approved (R-OOC).
    private func claimOnce(_ number: PeriodNumber) async throws {
        let period = Self.calendar.period(number)
        let (from, to) = (period.firstDay.adding(days: 2), period.firstDay.adding(days: 4))
        let covering = { (definition: CPLIDefinition) in definition.covers(from) && definition.covers(to) }
        guard number.value % 3 != 1 || chance(50), let service = services.keys.sorted().first(where: {
            contractTypes[$0] != .spotOldBlock && (activeCPLIs[$0] ?? []).contains(where: covering)
        }) else { return }
        let organisation = services[service]!
        let provider = request(superUsers[organisation]!)
        let definition = activeCPLIs[service]!.first(where: covering)!
        let claim = ClaimID(next("claim"))
        let contract = ContractID("k-\(service.rawValue.dropFirst(4))")
        _ = try await portal.createClaim(OneOffClaimRequest(
            claimID: claim, contractID: contract, dateOfClaim: period.lastDay, notes: "hospital stay",
            items: [OneOffClaimItemRequest(cpliID: definition.cpliID, absenceFrom: from, absenceTo: to, precedingStay: .hospital,
                                           hours: Quantity(6))]), provider)
        _ = try await portal.submitClaim(claim, provider)
        if number.value % 3 == 0 {
            _ = try await portal.rejectClaim(claim, reason: "no hospital record", request(payments))
            return
        }
        _ = try await portal.approveClaim(claim, request(payments))
        let invoice = InvoiceID("inv-\(claim.rawValue)")
        _ = try await portal.createContractInvoice(ContractInvoiceDraft(
            invoiceID: invoice, contractID: contract, reference: "C-\(claim.rawValue)", invoiceDate: clockDate(), claimIDs: [claim]), provider)
        _ = try await portal.submitInvoice(invoice, provider)
        _ = try await portal.approveInvoice(invoice, request(payments))
    }

    /// Now and then a provider asks the Payments Team about a contract; the team answers, and may reassign or close.
    private func conversationOnce(_ number: PeriodNumber) async throws {
        guard let service = services.keys.sorted().dropFirst(Int(random.next() % UInt64(services.count))).first else { return }
        let organisation = services[service]!
        let provider = request(superUsers[organisation]!)
        let id = ConversationID(next("conv"))
        _ = try await portal.startConversation(ConversationStart(
            conversationID: id, organisationID: organisation, type: .paymentQuery, relatedTo: .contract,
            entityID: "k-\(service.rawValue.dropFirst(4))", team: .payments, subject: "Period \(number) payment",
            body: "When will period \(number) be paid?"), provider)
        _ = try await portal.postMessage(id, body: "In this week's run.", request(payments))
        if number.value % 2 == 1 { _ = try await portal.reassignConversation(id, to: .billing, request(payments)) }
        if number.value % 3 == 0 { _ = try await portal.closeConversation(id, request(payments)) }
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

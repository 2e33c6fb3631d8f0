import Chronology
import Foundation
import PortalApplication
import PortalDomain

/// One login of the demo council, printed by `portal serve --demo`.
public struct DemoLogin: Sendable, Equatable {
    public var userID: UserID
    public var email: String
    public var password: String
    public var passcode: String
    /// `<role>@<organisation>`, `team:<team>` or `auditor`.
    public var actingAs: String
}

/// The clock of the demo's story: the demo's twelve weeks happen over twelve weeks. It starts a week before the
/// history's first period and is moved forward step by step — staff and providers set up, care orders agreed,
/// each week's actuals recorded the Monday after, each period invoiced as it ends — never backwards (the log's
/// recorded-at never decreases) and never later than a minute before `now`, so every event is in the past and
/// `portal audit as-of` and `audit who --from` tell a believable story.
public final class DemoStory: Sendable {
    /// The clock the seeding portal runs on.
    public let clock: ManualClock
    /// The real moment the demo is seeded.
    public let now: Date
    /// The real business date of `now` (the deployment's time zone): the demo's history ends before it.
    public let today: BusinessDate
    private let latest: Date

    public init(now: Date = Date(), time: DeploymentTime = DeploymentTime()) {
        self.now = now
        self.today = time.businessDate(of: Timestamp(now))
        self.latest = now.addingTimeInterval(-60)
        self.clock = ManualClock(now.addingTimeInterval(-60))
    }

    /// Moves the clock to `hour`:`minute` UTC on `date`: never back, never past a minute before `now`.
    public func at(_ date: BusinessDate, hour: Int, minute: Int = 0) {
        let proposed = Timestamp(microsecondsSince1970: date.startOfDay.microsecondsSince1970 + Int64(hour * 60 + minute) * 60_000_000).date
        clock.set(max(started ? clock.now() : .distantPast, min(proposed, latest)))
        started = true
    }

    nonisolated(unsafe) private var started = false
}

/// The demo council that `portal serve --demo` puts into a new data folder, all through the portal's own
/// commands with fixed ids, so the same day gives the same data:
///
/// - council staff of every team and an auditor; two providers whose services are under different contract
///   types, each with one contact per provider role; about 40 clients with agreed ISOs (one more ISO of each
///   provider rejected, one left published);
/// - twelve weeks of actuals — the three whole periods before today's, every active CPLI every week —
///   recorded period by period as each period opens: `oasis` by the calendar (each line, each week
///   confirmed), `riverside` by one CSV import a period;
/// - invoices in every status, each period invoiced as it ends so the next one opens (R-PER-3): `oasis`'s first
///   period paid by payment run `demo-run-1`, its second on hold, its third left open (not invoiced, for the
///   provider to invoice); `riverside`'s first approved, its second submitted (held, then released), its third
///   returned (reopened); an unsubmitted contract-level invoice of an approved one-off claim of `oasis`; and a
///   conversation.
///
/// With `invoices: false` (the HTTP tests) only the first period's actuals are recorded and it stays the
/// open period.
public enum DemoCouncil {
    /// Every demo account's password (R-ACC-2: 9+ characters, a capital, two digits).
    public static let password = "Portal-demo-2026"
    /// Every demo account's passcode (R-ACC-3).
    public static let passcode = "135246"
    /// The payment run that pays `oasis`'s first period.
    public static let paymentRun: PaymentRunID = "demo-run-1"

    /// The two demo providers, their contract types and services.
    public static let providers: [(organisation: OrganisationID, name: String, contractType: ContractType, service: ServiceID)] = [
        ("oasis", "Oasis Care and Support", .block2013, "oasis-hs"),
        ("riverside", "Riverside Home Care", .spotOldBlock, "riverside-hs"),
    ]

    /// How many whole periods of actuals the demo records before today's period (twelve weeks).
    public static let historyPeriods = 3

    /// The periods of the demo's history: the whole periods before today's, at most ``historyPeriods`` (fewer
    /// only when the calendar's anchor is that recent).
    public static func history(today: BusinessDate, calendar: PeriodCalendar) -> [Period] {
        guard let current = calendar.period(containing: today)?.number, current.value > 1 else {
            return [calendar.period(PeriodNumber(1))]
        }
        let first = max(1, current.value - historyPeriods)
        return (first..<current.value).map { calendar.period(PeriodNumber($0)) }
    }

    /// The first day of the demo's services and CPLIs: the Monday that starts its history.
    public static func firstWeek(today: BusinessDate, calendar: PeriodCalendar) -> BusinessDate {
        history(today: today, calendar: calendar)[0].firstDay
    }

    /// The invoice of a provider's period in the demo.
    public static func invoiceID(_ organisation: OrganisationID, _ period: PeriodNumber) -> InvoiceID {
        InvoiceID("inv-\(organisation)-p\(period)")
    }

    /// Seeds the demo council into `portal` (a new, empty log) and returns the logins. With `invoices`, the
    /// whole history: three periods of actuals and invoices in every status (see the type's documentation).
    /// With `story` (whose clock `portal` must run on), each step happens at its time in those weeks, and every
    /// account logs in once at the end (so none is unused for 60 days, R-ACC-6); without, everything happens now.
    public static func seed(_ portal: Portal, clients: Int = 40, invoices: Bool = true, story: DemoStory? = nil) async throws -> [DemoLogin] {
        var logins: [DemoLogin] = []
        let bootstrap = CommandRequest(actor: .system(job: "demo"))
        let today = story?.today ?? portal.context(for: .system(job: "demo")).today
        let calendar = portal.configuration.calendar
        let history = history(today: today, calendar: calendar)
        let firstWeek = history[0].firstDay
        // A week before the first period: staff, providers and their contacts are set up, then the care orders.
        story?.at(firstWeek.adding(days: -7), hour: 8)

        // Accounts first (each first password changed and passcode set, on both cores: bcrypt dominates).
        var accounts: [(actor: Actor, person: Person, first: String)] = []
        var staff: [CouncilTeam: Actor] = [:]
        for team in CouncilTeam.allCases {
            let user = UserID("council-\(team.rawValue)")
            let person = Person(forename: team.displayName, surname: "Officer", email: "\(team.rawValue)@council.example")
            let first = try await portal.registerCouncilUser(user, person: person, team: team, bootstrap).value ?? ""
            staff[team] = Actor.council(user: user, team: team)
            accounts.append((Actor.council(user: user, team: team), person, first))
        }
        let auditorPerson = Person(forename: "Audrey", surname: "Auditor", email: "auditor@council.example")
        let auditorFirst = try await portal.registerAuditor("auditor", person: auditorPerson, bootstrap).value ?? ""
        accounts.append((.auditor(user: "auditor"), auditorPerson, auditorFirst))
        try await settle(portal, accounts)
        let staffAccounts = accounts.count

        let procurement = CommandRequest(actor: staff[.procurement]!)
        let helpdesk = CommandRequest(actor: staff[.helpdesk]!)
        story?.at(firstWeek.adding(days: -7), hour: 9)
        for (index, provider) in providers.enumerated() {
            let details = ContactDetails(name: provider.name, addressLines: ["\(index + 1) High Street", "Norwich"], postcode: "NR\(index + 1) 1AA",
                                         telephone: "01603 00000\(index)", email: "office@\(provider.organisation).example")
            _ = try await portal.registerOrganisation(provider.organisation, details: details, procurement)
            _ = try await portal.registerContract(ContractRegistered(
                contractID: contract(of: provider.organisation), organisationID: provider.organisation, name: "\(provider.name) home support",
                contractType: provider.contractType, paymentBasis: .invoiced, startDate: firstWeek.adding(days: -364)), procurement)
            _ = try await portal.registerService(ServiceRegistered(
                serviceID: provider.service, organisationID: provider.organisation, contractID: contract(of: provider.organisation),
                details: details, startDate: firstWeek), procurement)
            // One contact per provider role.
            for role in ProviderRole.allCases {
                let user = UserID("\(provider.organisation)-\(role.rawValue)")
                let person = Person(forename: role.rawValue.capitalized, surname: provider.name, email: "\(role.rawValue)@\(provider.organisation).example")
                let requestID = ChangeRequestID("contact-\(user.rawValue)")
                _ = try await portal.requestContactCreation(user, requestID: requestID, organisation: provider.organisation, person: person,
                                                            role: role, helpdesk)
                let first = try await portal.acceptContactCreation(user, requestID: requestID, helpdesk).value ?? ""
                accounts.append((Actor.provider(user: user, organisation: provider.organisation, role: role), person, first))
            }
        }
        try await settle(portal, Array(accounts[staffAccounts...]))
        for account in accounts {
            logins.append(DemoLogin(userID: account.actor.userID!, email: account.person.email, password: password, passcode: passcode,
                                    actingAs: account.actor.actingAs))
        }

        // Clients: ISOs with one CPLI each from the first week, most agreed, one rejected, one left published.
        story?.at(firstWeek.adding(days: -7), hour: 14)
        let brokerage = CommandRequest(actor: staff[.serviceBrokerage]!)
        let count = max(3, clients / providers.count)
        var agreed: [OrganisationID: [CPLIDefinition]] = [:]
        var pending: [(number: Int, count: Int, iso: ISOID, organisation: OrganisationID, definition: CPLIDefinition)] = []
        for provider in providers {
            for number in 1...count {
                let client = "\(provider.organisation.rawValue.prefix(2).uppercased())\(String(format: "%04d", number))"
                let iso = ISOID("iso-\(provider.organisation)-\(number)")
                let nights = number % 10 == 0
                let definition = CPLIDefinition(
                    cpliID: CPLIID("cpli-\(provider.organisation)-\(number)"), isoID: iso, organisationID: provider.organisation,
                    serviceID: provider.service, clientReference: client, clientName: "Client \(client)",
                    serviceType: nights ? .nightSits : .homeSupportContractRate, unit: nights ? .nights : .hours,
                    plannedPerWeek: Quantity(tenThousandths: nights ? 20_000 : Int64(35_000 + 17_500 * (number % 5))),
                    rate: Rate(tenThousandthsOfAPound: nights ? 850_000 : 192_500), startDate: firstWeek)
                _ = try await portal.publishISO(ISOPublished(
                    isoID: iso, organisationID: provider.organisation, serviceID: provider.service, clientReference: client,
                    clientName: definition.clientName, cpliIDs: [definition.cpliID]), cplis: [definition], brokerage)
                pending.append((number, count, iso, provider.organisation, definition))
            }
        }
        // The providers answer the next day.
        story?.at(firstWeek.adding(days: -6), hour: 10)
        for (number, count, iso, organisation, definition) in pending {
            let superUser = CommandRequest(actor: superUser(organisation))
            if number == count {
                continue // left published, for the provider to agree or reject
            } else if number == count - 1 {
                _ = try await portal.rejectISO(iso, reason: "the client's address is wrong", superUser)
            } else {
                _ = try await portal.agreeISO(iso, superUser)
                agreed[organisation, default: []].append(definition)
            }
        }

        // The history, period by period: actuals while the period is open, then (with invoices) its invoice,
        // whose next step opens the next period.
        let periods = invoices ? history : [history[0]]
        let payments = CommandRequest(actor: staff[.payments]!)
        // The business date of the story's clock (today's date without a story).
        func storyDate() -> BusinessDate { portal.context(for: .system(job: "demo")).today }
        for (index, period) in periods.enumerated() {
            try await recordByCalendar(portal, "oasis", period, agreed["oasis"] ?? [], today: today, story: story)
            if let story {
                story.at(period.lastDay.adding(days: 1), hour: 10)
                try await logIn(logins, portal)
            }
            // riverside uploads the whole period the Monday after it ends; invoices follow that afternoon and the
            // Payments Team acts the next morning.
            story?.at(period.lastDay.adding(days: 1), hour: 11)
            try await recordByImport(portal, "riverside", period, agreed["riverside"] ?? [], today: today)
            guard invoices, period.lastDay < today else { continue }
            story?.at(period.lastDay.adding(days: 1), hour: 14)
            switch index {
            case 0:
                let paid = try await submittedInvoice(portal, "oasis", period, today: storyDate())
                let approved = try await submittedInvoice(portal, "riverside", period, today: storyDate())
                story?.at(period.lastDay.adding(days: 2), hour: 10)
                _ = try await portal.approveInvoice(paid, payments)
                _ = try await portal.approveInvoice(approved, payments)
                story?.at(period.lastDay.adding(days: 3), hour: 11)
                _ = try await portal.runPayment(PaymentRunRequest(paymentRunID: paymentRun, paymentDate: storyDate(), reference: "BACS-DEMO-1",
                                                                  invoiceIDs: [paid]), payments)
            case 1:
                let oasis = try await submittedInvoice(portal, "oasis", period, today: storyDate())
                let riverside = try await submittedInvoice(portal, "riverside", period, today: storyDate())
                story?.at(period.lastDay.adding(days: 2), hour: 10)
                _ = try await portal.holdInvoice(oasis, reason: "checking two hospital stays", payments)
                _ = try await portal.holdInvoice(riverside, reason: "a rate looks high", payments)
            default:
                // oasis's last period stays open for the provider to invoice.
                let returned = try await submittedInvoice(portal, "riverside", period, today: storyDate())
                story?.at(period.lastDay.adding(days: 2), hour: 10)
                _ = try await portal.returnInvoice(returned, reason: "two lines use last year's rate", payments)
            }
        }
        guard invoices else { return try await loggedIn(logins, portal, story) }
        let last = periods[periods.count - 1]
        if periods.count > 1 {
            // Released after its hold opened the next period: submitted again, waiting in the Payments queue.
            story?.at(last.lastDay.adding(days: 2), hour: 11)
            _ = try await portal.releaseInvoice(invoiceID("riverside", periods[1].number), payments)
        }
        story?.at(last.lastDay.adding(days: 2), hour: 15)
        try await claimInvoice(portal, periods[0], agreed["oasis"] ?? [], today: storyDate(), payments: payments)
        story?.at(last.lastDay.adding(days: 2), hour: 16)
        _ = try await portal.startConversation(ConversationStart(
            conversationID: "demo-conv-1", organisationID: "oasis", type: .query, relatedTo: .service, entityID: "oasis-hs", team: .billing,
            subject: "Rates from April", body: "Which rate applies to night sits from April?"), CommandRequest(actor: superUser("oasis")))
        return try await loggedIn(logins, portal, story)
    }

    /// With a story, every account logs in once more this morning (or a minute before now), as at the end of each
    /// period: people use the portal, and no account is left unused for 60 days, which would suspend it at its
    /// next login (R-ACC-6).
    static func loggedIn(_ logins: [DemoLogin], _ portal: Portal, _ story: DemoStory?) async throws -> [DemoLogin] {
        guard let story else { return logins }
        story.at(story.today, hour: 8)
        try await logIn(logins, portal)
        return logins
    }

    /// Every account logs in (password and passcode), recording its login; all at once, so that the log's group
    /// commit writes them in a few commits.
    static func logIn(_ logins: [DemoLogin], _ portal: Portal) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for login in logins {
                group.addTask { _ = try await portal.logIn(username: login.email, password: login.password, passcode: login.passcode) }
            }
            try await group.waitForAll()
        }
    }

    static func contract(of organisation: OrganisationID) -> ContractID { ContractID("\(organisation)-contract") }

    static func superUser(_ organisation: OrganisationID) -> Actor {
        .provider(user: UserID("\(organisation)-super-user-actuals"), organisation: organisation, role: .superUserActuals)
    }

    /// What a provider records for one CPLI in one week: as planned (with the visits made), a short visit, an
    /// extra hour, or a day in hospital; valid under both policy profiles (Actual + Missed = Planned, a comment
    /// on every difference).
    static func entry(_ definition: CPLIDefinition, week: Week, index: Int) -> ActualEntry {
        let planned = definition.plannedPerWeek
        let number = Int(definition.cpliID.rawValue.split(separator: "-").last ?? "0") ?? 0
        if definition.unit == .nights {
            return (number + index) % 3 == 0
                ? ActualEntry(cpliID: definition.cpliID, week: week, actual: planned - Quantity(tenThousandths: 10_000),
                              missed: Quantity(tenThousandths: 10_000), visits: 1, comment: "client stayed with family one night")
                : ActualEntry(cpliID: definition.cpliID, week: week, actual: planned, visits: 2)
        }
        switch (number + index) % 4 {
        case 0:
            return ActualEntry(cpliID: definition.cpliID, week: week, actual: planned, visits: 7)
        case 1:
            return ActualEntry(cpliID: definition.cpliID, week: week, actual: planned - Quantity(tenThousandths: 2_500),
                               missed: Quantity(tenThousandths: 2_500), visits: 7, comment: "one visit cut short: client at the GP")
        case 2:
            return ActualEntry(cpliID: definition.cpliID, week: week, actual: planned, extra: Quantity(tenThousandths: 10_000), visits: 8,
                               comment: "an extra hour after a fall")
        default:
            return ActualEntry(cpliID: definition.cpliID, week: week, actual: planned - Quantity(tenThousandths: 5_000),
                               missed: Quantity(tenThousandths: 5_000), visits: 6, comment: "client in hospital one day")
        }
    }

    /// The period's started weeks.
    static func weeks(of period: Period, today: BusinessDate) -> [Week] {
        period.weeks.filter { $0.monday <= today }
    }

    /// Every line of every started week by the calendar, each week then confirmed (R-ACT-9).
    static func recordByCalendar(_ portal: Portal, _ organisation: OrganisationID, _ period: Period, _ cplis: [CPLIDefinition],
                                 today: BusinessDate, story: DemoStory? = nil) async throws {
        let request = CommandRequest(actor: superUser(organisation))
        let key = Actuals.Key(serviceID: ServiceID("\(organisation)-hs"), period: period.number)
        for (index, week) in weeks(of: period, today: today).enumerated() {
            // Each week is recorded on the Monday after it.
            story?.at(week.monday.adding(days: 7), hour: 9)
            for definition in cplis {
                _ = try await portal.recordActual(key, entry(definition, week: week, index: index), request)
            }
            _ = try await portal.confirmWeek(key, week, request)
        }
    }

    /// Every line of every started week in one CSV file, imported all or nothing (R-ACT-2).
    static func recordByImport(_ portal: Portal, _ organisation: OrganisationID, _ period: Period, _ cplis: [CPLIDefinition],
                               today: BusinessDate) async throws {
        var csv = "service,cpli,week,actual,missed,extra,visits,comment\n"
        for (index, week) in weeks(of: period, today: today).enumerated() {
            for definition in cplis {
                let e = entry(definition, week: week, index: index)
                csv += "\(definition.serviceID),\(e.cpliID),\(week.monday.iso8601),\(e.actual),\(e.missed),\(e.extra),\(e.visits),\(e.comment)\n"
            }
        }
        _ = try await portal.importActuals(organisation: organisation, period: period.number, fileName: "actuals-\(organisation)-\(period.number).csv",
                                           content: Data(csv.utf8), CommandRequest(actor: superUser(organisation)))
    }

    /// The provider's invoice of the whole period (every line the wizard proposes), dated today and submitted.
    static func submittedInvoice(_ portal: Portal, _ organisation: OrganisationID, _ period: Period, today: BusinessDate) async throws -> InvoiceID {
        let id = invoiceID(organisation, period.number)
        let request = CommandRequest(actor: superUser(organisation))
        _ = try await portal.createInvoice(InvoiceDraft(
            invoiceID: id, serviceID: ServiceID("\(organisation)-hs"), period: period.number,
            reference: "\(organisation.rawValue.uppercased())-P\(period.number)", invoiceDate: today), request)
        _ = try await portal.submitInvoice(id, request)
        return id
    }

    /// A one-off claim of two days in hospital, approved by the Payments Team and put on an unsubmitted
    /// contract-level invoice (R-OOC).
    static func claimInvoice(_ portal: Portal, _ period: Period, _ cplis: [CPLIDefinition], today: BusinessDate,
                             payments: CommandRequest) async throws {
        guard let cpli = cplis.first(where: { $0.unit == .hours })?.cpliID else { return }
        let provider = CommandRequest(actor: superUser("oasis"))
        let monday = period.weeks[1].monday
        _ = try await portal.createClaim(OneOffClaimRequest(
            claimID: "demo-claim-1", contractID: contract(of: "oasis"), dateOfClaim: period.lastDay, notes: "emergency admission",
            items: [OneOffClaimItemRequest(cpliID: cpli, absenceFrom: monday, absenceTo: monday.adding(days: 1), precedingStay: .hospital,
                                           hours: Quantity(tenThousandths: 40_000))]), provider)
        _ = try await portal.submitClaim("demo-claim-1", provider)
        _ = try await portal.approveClaim("demo-claim-1", payments)
        _ = try await portal.createContractInvoice(ContractInvoiceDraft(
            invoiceID: "inv-oasis-claims-1", contractID: contract(of: "oasis"), reference: "OASIS-CLAIMS-1", invoiceDate: today,
            claimIDs: ["demo-claim-1"]), provider)
    }

    /// Settles `accounts` in two lanes, so that both cores hash passwords (bcrypt is most of the demo's time).
    static func settle(_ portal: Portal, _ accounts: [(actor: Actor, person: Person, first: String)]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<2 {
                let mine = accounts.indices.filter { $0 % 2 == lane }.map { (accounts[$0].actor, accounts[$0].first) }
                group.addTask { for (actor, first) in mine { try await settle(portal, actor, first) } }
            }
            try await group.waitForAll()
        }
    }

    /// Changes the generated first password to the demo password and sets the demo passcode.
    static func settle(_ portal: Portal, _ actor: Actor, _ firstPassword: String) async throws {
        _ = try await portal.changePassword(current: firstPassword, new: password, CommandRequest(actor: actor))
        _ = try await portal.setPasscode(passcode, CommandRequest(actor: actor))
    }
}

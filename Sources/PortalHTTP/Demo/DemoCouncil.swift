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

/// The demo council that `portal serve --demo` puts into a new data folder: council staff of every team and an
/// auditor, two providers whose services are under different contract types, one contact per provider role,
/// about 40 clients with agreed ISOs, some actuals, invoices in most statuses and a payment run — all through
/// the portal's own commands, with fixed ids, so the same day gives the same data.
///
/// This is the interim seed of the HTTP layer. **Seam:** the shared deterministic generator
/// (`PortalSimulation`, once domain part 2 has landed) replaces the body of ``seed(_:clients:)``; callers
/// (`portal serve --demo`, the HTTP tests) only call this one function.
public enum DemoCouncil {
    /// Every demo account's password (R-ACC-2: 9+ characters, a capital, two digits).
    public static let password = "Portal-demo-2026"
    /// Every demo account's passcode (R-ACC-3).
    public static let passcode = "135246"

    /// The two demo providers, their contract types and services.
    public static let providers: [(organisation: OrganisationID, name: String, contractType: ContractType, service: ServiceID)] = [
        ("oasis", "Oasis Care and Support", .block2013, "oasis-hs"),
        ("riverside", "Riverside Home Care", .spotOldBlock, "riverside-hs"),
    ]

    /// Seeds the demo council into `portal` (a new, empty log) and returns the logins. With `invoices`, also
    /// invoices in most statuses and a payment run (see ``seedInvoices(_:)``).
    public static func seed(_ portal: Portal, clients: Int = 40, invoices: Bool = true) async throws -> [DemoLogin] {
        var logins: [DemoLogin] = []
        let bootstrap = CommandRequest(actor: .system(job: "demo"))
        let today = portal.context(for: .system(job: "demo")).today
        // Twelve weeks of care up to this week.
        let firstWeek = today.mondayOfWeek.adding(days: -7 * 11)

        var staff: [CouncilTeam: Actor] = [:]
        for team in CouncilTeam.allCases {
            let user = UserID("council-\(team.rawValue)")
            let person = Person(forename: team.displayName, surname: "Officer", email: "\(team.rawValue)@council.example")
            let first = try await portal.registerCouncilUser(user, person: person, team: team, bootstrap).value ?? ""
            let actor = Actor.council(user: user, team: team)
            try await settle(portal, actor, first)
            staff[team] = actor
            logins.append(DemoLogin(userID: user, email: person.email, password: password, passcode: passcode, actingAs: actor.actingAs))
        }
        let auditorPerson = Person(forename: "Audrey", surname: "Auditor", email: "auditor@council.example")
        let auditorFirst = try await portal.registerAuditor("auditor", person: auditorPerson, bootstrap).value ?? ""
        try await settle(portal, .auditor(user: "auditor"), auditorFirst)
        logins.append(DemoLogin(userID: "auditor", email: auditorPerson.email, password: password, passcode: passcode, actingAs: "auditor"))

        let procurement = CommandRequest(actor: staff[.procurement]!)
        let helpdesk = staff[.helpdesk]!
        let brokerage = CommandRequest(actor: staff[.serviceBrokerage]!)
        for (index, provider) in providers.enumerated() {
            let details = ContactDetails(name: provider.name, addressLines: ["\(index + 1) High Street", "Norwich"], postcode: "NR\(index + 1) 1AA",
                                         telephone: "01603 00000\(index)", email: "office@\(provider.organisation).example")
            _ = try await portal.registerOrganisation(provider.organisation, details: details, procurement)
            let contract = ContractID("\(provider.organisation)-contract")
            _ = try await portal.registerContract(ContractRegistered(
                contractID: contract, organisationID: provider.organisation, name: "\(provider.name) home support",
                contractType: provider.contractType, paymentBasis: .invoiced, startDate: firstWeek.adding(days: -364)), procurement)
            _ = try await portal.registerService(ServiceRegistered(
                serviceID: provider.service, organisationID: provider.organisation, contractID: contract, details: details,
                startDate: firstWeek), procurement)

            // One contact per provider role for the first provider; a super user for the second.
            let roles: [ProviderRole] = index == 0 ? ProviderRole.allCases : [.superUserActuals]
            var superUser: Actor?
            for role in roles {
                let user = UserID("\(provider.organisation)-\(role.rawValue)")
                let person = Person(forename: role.rawValue.capitalized, surname: provider.name, email: "\(role.rawValue)@\(provider.organisation).example")
                let requestID = ChangeRequestID("contact-\(user.rawValue)")
                _ = try await portal.requestContactCreation(user, requestID: requestID, organisation: provider.organisation, person: person,
                                                            role: role, CommandRequest(actor: helpdesk))
                let first = try await portal.acceptContactCreation(user, requestID: requestID, CommandRequest(actor: helpdesk)).value ?? ""
                let actor = Actor.provider(user: user, organisation: provider.organisation, role: role)
                try await settle(portal, actor, first)
                if role == .superUserActuals { superUser = actor }
                logins.append(DemoLogin(userID: user, email: person.email, password: password, passcode: passcode, actingAs: actor.actingAs))
            }

            // Clients: ISOs with one CPLI each, most agreed, one left published, one rejected.
            let count = clients / providers.count
            for number in 1...count {
                let client = "\(provider.organisation.rawValue.prefix(2).uppercased())\(String(format: "%04d", number))"
                let iso = ISOID("iso-\(provider.organisation)-\(number)")
                let cpli = CPLIID("cpli-\(provider.organisation)-\(number)")
                let nights = number % 10 == 0
                let definition = CPLIDefinition(
                    cpliID: cpli, isoID: iso, organisationID: provider.organisation, serviceID: provider.service, clientReference: client,
                    clientName: "Client \(client)", serviceType: nights ? .nightSits : .homeSupportContractRate, unit: nights ? .nights : .hours,
                    plannedPerWeek: Quantity(tenThousandths: nights ? 20_000 : Int64(35_000 + 17_500 * (number % 5))),
                    rate: Rate(tenThousandthsOfAPound: nights ? 850_000 : 192_500), startDate: firstWeek)
                _ = try await portal.publishISO(ISOPublished(
                    isoID: iso, organisationID: provider.organisation, serviceID: provider.service, clientReference: client,
                    clientName: definition.clientName, cpliIDs: [cpli]), cplis: [definition], brokerage)
                guard let superUser else { continue }
                if number == count {
                    continue // left published, for the provider to agree or reject
                } else if number == count - 1 {
                    _ = try await portal.rejectISO(iso, reason: "the client's address is wrong", CommandRequest(actor: superUser))
                } else {
                    _ = try await portal.agreeISO(iso, CommandRequest(actor: superUser))
                }
            }

            // Some actuals of the open period's started weeks: a quarter hour missed, with the reason (valid
            // under both policies).
            guard let superUser else { continue }
            let calendar = portal.configuration.calendar
            guard let period = calendar.period(containing: firstWeek) else { continue }
            let key = Actuals.Key(serviceID: provider.service, period: period.number)
            for week in period.weeks where week.monday >= firstWeek && week.monday <= today {
                for number in 1...min(4, count - 2) {
                    let cpli = CPLIID("cpli-\(provider.organisation)-\(number)")
                    let planned = try portal.state(of: CPLI.self, cpli.rawValue).definition?.plannedPerWeek ?? .zero
                    let missed = Quantity(tenThousandths: 2_500)
                    _ = try await portal.recordActual(key, ActualEntry(
                        cpliID: cpli, week: week, actual: planned - missed, missed: missed, visits: 7,
                        comment: "one visit cut short: client at the GP"), CommandRequest(actor: superUser))
                }
            }
        }
        if invoices { try await seedInvoices(portal) }
        return logins
    }

    /// Invoices of the demo providers' ended periods, dated today: oasis's first period paid by payment run
    /// `demo-run-1` (its second period is left open to invoice); riverside's first period approved, its second
    /// on hold (in the Payments queue), its third unsubmitted when that period has ended.
    static func seedInvoices(_ portal: Portal) async throws {
        let today = portal.context(for: .system(job: "demo")).today
        let calendar = portal.configuration.calendar
        let firstWeek = today.mondayOfWeek.adding(days: -7 * 11)
        guard let first = calendar.period(containing: firstWeek)?.number else { return }
        let payments = CommandRequest(actor: .council(user: "council-payments", team: .payments))
        func superUser(_ organisation: OrganisationID) -> CommandRequest {
            CommandRequest(actor: .provider(user: UserID("\(organisation)-super-user-actuals"), organisation: organisation, role: .superUserActuals))
        }
        func invoice(_ organisation: OrganisationID, _ service: ServiceID, _ period: PeriodNumber, submit: Bool) async throws -> InvoiceID? {
            guard calendar.period(period).lastDay < today else { return nil }
            let id = InvoiceID("inv-\(organisation)-p\(period)")
            _ = try await portal.createInvoice(InvoiceDraft(
                invoiceID: id, serviceID: service, period: period, reference: "\(organisation.rawValue.uppercased())-P\(period)",
                invoiceDate: today), superUser(organisation))
            if submit { _ = try await portal.submitInvoice(id, superUser(organisation)) }
            return id
        }
        if let paid = try await invoice("oasis", "oasis-hs", first, submit: true) {
            _ = try await portal.approveInvoice(paid, payments)
            _ = try await portal.runPayment(PaymentRunRequest(paymentRunID: "demo-run-1", paymentDate: today, reference: "BACS-DEMO-1"), payments)
        }
        if let approved = try await invoice("riverside", "riverside-hs", first, submit: true) {
            _ = try await portal.approveInvoice(approved, payments)
        }
        if let held = try await invoice("riverside", "riverside-hs", first.next, submit: true) {
            _ = try await portal.holdInvoice(held, reason: "checking two hospital stays", payments)
            _ = try await invoice("riverside", "riverside-hs", first.next.next, submit: false)
        }
    }

    /// Changes the generated first password to the demo password and sets the demo passcode.
    static func settle(_ portal: Portal, _ actor: Actor, _ firstPassword: String) async throws {
        _ = try await portal.changePassword(current: firstPassword, new: password, CommandRequest(actor: actor))
        _ = try await portal.setPasscode(passcode, CommandRequest(actor: actor))
    }
}

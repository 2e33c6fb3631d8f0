import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections

/// The home page (user guide §2, §4): what needs the user's attention, and the functions their role allows.
struct HomePage: Sendable {
    let web: WebPortal

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("") { request, context in try await home(request, context) }
    }

    struct Model: Sendable {
        struct Card: Sendable {
            var title: String
            var count: String?
            var text: String
            var href: String
            var linkLabel: String
        }

        /// A function of the menu with what it is for and whether the user may change anything there.
        struct Function: Sendable {
            var href: String
            var label: String
            var purpose: String?
            var access: String?
        }

        var chrome: PageChrome
        var heading: String
        var caption: String
        var attention: [Card]
        var hasAttention: Bool
        var functions: [Function]
    }

    /// What needs the actor's attention now, from the read models: for the Payments Team, the invoices waiting and
    /// those waiting 30 days or more; for any council team, its open conversations; for a provider, its open
    /// conversations and its returned invoices.
    func attention(for actor: Actor) async throws -> [Model.Card] {
        guard web.api.readModels != nil else { return [] }
        let models = try await web.api.readModelsAtHead()
        let scope = ReadScope(actor)
        var cards: [Model.Card] = []
        if Authorisation.allows(actor, .edit(.paymentProcessing), organisation: nil) {
            let page = try web.api.worklistPage(WorklistQuery(limit: PaymentsWorklist.maximumPageSize), models: models, actor: actor)
            let late = page.items.filter(\.isLate).count
            cards.append(.init(title: "Invoices to check", count: String(page.matching),
                               text: late == 0 ? "Submitted or on hold; none has waited 30 days." : "Submitted or on hold; \(late) waiting 30 days or more.",
                               href: WorklistPage.path, linkLabel: "Check the invoices"))
        }
        switch actor {
        case .council(_, let team):
            let open = try models.conversations.conversations(assignedTo: team, scope).count
            if open > 0 {
                cards.append(.init(title: "Open conversations", count: String(open), text: "Assigned to the \(team.displayName).",
                                   href: ConversationPages.path, linkLabel: "Read the conversations"))
            }
        case .provider(_, let organisation, _):
            cards += try providerCards(web.api.providerAttention(organisation, for: actor, models: models), actor: actor)
        default:
            break
        }
        return cards
    }

    /// A provider's cards (user guide §2, §4): contract documents to agree, each service's open period with its
    /// exception lines, invoices not submitted or returned, conversations, claims and change requests.
    func providerCards(_ attention: ProviderAttention, actor: Actor) -> [Model.Card] {
        var cards: [Model.Card] = []
        if attention.contractDocumentsToAgreeCount > 0 {
            let names = attention.contractDocumentsToAgree.prefix(3).map { "\($0.clientName) (\($0.clientReference))" }
            let more = attention.contractDocumentsToAgreeCount - names.count
            cards.append(.init(title: "Contract documents to agree", count: String(attention.contractDocumentsToAgreeCount),
                               text: "Published and waiting for you to agree or reject: " + names.joined(separator: ", ") + (more > 0 ? " and \(more) more." : "."),
                               href: ContractDocumentPages.path + "?status=published", linkLabel: "Agree or reject the documents"))
        }
        for service in attention.services {
            guard let period = service.openPeriod, let first = service.firstDay, let last = service.lastDay else {
                cards.append(.init(title: "\(service.serviceName): no period open", count: nil,
                                   text: "The last period's invoice waits for the Payments Team; the next period opens when they approve it, put it on hold or return it.",
                                   href: InvoiceListPage.path, linkLabel: "See the invoices"))
                continue
            }
            var text = "Period \(period), \(Formatting.date(first)) to \(Formatting.date(last)), is open for actuals and its invoice."
            if !service.exceptionLines.isEmpty {
                let lines = service.exceptionLines.prefix(3).map { "\($0.clientName) (\($0.clientReference))" }.joined(separator: ", ")
                text += " \(service.exceptionLines.count) line\(service.exceptionLines.count == 1 ? " is" : "s are") over the 20% exception: \(lines)."
            }
            let ended = last < web.api.today
            cards.append(.init(title: "\(service.serviceName): period \(period)", count: service.exceptionLines.isEmpty ? nil : "\(service.exceptionLines.count) over 20%",
                               text: text, href: InvoiceWizard.path(service: service.serviceID, period: period),
                               linkLabel: ended ? "Create the invoice for period \(period)" : "See the invoice wizard"))
        }
        for invoice in attention.unsubmittedInvoices {
            cards.append(.init(title: "Invoice \(invoice.reference) not submitted", count: nil, text: "Review its lines and submit it to the Payments Team.",
                               href: InvoicePage.path(invoice.invoiceID), linkLabel: "Open invoice \(invoice.reference)"))
        }
        for invoice in attention.returnedInvoices {
            cards.append(.init(title: "Invoice \(invoice.reference) returned", count: nil,
                               text: "The Payments Team returned it: \(invoice.returnReason ?? "no reason given"). Correct the actuals and submit it again.",
                               href: InvoicePage.path(invoice.invoiceID), linkLabel: "Open invoice \(invoice.reference)"))
        }
        if attention.openConversations > 0 {
            let waiting = attention.conversationsAwaitingReply
            let text = waiting == 0 ? "With the council's teams; you have answered every message."
                : "With the council's teams; \(waiting) end\(waiting == 1 ? "s" : "") with the council's message, waiting for your reply."
            cards.append(.init(title: "Open conversations", count: String(attention.openConversations), text: text,
                               href: ConversationPages.path, linkLabel: "Read the conversations"))
        }
        if attention.draftClaims > 0 {
            cards.append(.init(title: "One-off claims not submitted", count: String(attention.draftClaims),
                               text: "Created and not yet sent to the Payments Team.", href: ClaimPages.path, linkLabel: "See the claims"))
        }
        if attention.pendingChangeRequests > 0 {
            cards.append(.init(title: "Contact changes waiting", count: String(attention.pendingChangeRequests),
                               text: "Change requests the helpdesk has not yet accepted or rejected.", href: ContactPages.path, linkLabel: "See the contacts"))
        }
        return cards
    }

    /// Confirmations of the account steps, shown once after the redirect.
    private static let done: [String: String] = [
        "password": "Your password has been changed",
        "passcode": "Your passcode has been set",
    ]

    func home(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let banner = PageChrome.Banner.done(request, Self.done)
        let chrome = web.chrome(title: "Home", context, current: "/portal", banner: banner)
        let functions: [Model.Function]
        if actor.organisation != nil {
            var provider = ProviderFunction.allCases.map { function -> Model.Function in
                let changes = function.area.map { WebPortal.mayEdit(actor, $0) } ?? false
                return .init(href: function.path, label: function.label, purpose: function.purpose, access: changes ? "View and change" : "View only")
            }
            // The actuals calendar and its bulk import (user guide §5–7), for the roles that record actuals.
            if WebPortal.mayEdit(actor, .actuals) {
                provider.insert(.init(href: "/portal/actuals", label: "Actuals", purpose: "Record each week's care against the plan, confirm weeks, import a period's CSV.",
                                      access: "View and change"), at: 0)
            }
            functions = provider
        } else {
            functions = WebPortal.navigation(for: actor, current: nil).filter { $0.href != "/portal" }.map { .init(href: $0.href, label: $0.label) }
        }
        let attention = try await attention(for: actor)
        let model = Model(chrome: chrome, heading: "Home", caption: WebPortal.describe(actor), attention: attention, hasAttention: !attention.isEmpty,
                          functions: functions)
        return try Page(template: "home", model: model).response(from: request, context: context)
    }
}

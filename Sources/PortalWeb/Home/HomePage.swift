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

        var chrome: PageChrome
        var heading: String
        var caption: String
        var attention: [Card]
        var hasAttention: Bool
        var functions: [PageChrome.Link]
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
            let open = try models.conversations.conversations(of: organisation, scope).count
            if open > 0 {
                cards.append(.init(title: "Open conversations", count: String(open), text: "With the council's teams.",
                                   href: ConversationPages.path, linkLabel: "Read the conversations"))
            }
            let returned = try models.invoices.invoices(of: organisation, status: .returned, scope)
            for entry in returned {
                cards.append(.init(title: "Invoice \(entry.invoice.reference) returned", count: nil,
                                   text: "The Payments Team returned it: \(entry.invoice.returnReason ?? "no reason given"). Correct the actuals and submit it again.",
                                   href: InvoicePage.path(entry.invoiceID), linkLabel: "Open invoice \(entry.invoice.reference)"))
            }
        default:
            break
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
        let banner = request.uri.queryParameters.get("done").flatMap { Self.done[String($0)] }.map {
            PageChrome.Banner(heading: $0, isSuccess: true)
        }
        let chrome = web.chrome(title: "Home", context, current: "/portal", banner: banner)
        let functions = WebPortal.navigation(for: actor, current: nil).filter { $0.href != "/portal" }
        let attention = try await attention(for: actor)
        let model = Model(chrome: chrome, heading: "Home", caption: WebPortal.describe(actor), attention: attention, hasAttention: !attention.isEmpty,
                          functions: functions)
        return try Page(template: "home", model: model).response(from: request, context: context)
    }
}

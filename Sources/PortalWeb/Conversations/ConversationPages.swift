import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections

/// Conversations (user guide §12, R-CNV) in the browser: the list (a council user's team's, a provider's own),
/// one conversation with every message's author and time and a reply form, and — from an invoice's page — a
/// conversation with the provider about that invoice.
struct ConversationPages: Sendable {
    let web: WebPortal

    static let path = "/portal/conversations"

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("conversations") { request, context in try await list(request, context) }
        pages.get("conversations/{conversationID}") { request, context in try await conversation(request, context) }
        pages.post("conversations/{conversationID}/messages") { request, context in try await reply(request, context) }
        pages.post("invoices/{invoiceID}/conversations") { request, context in try await askAboutInvoice(request, context) }
    }

    struct Row: Sendable {
        var conversationID: String
        var subject: String
        var provider: String
        var about: String
        var team: String
        var lastActivity: String
        var status: String
        var messages: String
    }

    struct ListModel: Sendable {
        var chrome: PageChrome
        var caption: String
        var rows: [Row]
        var hasRows: Bool
        /// A provider's user who writes actions may start a conversation (user guide §12).
        var canStart: Bool
    }

    func list(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let models = try await web.api.readModelsAtHead()
        let scope = ReadScope(actor)
        let entries: [ConversationEntry]
        let caption: String
        switch actor {
        case .council(_, let team):
            entries = try models.conversations.conversations(assignedTo: team, includingClosed: true, scope)
            caption = team.displayName
        case .provider(_, let organisation, _):
            entries = try models.conversations.conversations(of: organisation, includingClosed: true, scope)
            caption = try web.organisationName(organisation, models, actor)
        default:
            entries = try models.conversations.conversations(includingClosed: true, scope)
            caption = "Every team"
        }
        let names = Dictionary(try models.providers.organisations(scope).map { ($0.organisationID, $0.details.name) }, uniquingKeysWith: { a, _ in a })
        let zone = web.api.portal.configuration.time.timeZone
        let rows = entries.reversed().compactMap { entry -> Row? in
            guard let started = entry.conversation.started else { return nil }
            return Row(conversationID: started.conversationID.rawValue, subject: started.subject,
                       provider: names[started.organisationID] ?? started.organisationID.rawValue,
                       about: "\(started.relatedTo.displayName) \(started.entityID)", team: entry.conversation.team?.displayName ?? "",
                       lastActivity: Formatting.time(entry.lastActivity.at, in: zone), status: entry.conversation.isClosed ? "Closed" : "Open",
                       messages: String(entry.conversation.messages.count))
        }
        let model = ListModel(chrome: web.chrome(title: "Conversations", context, current: Self.path), caption: caption, rows: rows, hasRows: !rows.isEmpty,
                              canStart: actor.organisation != nil && WebPortal.mayEdit(actor, .actions))
        return try Page(template: "conversations", model: model).response(from: request, context: context)
    }

    struct Message: Sendable {
        var author: String
        var when: String
        var body: String
    }

    struct Model: Sendable {
        var chrome: PageChrome
        var conversationID: String
        var subject: String
        var summary: [InvoicePage.SummaryRow]
        var messages: [Message]
        var canReply: Bool
        var replyError: String?
        var replyValue: String
    }

    func conversation(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let id = try context.identifier("conversationID", as: ConversationID.self)
        let banner = request.uri.queryParameters.get("done") == "posted" ? PageChrome.Banner(heading: "Your message is sent", isSuccess: true) : nil
        return try await render(id, actor: actor, request, context, banner: banner)
    }

    private func render(_ id: ConversationID, actor: Actor, _ request: Request, _ context: PortalRequestContext, banner: PageChrome.Banner? = nil,
                        reply: (value: String, error: String)? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let models = try await web.api.readModelsAtHead()
        guard let entry = try models.conversations.conversation(id, ReadScope(actor)), let started = entry.conversation.started else {
            throw Problem.notFound("There is no conversation \(id).")
        }
        let people = web.people(models, actor)
        let zone = web.api.portal.configuration.time.timeZone
        let provider = try models.providers.organisation(started.organisationID, ReadScope(actor))?.details.name ?? started.organisationID.rawValue
        var about = "\(started.relatedTo.displayName) \(started.entityID)"
        if started.relatedTo == .invoice { about = "Invoice \((try? web.api.portal.invoice(InvoiceID(started.entityID), for: actor).reference) ?? started.entityID)" }
        let messages = zip(entry.conversation.messages, entry.posted).map { message, posted in
            Message(author: people.author(posted.who, actingAs: posted.actingAs), when: Formatting.time(posted.at, in: zone),
                    body: message.body)
        }
        var summary: [InvoicePage.SummaryRow] = [
            .init(key: "Provider", value: provider),
            .init(key: "About", value: about),
            .init(key: "Type", value: started.type.displayName),
            .init(key: "Assigned to", value: entry.conversation.team?.displayName ?? ""),
            .init(key: "Status", value: entry.conversation.isClosed ? "Closed" : "Open"),
        ]
        if started.relatedTo == .invoice { summary[1].href = InvoicePage.path(InvoiceID(started.entityID)) }
        let canReply = !entry.conversation.isClosed && Authorisation.allows(actor, .edit(.actions), organisation: started.organisationID)
        let errors = reply.map { [PageChrome.ErrorLine(message: $0.error, fieldID: "message")] } ?? []
        let back = PageChrome.Link(href: Self.path, label: "Back to conversations")
        let model = Model(chrome: web.chrome(title: started.subject, context, current: Self.path, errors: errors, banner: banner, backLink: back),
                          conversationID: id.rawValue, subject: started.subject, summary: summary, messages: messages, canReply: canReply,
                          replyError: reply?.error, replyValue: reply?.value ?? "")
        return try Page(template: "conversation", model: model, status: status).response(from: request, context: context)
    }

    func reply(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let id = try context.identifier("conversationID", as: ConversationID.self)
        let form = try await FormPost.read(request)
        let body = form.text("message")
        guard !body.isEmpty else {
            return try await render(id, actor: actor, request, context, reply: (body, "Enter your message"), status: .unprocessableContent)
        }
        do {
            _ = try await web.api.portal.postMessage(id, body: body, CommandRequest(actor: actor, correlationID: context.correlationID))
        } catch let error as DomainError {
            return try await render(id, actor: actor, request, context, reply: (body, error.description), status: .unprocessableContent)
        }
        return Response.redirect(to: "\(Self.path)/\(id)?done=posted", type: .normal)
    }

    /// The Payments Team asks the provider about an invoice: a new conversation of type payment query, related
    /// to the invoice, assigned to the asking team, with its first message.
    func askAboutInvoice(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let id = try context.identifier("invoiceID", as: InvoiceID.self)
        let invoice = try web.api.portal.invoice(id, for: actor)
        guard let organisation = invoice.organisationID, case .council(_, let team) = actor else {
            throw Problem(.forbidden, kind: "forbidden", title: "Not allowed", detail: "Only council staff start a conversation from this page.")
        }
        let form = try await FormPost.read(request)
        let subject = form.text("subject"), body = form.text("message")
        guard !subject.isEmpty, !body.isEmpty else {
            let message = subject.isEmpty ? "Enter the subject of the question" : "Enter your question"
            return try await InvoicePage(web: web).render(id, actor: actor, request, context,
                                                          errors: [PageChrome.ErrorLine(message: message, fieldID: subject.isEmpty ? "subject" : "message")],
                                                          status: .unprocessableContent)
        }
        let conversation = ConversationID.made()
        let start = ConversationStart(conversationID: conversation, organisationID: organisation, type: .paymentQuery, relatedTo: .invoice,
                                      entityID: id.rawValue, team: team, subject: subject, body: body, attachments: [])
        do {
            _ = try await web.api.portal.startConversation(start, CommandRequest(actor: actor, correlationID: context.correlationID))
        } catch let error as DomainError {
            return try await InvoicePage(web: web).render(id, actor: actor, request, context,
                                                          errors: [PageChrome.ErrorLine(message: error.description, fieldID: nil)],
                                                          status: .unprocessableContent)
        }
        return Response.redirect(to: "\(Self.path)/\(conversation)?done=posted", type: .normal)
    }
}

extension RelatedTo {
    /// As the user guide names it (§12).
    var displayName: String {
        switch self {
        case .contract: "Contract"
        case .spotCommitment: "Spot commitment"
        case .valueCommitment: "Value commitment"
        case .client: "Client"
        case .service: "Service"
        case .invoice: "Invoice"
        case .contact: "Contact"
        case .provider: "Provider"
        }
    }
}

extension ConversationType {
    /// Words of the type's name: `Payment query`.
    var displayName: String {
        let words = rawValue.split(separator: "-").map(String.init)
        guard let first = words.first else { return rawValue }
        return ([first.prefix(1).uppercased() + first.dropFirst()] + words.dropFirst()).joined(separator: " ")
            .replacingOccurrences(of: "cpli", with: "CPLI").replacingOccurrences(of: "apl", with: "APL")
    }
}

import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections

/// A provider starts a conversation (user guide §12, R-CNV): first what it is related to, then — in a second
/// step, so that no JavaScript is needed — the type, the entity chosen from the provider's own records of that
/// kind, the team (never the internal-only Z Information Messaging, R-CNV-2), a subject and the first message.
/// A link can fill the steps in advance (the temporary-CPLI request of an exception line, user guide §9). The
/// choices are `GET /organisations/{id}/conversation-entities`'s; the start is `POST /conversations`'s command.
struct NewConversationPage: Sendable {
    let web: WebPortal

    static let path = "/portal/conversations/new"

    /// The page with its choices made in advance.
    static func link(relatedTo: RelatedTo, entityID: String, team: CouncilTeam, type: ConversationType, subject: String) -> String {
        let query = [("relatedTo", relatedTo.rawValue), ("entityID", entityID), ("team", team.rawValue), ("type", type.rawValue), ("subject", subject)]
        return path + "?" + query.map { "\($0.0)=\(WebPortal.escapeQuery($0.1))" }.joined(separator: "&")
    }

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("conversations/new") { request, context in try await page(request, context) }
        pages.post("conversations") { request, context in try await start(request, context) }
    }

    struct Details: Sendable {
        var relatedTo: String
        var relatedToLabel: String
        var type: SelectField
        var entity: SelectField
        var team: SelectField
        var subject: FormField
        var messageValue: String
        var messageError: String?
        var conversationID: String
        var hasEntities: Bool
    }

    struct Model: Sendable {
        var chrome: PageChrome
        var caption: String
        /// Step 1: what the conversation is related to.
        var relatedTo: SelectField?
        /// Step 2: the rest, for the chosen related-to.
        var details: Details?
    }

    /// The values of a form or of the page's query.
    struct Values {
        var relatedTo: String?
        var type: String?
        var entityID: String?
        var team: String?
        var subject: String?
        var message: String?
        var conversationID: String?
    }

    func page(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let organisation = try web.providerOrganisation(actor)
        try Authorisation.check(actor, .edit(.actions), organisation: organisation)
        let parameters = try QueryParameters(request, allowing: ["relatedTo", "type", "entityID", "team", "subject"])
        let values = Values(relatedTo: parameters["relatedTo"], type: parameters["type"], entityID: parameters["entityID"], team: parameters["team"],
                            subject: parameters["subject"])
        return try await render(organisation, actor: actor, values, request, context)
    }

    private func render(_ organisation: OrganisationID, actor: Actor, _ values: Values, _ request: Request, _ context: PortalRequestContext,
                        errors: [String: String] = [:], summary: [PageChrome.ErrorLine] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let models = try await web.api.readModelsAtHead()
        let caption = try web.organisationName(organisation, models, actor)
        let back = PageChrome.Link(href: ConversationPages.path, label: "Back to conversations")
        guard let relatedTo = values.relatedTo.flatMap(RelatedTo.init(rawValue:)) else {
            var chromeErrors = summary
            if values.relatedTo != nil, chromeErrors.isEmpty { chromeErrors.append(.init(message: "Choose what the conversation is about", fieldID: "relatedTo")) }
            let model = Model(
                chrome: web.chrome(title: "Start a conversation", context, current: ConversationPages.path, errors: chromeErrors, backLink: back),
                caption: caption,
                relatedTo: SelectField(id: "relatedTo", label: "What is it about?",
                                       hint: "A client for a death notification, a respite stay or a temporary CPLI; an invoice for a payment query; anything for information or a query.",
                                       error: chromeErrors.first?.message, choices: RelatedTo.allCases.map { ($0.rawValue, $0.displayName) },
                                       selected: values.relatedTo ?? RelatedTo.client.rawValue),
                details: nil)
            return try Page(template: "conversation-new", model: model, status: status).response(from: request, context: context)
        }
        let entities = try web.api.conversationEntities(relatedTo, of: organisation, for: actor, models: models)
        let types = ConversationType.allCases.filter { $0.allowedRelatedTo.contains(relatedTo) }
        let teams = PortalAPI.assignableTeams(for: actor)
        var chromeErrors = summary
        for id in ["type", "entityID", "team", "subject", "message"] {
            if let message = errors[id], !chromeErrors.contains(where: { $0.fieldID == id }) { chromeErrors.append(.init(message: message, fieldID: id)) }
        }
        let details = Details(
            relatedTo: relatedTo.rawValue, relatedToLabel: relatedTo.displayName,
            type: SelectField(id: "type", label: "Type", error: errors["type"], choices: types.map { ($0.rawValue, $0.displayName) },
                              selected: values.type ?? (types.contains(.query) ? ConversationType.query.rawValue : types.first?.rawValue)),
            entity: SelectField(id: "entityID", label: relatedTo.displayName, hint: "Your own \(relatedTo.displayName.lowercased()) records.",
                                error: errors["entityID"], choices: [("", "Choose one")] + entities.map { ($0.entityID, $0.label) }, selected: values.entityID),
            team: SelectField(id: "team", label: "Assign to",
                              hint: "The team that reads it. Replies to Z Information Messaging go to the Service Brokerage Team (user guide §12).",
                              error: errors["team"], choices: teams.map { ($0.rawValue, $0.displayName) },
                              selected: values.team ?? CouncilTeam.serviceBrokerage.rawValue),
            subject: FormField(id: "subject", label: "Subject", value: values.subject ?? "", error: errors["subject"], width: "20"),
            messageValue: values.message ?? "", messageError: errors["message"],
            conversationID: values.conversationID ?? ConversationID.made().rawValue, hasEntities: !entities.isEmpty)
        let model = Model(
            chrome: web.chrome(title: "Start a conversation", context, current: ConversationPages.path, errors: chromeErrors, backLink: back),
            caption: caption, relatedTo: nil, details: details)
        return try Page(template: "conversation-new", model: model, status: status).response(from: request, context: context)
    }

    func start(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let organisation = try web.providerOrganisation(actor)
        let form = try await FormPost.read(request)
        let values = Values(relatedTo: form.text("relatedTo"), type: form.text("type"), entityID: form.text("entityID"), team: form.text("team"),
                            subject: form.text("subject"), message: form.text("message"), conversationID: form.text("conversationID"))
        var errors: [String: String] = [:]
        let relatedTo = RelatedTo(rawValue: form.text("relatedTo"))
        let type = ConversationType(rawValue: form.text("type"))
        let team = CouncilTeam(rawValue: form.text("team"))
        guard let relatedTo, let id = try? ConversationID.parse(form.text("conversationID"), field: "conversationID") else {
            throw WebError.badForm("the form has no related-to or conversation id; start again")
        }
        if type == nil { errors["type"] = "Choose the type" }
        if form.text("entityID").isEmpty { errors["entityID"] = "Choose the \(relatedTo.displayName.lowercased())" }
        if team == nil { errors["team"] = "Choose the team" }
        if form.text("subject").isEmpty { errors["subject"] = "Enter the subject" }
        if form.text("message").isEmpty { errors["message"] = "Enter your message" }
        guard errors.isEmpty, let type, let team else {
            return try await render(organisation, actor: actor, values, request, context, errors: errors, status: .unprocessableContent)
        }
        let start = ConversationStart(conversationID: id, organisationID: organisation, type: type, relatedTo: relatedTo, entityID: form.text("entityID"),
                                      team: team, subject: form.text("subject"), body: form.text("message"))
        do {
            _ = try await web.api.portal.startConversation(start, CommandRequest(actor: actor, correlationID: context.correlationID,
                                                                                 idempotencyKey: "web-conversation-\(id)"))
        } catch let error as DomainError {
            let field: String? = switch error.field {
            case "team": "team"
            case "entityID": "entityID"
            case "type", "relatedTo": "type"
            case "subject": "subject"
            case "body": "message"
            default: nil
            }
            var fieldErrors: [String: String] = [:]
            if let field { fieldErrors[field] = error.description }
            return try await render(organisation, actor: actor, values, request, context, errors: fieldErrors,
                                    summary: [PageChrome.ErrorLine(message: error.description, fieldID: field)], status: .unprocessableContent)
        }
        return Response.redirect(to: "\(ConversationPages.path)/\(id)?done=posted", type: .normal)
    }
}

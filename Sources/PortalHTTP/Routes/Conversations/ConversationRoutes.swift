import Chronology
import Foundation
import Hummingbird
import NIOCore
import PortalApplication
import PortalDomain
import PortalProjections

/// Conversations ("actions", R-CNV) between providers and council teams, with attachments (sent base64 in
/// JSON, stored content-addressed beside the log, downloaded by their SHA-256).
struct ConversationRoutes {
    let api: PortalAPI

    struct Upload: Decodable {
        var fileName: String
        var mediaType: String
        /// The file's bytes, base64.
        var content: String
    }

    struct Start: Decodable {
        /// Absent: the server makes one (`cnv-…`).
        var conversationID: String?
        var organisationID: String
        var type: String
        var relatedTo: String
        var entityID: String
        var team: String
        var subject: String
        var body: String
        var attachments: [Upload]?
    }

    struct Message: Decodable {
        var body: String
        var attachments: [Upload]?
    }

    struct Reassignment: Decodable {
        var team: String
    }

    func register(on router: Router<PortalRequestContext>) {
        router.post("/conversations") { request, context in try await start(request, context) }
        router.get("/conversations") { request, context in try await list(request, context) }
        router.get("/conversations/{conversationID}") { _, context in try conversation(context) }
        router.post("/conversations/{conversationID}/messages") { request, context in try await post(request, context) }
        router.post("/conversations/{conversationID}/reassign") { request, context in try await reassign(request, context) }
        router.post("/conversations/{conversationID}/close") { request, context in try await close(request, context) }
        router.get("/conversations/{conversationID}/attachments/{sha256}") { _, context in try attachment(context) }
    }

    func uploads(_ list: [Upload]?) throws -> [AttachmentUpload] {
        try (list ?? []).enumerated().map { index, upload in
            guard let content = Data(base64Encoded: upload.content) else {
                throw Problem.invalid("attachments[\(index)].content is not base64", field: "attachments[\(index)].content")
            }
            return AttachmentUpload(fileName: upload.fileName, mediaType: upload.mediaType, content: content)
        }
    }

    func start(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "start-conversation") { write in
            let body = try write.decode(Start.self)
            let start = try parsed {
                ConversationStart(
                    conversationID: try write.newID(body.conversationID, field: "conversationID", prefix: "cnv"),
                    organisationID: try OrganisationID.parse(body.organisationID, field: "organisationID"),
                    type: try Parse.choice(body.type, ConversationType.self, field: "type"),
                    relatedTo: try Parse.choice(body.relatedTo, RelatedTo.self, field: "relatedTo"),
                    entityID: body.entityID, team: try CouncilTeam.parse(body.team), subject: body.subject, body: body.body)
            }
            try api.requireVisible(write.actor, organisation: start.organisationID, "organisation \(start.organisationID)")
            _ = try await api.portal.startConversation(start, uploads: try uploads(body.attachments), write.command())
            return try conversationResponse(start.conversationID, actor: write.actor, status: .created)
        }
    }

    func conversationResponse(_ id: ConversationID, actor: Actor, status: HTTPResponse.Status = .ok) throws -> Reply {
        guard let story = try api.portal.story(of: Conversation.self, id.rawValue, for: actor, area: .actions, organisation: \.organisationID),
              let view = ConversationView(story) else { throw Problem.notFound("there is no conversation \(id)") }
        return try api.json(view, status: status, etag: view.version, location: status == .created ? "/conversations/\(id)" : nil)
    }

    func visibleConversation(_ actor: Actor, _ context: PortalRequestContext) throws -> StreamSnapshot<Conversation.State> {
        let id = try context.identifier("conversationID", as: ConversationID.self)
        let snapshot = try api.existing(Conversation.self, id.rawValue, "conversation \(id)")
        try api.requireReadable(actor, .actions, organisation: snapshot.state.organisationID, "conversation \(id)")
        return snapshot
    }

    func conversation(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        _ = try visibleConversation(actor, context)
        return try conversationResponse(try context.identifier("conversationID", as: ConversationID.self), actor: actor)
    }

    /// Conversations the actor may see, closed ones too, the most recently active last (per organisation);
    /// `team` filters by the assigned team (a council team's inbox). From the conversations read model.
    func list(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let team = try request.query("team").map { text in try parsed { try CouncilTeam.parse(text) } }
        let models = try await api.readModelsAtHead()
        let scope = ReadScope(actor)
        let entries: [ConversationEntry]
        if let team, scope == .council {
            entries = try models.conversations.conversations(assignedTo: team, includingClosed: true, scope)
        } else {
            entries = try models.conversations.conversations(includingClosed: true, scope).filter { team == nil || $0.conversation.team == team }
        }
        return try api.json(entries.compactMap(ConversationView.init))
    }

    func post(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "post-message") { write in
            let snapshot = try visibleConversation(write.actor, context)
            let id = try context.identifier("conversationID", as: ConversationID.self)
            let body = try write.decode(Message.self)
            _ = try await api.portal.postMessage(id, body: body.body, uploads: try uploads(body.attachments),
                                                 try write.command(changing: snapshot.streamID, resource: "conversation \(id)"))
            return try conversationResponse(id, actor: write.actor)
        }
    }

    func reassign(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "reassign-conversation") { write in
            let snapshot = try visibleConversation(write.actor, context)
            let id = try context.identifier("conversationID", as: ConversationID.self)
            let team = try parsed { try CouncilTeam.parse(try write.decode(Reassignment.self).team) }
            _ = try await api.portal.reassignConversation(id, to: team, try write.command(changing: snapshot.streamID, resource: "conversation \(id)"))
            return try conversationResponse(id, actor: write.actor)
        }
    }

    func close(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "close-conversation") { write in
            let snapshot = try visibleConversation(write.actor, context)
            let id = try context.identifier("conversationID", as: ConversationID.self)
            _ = try await api.portal.closeConversation(id, try write.command(changing: snapshot.streamID, resource: "conversation \(id)"))
            return try conversationResponse(id, actor: write.actor)
        }
    }

    func attachment(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let snapshot = try visibleConversation(actor, context)
        let id = try context.identifier("conversationID", as: ConversationID.self)
        guard let sha256 = context.parameters.get("sha256"),
              let file = snapshot.state.messages.flatMap(\.attachments).first(where: { $0.sha256 == sha256 }) else {
            throw Problem.notFound("conversation \(id) has no such attachment")
        }
        let bytes = try api.portal.attachment(sha256, of: id, for: actor)
        var headers: HTTPFields = [.contentType: file.mediaType, .eTag: "\"\(sha256)\""]
        headers[.contentDisposition] = "attachment; filename=\"\(file.fileName.replacingOccurrences(of: "\"", with: ""))\""
        return Reply(status: .ok, headers: headers, body: ByteBuffer(bytes: bytes))
    }
}

/// A conversation with its messages, each with who posted it, acting as what, and when.
struct ConversationView: Encodable {
    struct Message: Encodable {
        var conversationID: ConversationID
        var messageNumber: Int
        var from: ConversationParty
        var body: String
        var attachments: [MessageAttachment]
        /// The user who posted it (their user id).
        var postedBy: String?
        /// `<role>@<organisation>` or `team:<team>`.
        var actingAs: String?
        var postedAt: Timestamp?
    }

    var conversation: ConversationStarted
    var team: CouncilTeam?
    var isClosed: Bool
    var messages: [Message]
    var version: UInt64

    /// From the conversation's story (every event with the state after it): each message's poster is the
    /// actor of the event that added it.
    init?(_ story: [StoryStep<Conversation.State>]) {
        guard let last = story.last, let started = last.state.started else { return nil }
        var postings: [(who: String, actingAs: String, at: Timestamp)] = []
        for step in story where step.state.messages.count > postings.count {
            while postings.count < step.state.messages.count { postings.append((step.who, step.actingAs, step.at)) }
        }
        self.init(last.state, started: started, version: UInt64(story.count), postings: postings)
    }

    /// From the conversations read model, which keeps who posted each message and when.
    init?(_ entry: ConversationEntry) {
        guard let started = entry.conversation.started else { return nil }
        self.init(entry.conversation, started: started, version: entry.version, postings: entry.posted.map { ($0.who, $0.actingAs, $0.at) })
    }

    private init(_ state: Conversation.State, started: ConversationStarted, version: UInt64, postings: [(who: String, actingAs: String, at: Timestamp)]) {
        conversation = started
        team = state.team
        isClosed = state.isClosed
        messages = state.messages.enumerated().map { index, message in
            let posting = index < postings.count ? postings[index] : nil
            return Message(conversationID: message.conversationID, messageNumber: message.messageNumber, from: message.from, body: message.body, attachments: message.attachments,
                           postedBy: posting?.who, actingAs: posting?.actingAs, postedAt: posting?.at)
        }
        self.version = version
    }
}

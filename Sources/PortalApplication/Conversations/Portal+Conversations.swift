import Foundation
import PortalDomain

/// Conversations ("actions", R-CNV) between providers and council teams, with attachments stored
/// content-addressed beside the log.
extension Portal {
    /// Starts a conversation with its first message. The entity must exist and belong to the provider
    /// (R-CNV-1); providers may not assign to Z Information Messaging (R-CNV-2). Uploads are stored (after the
    /// actor is authorised) and recorded by hash, name, size and type.
    public func startConversation(
        _ start: ConversationStart, uploads: [AttachmentUpload] = [], _ request: CommandRequest
    ) async throws -> CommandOutcome<[ConversationEvent]> {
        try authoriseUpload(request.actor, organisation: start.organisationID)
        var start = start
        start.attachments += try store(uploads)
        return try await perform(request) { attempt, context in
            try authorise(request.actor, .edit(.actions), organisation: start.organisationID)
            let entity = try entityFacts(start.relatedTo, start.entityID, organisation: start.organisationID, in: attempt)
            return try attempt.decide(Conversation.self, start.conversationID.rawValue, .start(start, entity: entity), context)
        }
    }

    /// Posts a message in a conversation; a provider's reply to Z Information Messaging is reassigned to
    /// Service Brokerage (R-CNV-2).
    public func postMessage(
        _ id: ConversationID, body: String, uploads: [AttachmentUpload] = [], _ request: CommandRequest
    ) async throws -> CommandOutcome<[ConversationEvent]> {
        let organisation = try state(of: Conversation.self, id.rawValue).organisationID
        try authoriseUpload(request.actor, organisation: organisation)
        guard organisation != nil else { throw DomainError.notFound(field: "conversationID", "there is no conversation \(id)") }
        let attachments = try store(uploads)
        return try await conversationStep(id, .post(body: body, attachments: attachments), request)
    }

    /// Assigns a conversation to another team (providers: never to Z Information Messaging, R-CNV-2).
    public func reassignConversation(_ id: ConversationID, to team: CouncilTeam, _ request: CommandRequest) async throws -> CommandOutcome<[ConversationEvent]> {
        try await conversationStep(id, .reassign(team), request)
    }

    /// Closes a conversation.
    public func closeConversation(_ id: ConversationID, _ request: CommandRequest) async throws -> CommandOutcome<[ConversationEvent]> {
        try await conversationStep(id, .close, request)
    }

    /// A conversation as it stands, for someone who may read its organisation's actions.
    public func conversation(_ id: ConversationID, for actor: Actor) throws -> Conversation.State {
        let state = try self.state(of: Conversation.self, id.rawValue)
        try authorise(actor, .read(.actions), organisation: state.organisationID)
        guard state.started != nil else { throw DomainError.notFound(field: "conversationID", "there is no conversation \(id)") }
        return state
    }

    /// The bytes of an attachment of a conversation, for someone who may read it; checked against its hash.
    public func attachment(_ sha256: String, of id: ConversationID, for actor: Actor) throws -> Data {
        let state = try conversation(id, for: actor)
        guard state.messages.contains(where: { $0.attachments.contains { $0.sha256 == sha256 } }) else {
            throw DomainError.notFound(field: "sha256", "conversation \(id) has no attachment \(sha256)")
        }
        guard let attachments else { throw AttachmentUnavailable(sha256: sha256, message: "this portal has no attachment store") }
        return try attachments.content(of: sha256)
    }

    func conversationStep(_ id: ConversationID, _ command: Conversation.Command, _ request: CommandRequest) async throws -> CommandOutcome<[ConversationEvent]> {
        try await decideOne(Conversation.self, id.rawValue, command, permission: command.requiredPermission, request: request) { $0.organisationID }
    }

    /// Before any file is written: the actor's account may act now (R-ACC, R-CON-2) and may write actions of
    /// the organisation (R-ROLE). `perform` checks both again when it decides.
    private func authoriseUpload(_ actor: Actor, organisation: OrganisationID?) throws {
        if let user = actor.userID,
           let problem = try state(of: User.self, user.rawValue).accessProblem(today: context(for: actor).today) {
            throw problem
        }
        try authorise(actor, .edit(.actions), organisation: organisation)
    }

    private func store(_ uploads: [AttachmentUpload]) throws -> [MessageAttachment] {
        guard !uploads.isEmpty else { return [] }
        guard uploads.count <= MessageAttachment.maximumPerMessage else {
            throw DomainError.invalidValue(field: "attachments", "a message holds at most \(MessageAttachment.maximumPerMessage) attachments")
        }
        guard let attachments else {
            throw DomainError.invalidValue(field: "attachments", "this portal has no attachment store; send the message without attachments")
        }
        return try uploads.enumerated().map { index, upload in try attachments.store(upload, field: "attachments[\(index)]") }
    }

    /// What a conversation's entity is (R-CNV-1). Another organisation's record is reported as found for that
    /// organisation, which the domain refuses as unknown.
    func entityFacts(_ relatedTo: RelatedTo, _ entityID: String, organisation: OrganisationID, in attempt: CommandAttempt) throws -> EntityFacts {
        let text = entityID.trimmingCharacters(in: .whitespaces)
        let isIdentifier = OrganisationID.problem(with: text) == nil
        switch relatedTo {
        case .contract, .valueCommitment:
            guard isIdentifier, let contract = try attempt.load(Contract.self, text).registration else { return .notFound }
            if relatedTo == .valueCommitment, contract.contractType == .spotOldBlock, contract.organisationID == organisation {
                return .unsuitable("contract \(text) is a spot contract; value commitments belong to block and framework contracts")
            }
            return .found(organisation: contract.organisationID)
        case .spotCommitment:
            guard isIdentifier, let cpli = try attempt.load(CPLI.self, text).definition else { return .notFound }
            return .found(organisation: cpli.organisationID)
        case .client:
            // Clients are known through the CPLIs of the organisation's services; read without making them
            // conditions of the append.
            let scratch = CommandAttempt(log: log, folds: folds)
            let services = try everyStream(Service.self, in: scratch).compactMap(\.registration)
                .filter { $0.organisationID == organisation }.map(\.serviceID)
            let known = try services.contains { service in
                try cplis(of: service, in: scratch).contains { $0.definition?.clientReference == text }
            }
            return known ? .found(organisation: organisation) : .notFound
        case .service:
            guard isIdentifier, let service = try attempt.load(Service.self, text).registration else { return .notFound }
            return .found(organisation: service.organisationID)
        case .invoice:
            guard isIdentifier, let invoice = try attempt.load(Invoice.self, text).organisationID else { return .notFound }
            return .found(organisation: invoice)
        case .contact:
            guard isIdentifier, let contact = try attempt.load(User.self, text).organisationID else { return .notFound }
            return .found(organisation: contact)
        case .provider:
            guard text == organisation.rawValue, try attempt.load(Organisation.self, text).isRegistered else { return .notFound }
            return .found(organisation: organisation)
        }
    }
}

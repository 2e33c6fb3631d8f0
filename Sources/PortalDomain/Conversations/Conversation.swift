/// What a provider or a council team writes to start a conversation (R-CNV-1).
public struct ConversationStart: Sendable, Equatable {
    public var conversationID: ConversationID
    /// The provider the conversation is with.
    public var organisationID: OrganisationID
    public var type: ConversationType
    public var relatedTo: RelatedTo
    /// The id of the record it is about (see ``RelatedTo``).
    public var entityID: String
    /// The team it is assigned to. Council staff start conversations as their own team.
    public var team: CouncilTeam
    public var subject: String
    public var body: String
    public var attachments: [MessageAttachment]

    public init(
        conversationID: ConversationID, organisationID: OrganisationID, type: ConversationType, relatedTo: RelatedTo, entityID: String,
        team: CouncilTeam, subject: String, body: String, attachments: [MessageAttachment] = []
    ) {
        self.conversationID = conversationID
        self.organisationID = organisationID
        self.type = type
        self.relatedTo = relatedTo
        self.entityID = entityID
        self.team = team
        self.subject = subject
        self.body = body
        self.attachments = attachments
    }
}

/// `conversation-<id>`: a thread between a provider and a council team ("actions", R-CNV): its type, what it
/// is related to, the team it is assigned to, and its messages with their attachments.
public enum Conversation: EventStream {
    public static let category = "conversation"

    /// Longest message, in characters.
    public static let maximumBodyLength = 5000

    public struct State: Codable, Equatable, Sendable {
        public var started: ConversationStarted?
        /// The team the conversation is assigned to now.
        public var team: CouncilTeam?
        public var messages: [ConversationMessagePosted] = []
        public var isClosed = false
        public var organisationID: OrganisationID? { started?.organisationID }
    }

    public static let initialState = State()

    public enum Command: Sendable {
        /// `entity` is what the application found for the start's related-to and entity id.
        case start(ConversationStart, entity: EntityFacts)
        case post(body: String, attachments: [MessageAttachment])
        case reassign(CouncilTeam)
        case close

        public var requiredPermission: Permission { .edit(.actions) }
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [ConversationEvent] {
        guard let party = ConversationParty.of(context.actor) else {
            throw DomainError.invalidValue(field: "actor", "only a provider's contact or council staff write in conversations")
        }
        if case .start(let start, let entity) = command {
            guard state.started == nil else { throw DomainError.duplicate(field: "conversationID", "conversation \(start.conversationID) exists already") }
            return try started(start, entity: entity, party: party, context)
        }
        guard let started = state.started, let team = state.team else { throw DomainError.notFound(field: "conversationID", "there is no such conversation") }
        guard !state.isClosed else {
            throw DomainError.wrongState(field: "conversationID", "conversation \(started.conversationID) is closed; start a new one")
        }
        let id = started.conversationID
        switch command {
        case .start:
            return []
        case .post(let body, let attachments):
            var events: [ConversationEvent] = []
            // R-CNV-2: a provider's reply to Z Information Messaging goes to Service Brokerage.
            var assigned = team
            if party.organisationID != nil && team == .zInformationMessaging {
                assigned = .serviceBrokerage
                events.append(.reassigned(ConversationReassigned(
                    conversationID: id, fromTeam: team, toTeam: assigned,
                    reason: "a provider's reply to Z Information Messaging goes to the Service Brokerage Team (R-CNV-2)")))
            }
            events.append(.messagePosted(ConversationMessagePosted(
                conversationID: id, messageNumber: state.messages.count + 1, from: party,
                body: try TextInput.required(body, field: "body", maximumLength: maximumBodyLength),
                attachments: try validated(attachments))))
            return events
        case .reassign(let newTeam):
            if party.organisationID != nil { try refuseInternalTeam(newTeam) }
            guard newTeam != team else { return [] }
            return [.reassigned(ConversationReassigned(conversationID: id, fromTeam: team, toTeam: newTeam, reason: "reassigned by \(party)"))]
        case .close:
            return [.closed(ConversationClosed(conversationID: id, by: party))]
        }
    }

    private static func started(_ start: ConversationStart, entity: EntityFacts, party: ConversationParty, _ context: CommandContext) throws -> [ConversationEvent] {
        if let organisation = party.organisationID {
            guard organisation == start.organisationID else {
                throw DomainError.notFound(field: "organisationID", "you may start conversations only for your own organisation")
            }
            try refuseInternalTeam(start.team)
        } else if let team = party.team, team != start.team {
            throw DomainError.invalidValue(field: "team", "council staff start conversations as their own team, \(team), not \(start.team)")
        }
        guard start.type.allowedRelatedTo.contains(start.relatedTo) else {
            let allowed = RelatedTo.allCases.filter(start.type.allowedRelatedTo.contains).map(\.rawValue).joined(separator: ", ")
            throw DomainError.ruleBroken("R-CNV-1", field: "relatedTo", "a \(start.type) conversation is related to \(allowed), not to \(start.relatedTo)")
        }
        let entityID = try TextInput.required(start.entityID, field: "entityID", maximumLength: 64)
        switch entity {
        case .found(let organisation) where organisation == start.organisationID:
            break
        case .found, .notFound:
            throw DomainError.notFound(field: "entityID", "there is no \(start.relatedTo) \(entityID) of organisation \(start.organisationID)")
        case .unsuitable(let reason):
            throw DomainError.invalidValue(field: "entityID", "\(start.relatedTo) \(entityID): \(reason)", rule: "R-CNV-1")
        }
        let id = start.conversationID
        return [
            .started(ConversationStarted(
                conversationID: id, organisationID: start.organisationID, type: start.type, relatedTo: start.relatedTo, entityID: entityID,
                team: start.team, subject: try TextInput.required(start.subject, field: "subject"), startedBy: party)),
            .messagePosted(ConversationMessagePosted(
                conversationID: id, messageNumber: 1, from: party,
                body: try TextInput.required(start.body, field: "body", maximumLength: maximumBodyLength),
                attachments: try validated(start.attachments))),
        ]
    }

    /// R-CNV-2: providers may not assign to the internal-only Z Information Messaging team.
    private static func refuseInternalTeam(_ team: CouncilTeam) throws(DomainError) {
        guard team != .zInformationMessaging else {
            throw .ruleBroken(
                "R-CNV-2", field: "team",
                "\(team.displayName) is internal only and its conversations are not read; assign the conversation to the Service Brokerage Team")
        }
    }

    private static func validated(_ attachments: [MessageAttachment]) throws(DomainError) -> [MessageAttachment] {
        guard attachments.count <= MessageAttachment.maximumPerMessage else {
            throw .invalidValue(field: "attachments", "a message holds at most \(MessageAttachment.maximumPerMessage) attachments")
        }
        var checked: [MessageAttachment] = []
        for (index, attachment) in attachments.enumerated() {
            checked.append(try attachment.validated(field: "attachments[\(index)]"))
        }
        return checked
    }

    public static func evolve(_ state: State, _ event: ConversationEvent) -> State {
        var state = state
        switch event {
        case .started(let e):
            state.started = e
            state.team = e.team
        case .messagePosted(let e):
            state.messages.append(e)
        case .reassigned(let e):
            state.team = e.toTeam
        case .closed:
            state.isClosed = true
        }
        return state
    }
}

public enum ConversationEvent: StreamEvent {
    case started(ConversationStarted)
    case messagePosted(ConversationMessagePosted)
    case reassigned(ConversationReassigned)
    case closed(ConversationClosed)

    public static let payloadTypes: [any EventPayload.Type] = [
        ConversationStarted.self, ConversationMessagePosted.self, ConversationReassigned.self, ConversationClosed.self,
    ]

    public var payload: any EventPayload {
        switch self {
        case .started(let p): p
        case .messagePosted(let p): p
        case .reassigned(let p): p
        case .closed(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let p as ConversationStarted: self = .started(p)
        case let p as ConversationMessagePosted: self = .messagePosted(p)
        case let p as ConversationReassigned: self = .reassigned(p)
        case let p as ConversationClosed: self = .closed(p)
        default: return nil
        }
    }
}

/// A conversation was started with a provider: its type, what it is about, and the team it is assigned to
/// (R-CNV-1). Its first message follows in the same append.
public struct ConversationStarted: EventPayload {
    public static let eventType = "ConversationStarted"
    public static let schemaVersion = 1
    public var conversationID: ConversationID
    public var organisationID: OrganisationID
    public var type: ConversationType
    public var relatedTo: RelatedTo
    public var entityID: String
    public var team: CouncilTeam
    public var subject: String
    public var startedBy: ConversationParty

    public init(
        conversationID: ConversationID, organisationID: OrganisationID, type: ConversationType, relatedTo: RelatedTo, entityID: String,
        team: CouncilTeam, subject: String, startedBy: ConversationParty
    ) {
        self.conversationID = conversationID
        self.organisationID = organisationID
        self.type = type
        self.relatedTo = relatedTo
        self.entityID = entityID
        self.team = team
        self.subject = subject
        self.startedBy = startedBy
    }
}

/// A message in a conversation. Attachments are named by their content's SHA-256; the files are not in the log.
public struct ConversationMessagePosted: EventPayload {
    public static let eventType = "ConversationMessagePosted"
    public static let schemaVersion = 1
    public var conversationID: ConversationID
    /// 1 for the first message.
    public var messageNumber: Int
    public var from: ConversationParty
    public var body: String
    public var attachments: [MessageAttachment]

    public init(conversationID: ConversationID, messageNumber: Int, from: ConversationParty, body: String, attachments: [MessageAttachment]) {
        self.conversationID = conversationID
        self.messageNumber = messageNumber
        self.from = from
        self.body = body
        self.attachments = attachments
    }
}

/// The conversation was assigned to another team.
public struct ConversationReassigned: EventPayload {
    public static let eventType = "ConversationReassigned"
    public static let schemaVersion = 1
    public var conversationID: ConversationID
    public var fromTeam: CouncilTeam
    public var toTeam: CouncilTeam
    public var reason: String

    public init(conversationID: ConversationID, fromTeam: CouncilTeam, toTeam: CouncilTeam, reason: String) {
        self.conversationID = conversationID
        self.fromTeam = fromTeam
        self.toTeam = toTeam
        self.reason = reason
    }
}

/// The conversation was closed; no more messages.
public struct ConversationClosed: EventPayload {
    public static let eventType = "ConversationClosed"
    public static let schemaVersion = 1
    public var conversationID: ConversationID
    public var by: ConversationParty

    public init(conversationID: ConversationID, by: ConversationParty) {
        self.conversationID = conversationID
        self.by = by
    }
}

import Chronology
import EventLog
import PortalDomain

/// Conversations ("actions", R-CNV) per provider and per council team, folded by the domain's
/// `Conversation.evolve` (so a provider's reply to Z Information Messaging shows under Service Brokerage,
/// R-CNV-2), with who posted each message and when. Lists put the most recently active last.
///
/// Tables: `conversations` [org, conversation] → ``ConversationEntry``; `conversation-owners` [conversation]
/// → org; `by-organisation` [org, last activity, conversation]; `by-team` [team, last activity, org,
/// conversation].
public enum ConversationsProjection: Projection {
    public static let name = "conversations"
    public static let version = 2
    public static let tables = ["conversations", "conversation-owners", "by-organisation", "by-team"]
    public static let eventTypes = Set(ConversationEvent.payloadTypes.map { $0.eventType })

    public static func apply(_ event: ProjectedEvent, to model: borrowing ReadModelWriter) throws {
        guard let conversationEvent = ConversationEvent(payload: event.payload) else { return }
        let step = StepRecord(event)
        let old: ConversationEntry?
        if case .started(let e) = conversationEvent {
            old = nil
            try model.putOwner(e.organisationID, "conversation-owners", e.conversationID.rawValue)
        } else {
            let id = conversationEvent.conversationID
            old = try model.requireOwned(ConversationEntry.self, "conversations", owners: "conversation-owners", id: id.rawValue,
                                         "conversation", for: event)
        }
        var entry = old ?? ConversationEntry(conversation: Conversation.initialState, posted: [], started: step, lastActivity: step, version: 0)
        entry.conversation = Conversation.evolve(entry.conversation, conversationEvent)
        entry.version = event.envelope.streamVersion
        if case .messagePosted = conversationEvent { entry.posted.append(step) }
        entry.lastActivity = step
        guard let started = entry.conversation.started else { return }
        try model.moveIndexes(from: old?.indexEntries ?? [], to: entry.indexEntries)
        try model.put(entry, "conversations", ReadModelKey(.text(started.organisationID.rawValue), .text(started.conversationID.rawValue)))
    }
}

extension ConversationEvent {
    var conversationID: ConversationID {
        switch self {
        case .started(let e): e.conversationID
        case .messagePosted(let e): e.conversationID
        case .reassigned(let e): e.conversationID
        case .closed(let e): e.conversationID
        }
    }
}

/// A conversation as it stands.
public struct ConversationEntry: Codable, Sendable, Equatable {
    /// The conversation folded by `Conversation.evolve`: type, related entity, assigned team, messages with
    /// their attachments' facts, closed or not.
    public var conversation: Conversation.State
    /// Who posted each message and when, in the order of `conversation.messages`.
    public var posted: [StepRecord]
    public var started: StepRecord
    public var lastActivity: StepRecord
    /// The version of the conversation's stream (its HTTP ETag).
    public var version: UInt64

    public var conversationID: ConversationID { conversation.started!.conversationID }
    public var organisationID: OrganisationID { conversation.started!.organisationID }

    var indexEntries: [IndexEntry] {
        guard let started = conversation.started else { return [] }
        let organisation = started.organisationID.rawValue, id = started.conversationID.rawValue
        var entries = [IndexEntry("by-organisation", .text(organisation), .instant(lastActivity.at), .text(id))]
        if let team = conversation.team {
            entries.append(IndexEntry("by-team", .text(team.rawValue), .instant(lastActivity.at), .text(organisation), .text(id)))
        }
        return entries
    }
}

import PortalDomain

/// Reads of conversations (``ConversationsProjection``).
public struct ConversationQueries: Sendable {
    let engine: ProjectionEngine

    /// One conversation, or nil when it does not exist or the scope may not see it.
    public func conversation(_ id: ConversationID, _ scope: ReadScope) throws -> ConversationEntry? {
        try engine.read(ConversationsProjection.self) { reader in
            try reader.owned(ConversationEntry.self, "conversations", owners: "conversation-owners", id: id.rawValue, scope)
        }
    }

    /// A provider's conversations, the most recently active last; closed ones only when asked. The council
    /// lists every organisation's, organisation by organisation, when `organisation` is nil.
    public func conversations(of organisation: OrganisationID? = nil, includingClosed: Bool = false, _ scope: ReadScope) throws -> [ConversationEntry] {
        try engine.read(ConversationsProjection.self) { reader in
            guard let prefix = reader.scopedPrefix(scope, organisation: organisation, []) else { return [] }
            return try reader.entries("by-organisation", prefix: prefix).compactMap { index in
                var parts = ReadModelKeyReader(index.key)
                guard let owner = parts.text(), parts.number() != nil, let id = parts.text(),
                      let entry = try reader.get(ConversationEntry.self, "conversations", ReadModelKey(.text(owner), .text(id))),
                      includingClosed || !entry.conversation.isClosed else { return nil }
                return entry
            }
        }
    }

    /// A council team's conversations, the most recently active last; closed ones only when asked. Empty for a
    /// provider's scope.
    public func conversations(assignedTo team: CouncilTeam, includingClosed: Bool = false, _ scope: ReadScope) throws -> [ConversationEntry] {
        guard scope == .council else { return [] }
        return try engine.read(ConversationsProjection.self) { reader in
            try reader.entries("by-team", prefix: ReadModelKey(.text(team.rawValue))).compactMap { index in
                var parts = ReadModelKeyReader(index.key)
                guard parts.text() != nil, parts.number() != nil, let owner = parts.text(), let id = parts.text(),
                      let entry = try reader.get(ConversationEntry.self, "conversations", ReadModelKey(.text(owner), .text(id))),
                      includingClosed || !entry.conversation.isClosed else { return nil }
                return entry
            }
        }
    }
}

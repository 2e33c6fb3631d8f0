import Chronology
import PortalDomain

/// Reads of contacts, council accounts and their change requests (``ContactsProjection``).
public struct ContactQueries: Sendable {
    let engine: ProjectionEngine

    /// One account, or nil when it does not exist or the scope may not see it (a provider sees only its own
    /// organisation's contacts).
    public func account(_ user: UserID, _ scope: ReadScope) throws -> ContactEntry? {
        try engine.read(ContactsProjection.self) { reader in
            guard let entry = try reader.get(ContactEntry.self, "users", ReadModelKey(.text(user.rawValue))) else { return nil }
            return Self.visible(entry, scope) ? entry : nil
        }
    }

    /// The contacts of an organisation with their roles and statuses, by user id (every organisation's for
    /// the council when nil).
    public func contacts(of organisation: OrganisationID? = nil, _ scope: ReadScope) throws -> [ContactEntry] {
        try engine.read(ContactsProjection.self) { reader in
            guard let prefix = reader.scopedPrefix(scope, organisation: organisation, []) else { return [] }
            return try reader.entries("by-organisation", prefix: prefix).compactMap { entry in
                var parts = ReadModelKeyReader(entry.key)
                _ = parts.text()
                guard let user = parts.text() else { return nil }
                return try reader.get(ContactEntry.self, "users", ReadModelKey(.text(user)))
            }
        }
    }

    /// Council staff (of one team, or every team and the auditors when nil). Empty for a provider's scope.
    public func councilAccounts(team: CouncilTeam? = nil, _ scope: ReadScope) throws -> [ContactEntry] {
        guard scope == .council else { return [] }
        return try engine.read(ContactsProjection.self) { reader in
            let prefix = team.map { ReadModelKey(.text($0.rawValue)) } ?? ReadModelKey()
            return try reader.entries("council", prefix: prefix).compactMap { entry in
                var parts = ReadModelKeyReader(entry.key)
                _ = parts.text()
                guard let user = parts.text() else { return nil }
                return try reader.get(ContactEntry.self, "users", ReadModelKey(.text(user)))
            }
        }
    }

    /// Accounts with change requests waiting for the helpdesk, the oldest request first (R-CON-1). A provider
    /// sees its own organisation's.
    public func pendingRequests(_ scope: ReadScope, limit: Int = .max) throws -> [ContactEntry] {
        if scope.organisation != nil {
            let waiting = try contacts(scope).filter { !$0.pendingRequests.isEmpty }
            return Array(waiting.sorted { ($0.pendingRequests[0].requested.position) < ($1.pendingRequests[0].requested.position) }.prefix(limit))
        }
        return try engine.read(ContactsProjection.self) { reader in
            var seen = Set<String>()
            var found: [ContactEntry] = []
            for entry in try reader.entries("pending-requests", prefix: ReadModelKey()) where found.count < limit {
                var parts = ReadModelKeyReader(entry.key)
                _ = parts.number()
                guard let user = parts.text(), seen.insert(user).inserted,
                      let contact = try reader.get(ContactEntry.self, "users", ReadModelKey(.text(user))) else { continue }
                found.append(contact)
            }
            return found
        }
    }

    /// Active, unsuspended accounts whose last use (login, first password, reset or reactivation) was before
    /// `cutoff`, oldest first: the candidates the suspension job checks with the domain's rule (R-ACC-6),
    /// instead of reading every user stream.
    public func accountsLastUsed(before cutoff: Timestamp, limit: Int = .max) throws -> [UserID] {
        try engine.read(ContactsProjection.self) { reader in
            try reader.entries("by-last-activity", from: ReadModelKey(), before: ReadModelKey(.instant(cutoff)), limit: limit)
                .compactMap { entry in
                    var parts = ReadModelKeyReader(entry.key)
                    _ = parts.number()
                    return parts.text().map(UserID.init)
                }
        }
    }

    static func visible(_ entry: ContactEntry, _ scope: ReadScope) -> Bool {
        switch scope {
        case .council: true
        case .organisation(let own): entry.organisationID == own
        }
    }
}

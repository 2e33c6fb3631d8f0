import PortalDomain

/// Reads of one-off claims (``ClaimsProjection``).
public struct ClaimQueries: Sendable {
    let engine: ProjectionEngine

    /// One claim, or nil when it does not exist or the scope may not see it.
    public func claim(_ id: ClaimID, _ scope: ReadScope) throws -> ClaimEntry? {
        try engine.read(ClaimsProjection.self) { reader in
            try reader.owned(ClaimEntry.self, "claims", owners: "claim-owners", id: id.rawValue, scope)
        }
    }

    /// The claims the scope sees, by id, narrowed to one status when asked (every organisation's for the
    /// council when `organisation` is nil).
    public func claims(of organisation: OrganisationID? = nil, status: OneOffClaim.Status? = nil, _ scope: ReadScope) throws -> [ClaimEntry] {
        let all = try engine.read(ClaimsProjection.self) { reader in
            try reader.scopedValues(ClaimEntry.self, "claims", scope, organisation: organisation)
        }
        return status.map { status in all.filter { $0.status == status } } ?? all
    }

    /// Submitted claims awaiting the Payments Team's approval, oldest submission first (R-OOC-4). Empty for a
    /// provider's scope.
    public func awaitingApproval(_ scope: ReadScope, limit: Int = .max) throws -> [ClaimEntry] {
        guard scope == .council else { return [] }
        return try engine.read(ClaimsProjection.self) { reader in
            try reader.entries("awaiting-approval", prefix: ReadModelKey(), limit: limit).compactMap { index in
                var parts = ReadModelKeyReader(index.key)
                _ = parts.number()
                guard let owner = parts.text(), let id = parts.text() else { return nil }
                return try reader.get(ClaimEntry.self, "claims", ReadModelKey(.text(owner), .text(id)))
            }
        }
    }
}

import Chronology
import PortalDomain

/// Reads of contract documents (``ContractDocumentsProjection``).
public struct ContractDocumentQueries: Sendable {
    let engine: ProjectionEngine

    /// Documents the scope sees, in order of their last change (oldest first), filtered by status and by
    /// "updated since" (changed at or after the instant) (R-ISO-2). The council lists every organisation's
    /// when `organisation` is nil.
    public func documents(
        of organisation: OrganisationID? = nil, status: ISO.Status? = nil, updatedSince: Timestamp? = nil,
        _ scope: ReadScope, limit: Int = .max
    ) throws -> [ContractDocumentEntry] {
        try engine.read(ContractDocumentsProjection.self) { reader in
            guard let prefix = reader.scopedPrefix(scope, organisation: organisation, []) else { return [] }
            let byOrganisation = !prefix.bytes.isEmpty
            let table = byOrganisation ? "by-updated" : "all-by-updated"
            var start = prefix
            if let updatedSince { start.append(.instant(updatedSince)) }
            var end = prefix
            end.append(.number(.max))
            var found: [ContractDocumentEntry] = []
            for index in try reader.entries(table, from: start, before: end) {
                var parts = ReadModelKeyReader(index.key)
                let owner: String?
                if byOrganisation {
                    owner = parts.text()
                    _ = parts.number()
                } else {
                    _ = parts.number()
                    owner = parts.text()
                }
                guard let owner, let iso = parts.text(),
                      let entry = try reader.get(ContractDocumentEntry.self, "documents", ReadModelKey(.text(owner), .text(iso))) else { continue }
                if let status, entry.status != status { continue }
                found.append(entry)
                if found.count >= limit { break }
            }
            return found
        }
    }

    /// One document with the CPLIs it commissions, or nil when it does not exist or the scope may not see it.
    public func document(_ id: ISOID, _ scope: ReadScope) throws -> ContractDocument? {
        try engine.read(ContractDocumentsProjection.self) { reader in
            guard let owner = try reader.owner("iso-owners", id.rawValue), scope.allows(owner),
                  let entry = try reader.get(ContractDocumentEntry.self, "documents", ReadModelKey(.text(owner.rawValue), .text(id.rawValue)))
            else { return nil }
            let lines = try reader.values(CPLIDefinition.self, "lines", prefix: ReadModelKey(.text(owner.rawValue), .text(id.rawValue)))
            let order = entry.document.publication?.cpliIDs ?? []
            return ContractDocument(entry: entry, lines: lines.sorted {
                (order.firstIndex(of: $0.cpliID) ?? .max, $0.cpliID) < (order.firstIndex(of: $1.cpliID) ?? .max, $1.cpliID)
            })
        }
    }
}

import Chronology
import PortalDomain

/// Reads of remittance advices and payment runs (``RemittancesProjection``).
public struct RemittanceQueries: Sendable {
    let engine: ProjectionEngine

    /// Reads of `engine`'s read model (which must include the projection).
    public init(engine: ProjectionEngine) {
        self.engine = engine
    }

    /// A provider's remittance advice of a run, or nil when there is none or the scope may not see it.
    public func remittance(run: PaymentRunID, organisation: OrganisationID, _ scope: ReadScope) throws -> RemittanceEntry? {
        guard scope.allows(organisation) else { return nil }
        return try engine.read(RemittancesProjection.self) { reader in
            try reader.event(RemittanceIssued.self, "advices", ReadModelKey(.text(organisation.rawValue), .text(run.rawValue))).map(RemittanceEntry.init)
        }
    }

    /// The stored CSV bytes of a provider's remittance advice (rendered once by `RemittanceAdvice.csv`).
    public func csv(run: PaymentRunID, organisation: OrganisationID, _ scope: ReadScope) throws -> [UInt8]? {
        try document("csv", run, organisation, scope)
    }

    /// The stored printable text of a provider's remittance advice (rendered once by `RemittanceAdvice.text`).
    public func text(run: PaymentRunID, organisation: OrganisationID, _ scope: ReadScope) throws -> [UInt8]? {
        try document("text", run, organisation, scope)
    }

    private func document(_ table: String, _ run: PaymentRunID, _ organisation: OrganisationID, _ scope: ReadScope) throws -> [UInt8]? {
        guard scope.allows(organisation) else { return nil }
        return try engine.read(RemittancesProjection.self) { reader in
            try reader.getBytes(table, ReadModelKey(.text(organisation.rawValue), .text(run.rawValue)))
        }
    }

    /// A provider's remittance advices, by payment date, oldest first (every provider's for the council when
    /// `organisation` is nil).
    public func remittances(of organisation: OrganisationID? = nil, _ scope: ReadScope) throws -> [RemittanceEntry] {
        try engine.read(RemittancesProjection.self) { reader in
            guard let prefix = reader.scopedPrefix(scope, organisation: organisation, []) else { return [] }
            return try reader.entries("by-date", prefix: prefix).compactMap { index in
                var parts = ReadModelKeyReader(index.key)
                guard let owner = parts.text(), parts.text() != nil, let run = parts.text() else { return nil }
                return try reader.event(RemittanceIssued.self, "advices", ReadModelKey(.text(owner), .text(run))).map(RemittanceEntry.init)
            }
        }
    }

    /// The remittance advices of one run to `organisations` (the run's `organisationIDs`), in that order, that the
    /// scope may see: one read transaction, one lookup each, never the other runs' advices.
    public func remittances(ofRun run: PaymentRunID, organisations: [OrganisationID], _ scope: ReadScope) throws -> [RemittanceEntry] {
        try engine.read(RemittancesProjection.self) { reader in
            try organisations.filter(scope.allows).compactMap { organisation in
                try reader.event(RemittanceIssued.self, "advices", ReadModelKey(.text(organisation.rawValue), .text(run.rawValue))).map(RemittanceEntry.init)
            }
        }
    }

    /// A payment run (council only).
    public func run(_ id: PaymentRunID, _ scope: ReadScope) throws -> PaymentRunEntry? {
        guard scope == .council else { return nil }
        return try engine.read(RemittancesProjection.self) { reader in
            try reader.get(PaymentRunEntry.self, "runs", ReadModelKey(.text(id.rawValue)))
        }
    }

    /// Every payment run, by id (council only).
    public func runs(_ scope: ReadScope) throws -> [PaymentRunEntry] {
        guard scope == .council else { return [] }
        return try engine.read(RemittancesProjection.self) { reader in
            try reader.values(PaymentRunEntry.self, "runs", prefix: ReadModelKey())
        }
    }
}

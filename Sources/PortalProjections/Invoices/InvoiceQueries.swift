import Chronology
import PortalDomain

/// Reads of invoices and credit notes (``InvoicesProjection``).
public struct InvoiceQueries: Sendable {
    let engine: ProjectionEngine

    /// Reads of `engine`'s read model (which must include the projection).
    public init(engine: ProjectionEngine) {
        self.engine = engine
    }

    /// One invoice, or nil when it does not exist or the scope may not see it.
    public func invoice(_ id: InvoiceID, _ scope: ReadScope) throws -> InvoiceEntry? {
        try engine.read(InvoicesProjection.self) { reader in
            guard let owner = try reader.owner("invoice-owners", id.rawValue), scope.allows(owner) else { return nil }
            return try reader.invoiceEntry(owner.rawValue, id.rawValue)
        }
    }

    /// The invoices the scope sees, oldest first, narrowed to one status when asked. The council lists every
    /// organisation's when `organisation` is nil.
    public func invoices(of organisation: OrganisationID? = nil, status: InvoiceStatus? = nil, _ scope: ReadScope,
                         limit: Int = .max) throws -> [InvoiceEntry] {
        try engine.read(InvoicesProjection.self) { reader in
            guard let prefix = reader.scopedPrefix(scope, organisation: organisation, []) else { return [] }
            let byOrganisation = !prefix.bytes.isEmpty
            let (table, start): (String, ReadModelKey) = switch (byOrganisation, status) {
            case (true, let status?): ("by-status", prefix.appending(.text(status.rawValue)))
            case (true, nil): ("by-organisation", prefix)
            case (false, let status?): ("all-by-status", ReadModelKey(.text(status.rawValue)))
            case (false, nil): ("by-organisation", prefix)
            }
            return try reader.entries(table, prefix: start, limit: limit).compactMap { index in
                var parts = ReadModelKeyReader(index.key)
                let owner: String?
                switch table {
                case "by-status":
                    owner = parts.text()
                    _ = parts.text()
                    _ = parts.number()
                case "all-by-status":
                    _ = parts.text()
                    _ = parts.number()
                    owner = parts.text()
                default:
                    owner = parts.text()
                    _ = parts.number()
                }
                guard let owner, let id = parts.text() else { return nil }
                return try reader.invoiceEntry(owner, id)
            }
        }
    }

    /// An organisation's latest invoices, the newest first, narrowed to one status when asked: at most `limit`
    /// of them, without their lines (totals, statuses, reasons and steps only), and how many match in all. For
    /// a provider's list of invoices, which reads the index keys and only the invoices it shows.
    public func latest(of organisation: OrganisationID, status: InvoiceStatus? = nil, limit: Int, _ scope: ReadScope) throws
        -> (entries: [InvoiceEntry], matching: Int) {
        try engine.read(InvoicesProjection.self) { reader in
            guard scope.allows(organisation) else { return ([], 0) }
            let prefix = ReadModelKey(.text(organisation.rawValue))
            let keys = try status.map { try reader.entries("by-status", prefix: prefix.appending(.text($0.rawValue))) }
                ?? reader.entries("by-organisation", prefix: prefix)
            let entries = try keys.suffix(max(0, limit)).reversed().compactMap { index -> InvoiceEntry? in
                var parts = ReadModelKeyReader(index.key)
                _ = parts.text()
                if status != nil { _ = parts.text() }
                _ = parts.number()
                guard let id = parts.text() else { return nil }
                return try reader.invoiceEntry(organisation.rawValue, id, withLines: false)
            }
            return (entries, keys.count)
        }
    }

    /// The invoices of a service's period (the period invoice, and any supplementary invoice), by id.
    public func invoices(service: ServiceID, period: PeriodNumber, _ scope: ReadScope) throws -> [InvoiceEntry] {
        try engine.read(InvoicesProjection.self) { reader in
            let owner: OrganisationID?
            if let own = scope.organisation {
                owner = own
            } else {
                owner = try reader.owner("service-owners", service.rawValue)
            }
            guard let owner else { return [] }
            let prefix = ReadModelKey(.text(owner.rawValue), .text(service.rawValue), .period(period))
            return try reader.entries("by-period", prefix: prefix).compactMap { index in
                var parts = ReadModelKeyReader(index.key)
                _ = parts.text()
                _ = parts.text()
                _ = parts.number()
                guard let id = parts.text() else { return nil }
                return try reader.invoiceEntry(owner.rawValue, id)
            }
        }
    }

    /// The Payments Team's queue: submitted and on-hold invoices, the one waiting longest first (R-INV-3).
    /// Empty for a provider's scope.
    public func paymentsQueue(_ scope: ReadScope, limit: Int = .max) throws -> [InvoiceEntry] {
        guard scope == .council else { return [] }
        return try engine.read(InvoicesProjection.self) { reader in
            try reader.entries("payments-queue", prefix: ReadModelKey(), limit: limit).compactMap { index in
                var parts = ReadModelKeyReader(index.key)
                _ = parts.number()
                guard let owner = parts.text(), let id = parts.text() else { return nil }
                return try reader.invoiceEntry(owner, id)
            }
        }
    }

    /// Every approved invoice, oldest first: what a payment run pays (R-PAY-2), without reading every invoice stream.
    public func approvedInvoiceIDs() throws -> [InvoiceID] {
        try invoices(status: .approved, .council).map(\.invoiceID)
    }

    /// One credit note, or nil when it does not exist or the scope may not see it.
    public func creditNote(_ id: CreditNoteID, _ scope: ReadScope) throws -> CreditNoteEntry? {
        try engine.read(InvoicesProjection.self) { reader in
            try reader.owned(CreditNoteEntry.self, "credit-notes", owners: "credit-note-owners", id: id.rawValue, scope)
        }
    }

    /// The credit notes the scope sees, by id (every organisation's for the council when nil).
    public func creditNotes(of organisation: OrganisationID? = nil, _ scope: ReadScope) throws -> [CreditNoteEntry] {
        try engine.read(InvoicesProjection.self) { reader in
            try reader.scopedValues(CreditNoteEntry.self, "credit-notes", scope, organisation: organisation)
        }
    }
}

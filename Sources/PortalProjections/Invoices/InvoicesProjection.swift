import Foundation
import Chronology
import EventLog
import PortalDomain

/// Invoices and credit notes as they stand: status, lines with amounts, totals, reference, dates, hold and
/// return reasons (folded by the domain's `Invoice.evolve` and `CreditNote.evolve`), and who did each step
/// and when, from the events' envelopes. Listed per provider, per status and per service period; the Payments
/// Team's queue holds submitted and on-hold invoices, the longest waiting first (R-INV-3).
///
/// Tables: `invoices` [org, invoice] → ``InvoiceEntry`` without its lines; `invoice-lines` [org, invoice] → the
/// lines (``InvoiceLines``), written only by the steps that change them (so that a hold or an approval does not
/// rewrite every line), usually as the event that set them; `invoice-history` [org, invoice, position] →
/// ``HistoryStep`` (one row a step, so no step rewrites the story so far); `invoice-owners` [invoice] → org;
/// `by-organisation`
/// [org, created at, invoice]; `by-status` [org, status, created at, invoice]; `all-by-status` [status,
/// created at, org, invoice]; `by-period` [org, service, period, invoice]; `payments-queue` [queued at, org,
/// invoice]; `credit-notes` [org, credit note] → ``CreditNoteEntry``; `credit-note-owners` [credit note] → org;
/// `service-owners` [service] → org.
public enum InvoicesProjection: Projection {
    public static let name = "invoices"
    public static let version = 2
    public static let tables = [
        "invoices", "invoice-lines", "invoice-history", "invoice-owners", "by-organisation", "by-status", "all-by-status", "by-period", "payments-queue",
        "credit-notes", "credit-note-owners", "service-owners",
    ]
    public static let eventTypes = Set((InvoiceEvent.payloadTypes + CreditNoteEvent.payloadTypes).map { $0.eventType } + [ServiceRegistered.eventType])

    public static func apply(_ event: ProjectedEvent, to model: borrowing ReadModelWriter) throws {
        if let registered = event.payload as? ServiceRegistered {
            try model.putOwner(registered.organisationID, "service-owners", registered.serviceID.rawValue)
            return
        }
        let step = StepRecord(event)
        if let noteEvent = CreditNoteEvent(payload: event.payload) {
            try applyCreditNote(noteEvent, step, event, model)
            return
        }
        guard let invoiceEvent = InvoiceEvent(payload: event.payload) else { return }
        let old: InvoiceEntry?
        switch invoiceEvent {
        case .created(let e):
            old = nil
            try model.putOwner(e.organisationID, "invoice-owners", e.invoiceID.rawValue)
        case .contractInvoiceCreated(let e):
            old = nil
            try model.putOwner(e.organisationID, "invoice-owners", e.invoiceID.rawValue)
        case .supplementaryRaised(let e):
            old = nil
            try model.putOwner(e.organisationID, "invoice-owners", e.invoiceID.rawValue)
        default:
            let id = invoiceEvent.invoiceID
            old = try model.requireOwned(InvoiceEntry.self, "invoices", owners: "invoice-owners", id: id.rawValue, "invoice", for: event)
        }
        var entry = old ?? InvoiceEntry(invoice: Invoice.initialState, history: [], created: step, queuedAt: nil, version: 0)
        if case .lineRemoved = invoiceEvent, let stored = old {
            entry.invoice.lines = try model.getBytes("invoice-lines", stored.key).map(InvoiceLines.decode) ?? []
        }
        entry.invoice = Invoice.evolve(entry.invoice, invoiceEvent)
        entry.version = event.envelope.streamVersion
        switch entry.invoice.status {
        case .submitted, .onHold:
            if entry.queuedAt == nil { entry.queuedAt = step.at }
        default:
            entry.queuedAt = nil
        }
        guard entry.invoice.organisationID != nil, entry.invoice.invoiceID != nil else { return }
        switch invoiceEvent {
        case .created, .contractInvoiceCreated, .supplementaryRaised, .corrected:
            try model.putBytes(InvoiceLines.stored(event), "invoice-lines", entry.key)
        case .lineRemoved:
            try model.putBytes(try InvoiceLines.encoded(entry.invoice.lines), "invoice-lines", entry.key)
        default:
            break
        }
        entry.invoice.lines = []
        try model.put(HistoryStep(step: step, reason: invoiceEvent.reason), "invoice-history", entry.key.appending(.number(event.position)))
        try model.moveIndexes(from: old?.indexEntries ?? [], to: entry.indexEntries)
        try model.put(entry, "invoices", entry.key)
    }

    private static func applyCreditNote(_ noteEvent: CreditNoteEvent, _ step: StepRecord, _ event: ProjectedEvent,
                                        _ model: borrowing ReadModelWriter) throws {
        var entry: CreditNoteEntry
        switch noteEvent {
        case .raised(let e):
            try model.putOwner(e.organisationID, "credit-note-owners", e.creditNoteID.rawValue)
            entry = CreditNoteEntry(note: CreditNote.initialState, raised: step, settled: nil, version: 0)
        case .settled(let e):
            entry = try model.requireOwned(CreditNoteEntry.self, "credit-notes", owners: "credit-note-owners",
                                           id: e.creditNoteID.rawValue, "credit note", for: event)
            entry.settled = step
        }
        entry.note = CreditNote.evolve(entry.note, noteEvent)
        entry.version = event.envelope.streamVersion
        guard let raised = entry.note.raised else { return }
        try model.put(entry, "credit-notes", ReadModelKey(.text(raised.organisationID.rawValue), .text(raised.creditNoteID.rawValue)))
    }
}

extension ReadModelReader {
    /// The invoice under `[owner, id]` with its lines put back (unless `withLines` is false: a list that shows
    /// totals only skips decoding them).
    func invoiceEntry(_ owner: String, _ id: String, withLines: Bool = true) throws -> InvoiceEntry? {
        let key = ReadModelKey(.text(owner), .text(id))
        guard var entry = try get(InvoiceEntry.self, "invoices", key) else { return nil }
        if withLines { entry.invoice.lines = try getBytes("invoice-lines", key).map(InvoiceLines.decode) ?? [] }
        entry.history = try values(HistoryStep.self, "invoice-history", prefix: key)
        return entry
    }
}

/// An invoice's lines as stored: the event that set them, as the log stored it (a first byte 0, then a
/// ``StoredEvent``) — nothing is encoded when an invoice is created or corrected — or, after a line was removed,
/// the lines as JSON (a first byte 1).
enum InvoiceLines {
    static func stored(_ event: ProjectedEvent) -> [UInt8] { [0] + StoredEventCoding.encode(event) }

    static func encoded(_ lines: [ChargeLine]) throws -> [UInt8] { [1] + Array(try ReadModelCoding.encoder.encode(lines)) }

    static func decode(_ bytes: [UInt8]) throws -> [ChargeLine] {
        switch bytes.first {
        case 0?:
            switch try StoredEventCoding.decodeAny(bytes.dropFirst()).0 {
            case let e as InvoiceCreated: return e.lines
            case let e as ContractInvoiceCreated: return e.lines
            case let e as SupplementaryInvoiceRaised: return e.lines
            case let e as InvoiceCorrected: return e.lines
            case let other: throw ReadModelInconsistency("\(type(of: other).eventType) does not set an invoice's lines")
            }
        case 1?:
            return try ReadModelCoding.decoder.decode([ChargeLine].self, from: Data(bytes.dropFirst()))
        default:
            throw ReadModelInconsistency("an invoice's stored lines have an unknown form")
        }
    }
}

extension InvoiceEvent {
    var invoiceID: InvoiceID {
        switch self {
        case .created(let e): e.invoiceID
        case .contractInvoiceCreated(let e): e.invoiceID
        case .supplementaryRaised(let e): e.invoiceID
        case .lineRemoved(let e): e.invoiceID
        case .submitted(let e): e.invoiceID
        case .held(let e): e.invoiceID
        case .released(let e): e.invoiceID
        case .approved(let e): e.invoiceID
        case .returned(let e): e.invoiceID
        case .corrected(let e): e.invoiceID
        case .resubmitted(let e): e.invoiceID
        case .paid(let e): e.invoiceID
        case .adjustedAfterPayment(let e): e.invoiceID
        }
    }

    /// The reason a step gives: a hold's or a return's.
    var reason: String? {
        switch self {
        case .held(let e): e.reason
        case .returned(let e): e.reason
        default: nil
        }
    }
}

/// An invoice as it stands, with its whole story.
public struct InvoiceEntry: Codable, Sendable, Equatable {
    /// The invoice folded by `Invoice.evolve`: kind, provider, contract, service and period, reference, date,
    /// lines, total, status, hold and return reasons, payment and any adjustments after payment. (The stored
    /// row has no lines; queries put them back.)
    public var invoice: Invoice.State
    /// Every step, oldest first: created, submitted, held, released, returned, corrected, resubmitted,
    /// approved, paid, adjusted. (Stored one row a step; queries put them back.)
    public var history: [HistoryStep]
    public var created: StepRecord
    /// When it joined the Payments Team's queue (its submission, resubmission or raising as a supplementary
    /// invoice); nil while it is not submitted or on hold. A hold and a release do not move it.
    public var queuedAt: Timestamp?
    /// The version of the invoice's stream (its HTTP ETag).
    public var version: UInt64

    /// When the invoice last changed: its latest step.
    public var updatedAt: Timestamp? { history.last?.step.at }

    public var invoiceID: InvoiceID { invoice.invoiceID! }
    var key: ReadModelKey { ReadModelKey(.text(organisationID.rawValue), .text(invoiceID.rawValue)) }
    public var organisationID: OrganisationID { invoice.organisationID! }
    public var status: InvoiceStatus { invoice.status }

    /// The latest step named `event` (e.g. `InvoiceApproved`), if the invoice took it.
    public func lastStep(_ event: String) -> HistoryStep? { history.last { $0.step.event == event } }

    var indexEntries: [IndexEntry] {
        guard let organisation = invoice.organisationID?.rawValue, let id = invoice.invoiceID?.rawValue else { return [] }
        let status = invoice.status.rawValue
        var entries = [
            IndexEntry("by-organisation", .text(organisation), .instant(created.at), .text(id)),
            IndexEntry("by-status", .text(organisation), .text(status), .instant(created.at), .text(id)),
            IndexEntry("all-by-status", .text(status), .instant(created.at), .text(organisation), .text(id)),
        ]
        if let service = invoice.serviceID, let period = invoice.period {
            entries.append(IndexEntry("by-period", .text(organisation), .text(service.rawValue), .period(period), .text(id)))
        }
        if let queuedAt { entries.append(IndexEntry("payments-queue", .instant(queuedAt), .text(organisation), .text(id))) }
        return entries
    }
}

/// A credit note as it stands (R-INV-4): raised against a paid invoice, then deducted by a payment run.
public struct CreditNoteEntry: Codable, Sendable, Equatable {
    /// The credit note folded by `CreditNote.evolve`: its lines of differences, total (negative) and settlement.
    public var note: CreditNote.State
    public var raised: StepRecord
    public var settled: StepRecord?
    /// The version of the credit note's stream (its HTTP ETag).
    public var version: UInt64
}

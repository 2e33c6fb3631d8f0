import Chronology
import PortalDomain

/// Invoices and credit notes as they stand: status, lines with amounts, totals, reference, dates, hold and
/// return reasons (folded by the domain's `Invoice.evolve` and `CreditNote.evolve`), and who did each step
/// and when, from the events' envelopes. Listed per provider, per status and per service period; the Payments
/// Team's queue holds submitted and on-hold invoices, the longest waiting first (R-INV-3).
///
/// Tables: `invoices` [org, invoice] → ``InvoiceEntry``; `invoice-owners` [invoice] → org; `by-organisation`
/// [org, created at, invoice]; `by-status` [org, status, created at, invoice]; `all-by-status` [status,
/// created at, org, invoice]; `by-period` [org, service, period, invoice]; `payments-queue` [queued at, org,
/// invoice]; `credit-notes` [org, credit note] → ``CreditNoteEntry``; `credit-note-owners` [credit note] → org;
/// `service-owners` [service] → org.
public enum InvoicesProjection: Projection {
    public static let name = "invoices"
    public static let version = 1
    public static let tables = [
        "invoices", "invoice-owners", "by-organisation", "by-status", "all-by-status", "by-period", "payments-queue",
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
        var entry = old ?? InvoiceEntry(invoice: Invoice.initialState, history: [], created: step, queuedAt: nil)
        entry.invoice = Invoice.evolve(entry.invoice, invoiceEvent)
        entry.history.append(HistoryStep(step: step, reason: invoiceEvent.reason))
        switch entry.invoice.status {
        case .submitted, .onHold:
            if entry.queuedAt == nil { entry.queuedAt = step.at }
        default:
            entry.queuedAt = nil
        }
        guard let organisation = entry.invoice.organisationID, let id = entry.invoice.invoiceID else { return }
        try model.moveIndexes(from: old?.indexEntries ?? [], to: entry.indexEntries)
        try model.put(entry, "invoices", ReadModelKey(.text(organisation.rawValue), .text(id.rawValue)))
    }

    private static func applyCreditNote(_ noteEvent: CreditNoteEvent, _ step: StepRecord, _ event: ProjectedEvent,
                                        _ model: borrowing ReadModelWriter) throws {
        var entry: CreditNoteEntry
        switch noteEvent {
        case .raised(let e):
            try model.putOwner(e.organisationID, "credit-note-owners", e.creditNoteID.rawValue)
            entry = CreditNoteEntry(note: CreditNote.initialState, raised: step, settled: nil)
        case .settled(let e):
            entry = try model.requireOwned(CreditNoteEntry.self, "credit-notes", owners: "credit-note-owners",
                                           id: e.creditNoteID.rawValue, "credit note", for: event)
            entry.settled = step
        }
        entry.note = CreditNote.evolve(entry.note, noteEvent)
        guard let raised = entry.note.raised else { return }
        try model.put(entry, "credit-notes", ReadModelKey(.text(raised.organisationID.rawValue), .text(raised.creditNoteID.rawValue)))
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
    /// lines, total, status, hold and return reasons, payment and any adjustments after payment.
    public var invoice: Invoice.State
    /// Every step, oldest first: created, submitted, held, released, returned, corrected, resubmitted,
    /// approved, paid, adjusted.
    public var history: [HistoryStep]
    public var created: StepRecord
    /// When it joined the Payments Team's queue (its submission, resubmission or raising as a supplementary
    /// invoice); nil while it is not submitted or on hold.
    public var queuedAt: Timestamp?

    public var invoiceID: InvoiceID { invoice.invoiceID! }
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
}

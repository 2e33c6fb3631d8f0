import Chronology
import Foundation
import PortalDomain

/// The read models a SQL peer rebuilds in the comparison — invoice state, period locks and remittance
/// reports — folded with the domain's own `Invoice.evolve` and `RemittanceAdvice`, so that each peer differs
/// from this product only in how it reads events and writes rows.
///
/// The usual SQL shape: a peer reads the events of the `invoice`, `periods` and `paymentrun` categories in
/// position order, a batch at a time; loads the current state of each invoice the batch touches; applies the
/// batch; and upserts the changed rows with its checkpoint in one transaction.
public enum PeerReadModels {
    /// The categories the three read models read.
    public static let categories = [Invoice.category, PeriodLocks.category, PaymentRun.category]

    /// An invoice's row: the columns a list or the Payments Team's queue filters on, and the whole state.
    public struct InvoiceRow: Sendable {
        public var invoiceID: String
        public var organisationID: String
        public var status: String
        public var serviceID: String?
        public var period: Int?
        /// The date of its last submission, for the queue's oldest-first order.
        public var submittedOn: String?
        /// `Invoice.State` as sorted-key JSON.
        public var state: Data
    }

    /// One service's period: `locked` or `reopened`, with the invoice and the event that set it.
    public struct PeriodLockRow: Sendable {
        public var serviceID: String
        public var period: Int
        public var status: String
        public var invoiceID: String
        /// Why the next period opened (`held`, `approved`, `paid`), once it did.
        public var nextPeriodOpenedBecause: String?
        public var position: UInt64
        public var eventType: String
    }

    /// One provider's remittance advice of a payment run, rendered.
    public struct RemittanceRow: Sendable {
        public var paymentRunID: String
        public var organisationID: String
        public var total: String
        public var csv: Data
        public var text: Data
        public var recordedCSVSHA256: String
    }

    /// What one batch changes.
    public struct Changes: Sendable {
        public var invoices: [InvoiceRow] = []
        public var locks: [PeriodLockRow] = []
        public var remittances: [RemittanceRow] = []
        public var rowCount: Int { invoices.count + locks.count + remittances.count }
    }

    /// The invoice ids (without category) whose state a batch needs, in order of first appearance.
    public static func invoicesTouched(by events: [ComparedEvent]) -> [String] {
        var seen = Set<String>()
        var ids: [String] = []
        for event in events where event.streamID.hasPrefix("\(Invoice.category)-") {
            let id = String(event.streamID.dropFirst(Invoice.category.count + 1))
            if seen.insert(id).inserted { ids.append(id) }
        }
        return ids
    }

    /// Decodes a stored invoice state row.
    public static func decodeState(_ data: Data) throws -> Invoice.State {
        try JSONDecoder().decode(Invoice.State.self, from: data)
    }

    /// Applies `events` (in position order) to the states loaded for the batch (`invoiceStates`, by invoice id,
    /// updated in place; missing means new) and returns the rows to upsert — each row once, as it stands after
    /// the batch. Period lock rows carry their own status, so they need nothing loaded.
    public static func apply(_ events: [ComparedEvent], invoiceStates: inout [String: Invoice.State]) throws -> Changes {
        var changes = Changes()
        var changedInvoices: [String] = []
        var changedInvoiceSet = Set<String>()
        var submittedOn: [String: String] = [:]
        var locks: [String: PeriodLockRow] = [:]
        var lockOrder: [String] = []
        let encoder = EventCoding.encoder()
        for event in events {
            switch StoredEventCategory(event.streamID) {
            case .invoice(let id):
                let decoded = try EventRegistry.decode(InvoiceEvent.self, type: event.type, schemaVersion: event.schemaVersion, payload: event.payload)
                let state = Invoice.evolve(invoiceStates[id] ?? Invoice.initialState, decoded)
                invoiceStates[id] = state
                switch decoded {
                case .submitted(let e): submittedOn[id] = e.date.iso8601
                case .resubmitted(let e): submittedOn[id] = e.date.iso8601
                case .supplementaryRaised(let e): submittedOn[id] = e.invoiceDate.iso8601
                default: break
                }
                if changedInvoiceSet.insert(id).inserted { changedInvoices.append(id) }
            case .periods:
                let decoded = try EventRegistry.decode(PeriodLocksEvent.self, type: event.type, schemaVersion: event.schemaVersion, payload: event.payload)
                let (service, period, invoice, status, release): (ServiceID, PeriodNumber, InvoiceID, String, PeriodRelease?) =
                    switch decoded {
                    case .locked(let e): (e.serviceID, e.period, e.invoiceID, "locked", nil)
                    case .nextPeriodOpened(let e): (e.serviceID, e.period, e.invoiceID, "locked", e.reason)
                    case .reopened(let e): (e.serviceID, e.period, e.invoiceID, "reopened", nil)
                    }
                let key = "\(service.rawValue)/\(period.value)"
                if locks[key] == nil { lockOrder.append(key) }
                locks[key] = PeriodLockRow(
                    serviceID: service.rawValue, period: period.value, status: status, invoiceID: invoice.rawValue,
                    nextPeriodOpenedBecause: release?.rawValue, position: event.position, eventType: event.type)
            case .paymentRun:
                let decoded = try EventRegistry.decode(PaymentRunEvent.self, type: event.type, schemaVersion: event.schemaVersion, payload: event.payload)
                guard case .remittanceIssued(let issued) = decoded else { continue }
                let advice = RemittanceAdvice(issued)
                changes.remittances.append(RemittanceRow(
                    paymentRunID: issued.paymentRunID.rawValue, organisationID: issued.organisationID.rawValue, total: advice.total.description,
                    csv: Data(advice.csvBytes), text: Data(advice.text.utf8), recordedCSVSHA256: issued.csvSHA256))
            case .other:
                continue
            }
        }
        for id in changedInvoices {
            let state = invoiceStates[id]!
            changes.invoices.append(InvoiceRow(
                invoiceID: id, organisationID: state.organisationID?.rawValue ?? "", status: state.status.rawValue,
                serviceID: state.serviceID?.rawValue, period: state.period?.value, submittedOn: submittedOn[id],
                state: try encoder.encode(state)))
        }
        changes.locks = lockOrder.map { locks[$0]! }
        return changes
    }
}

/// Which of the three read models' categories a stream is in.
enum StoredEventCategory {
    case invoice(String)
    case periods
    case paymentRun
    case other

    init(_ streamID: String) {
        if streamID.hasPrefix("\(Invoice.category)-") {
            self = .invoice(String(streamID.dropFirst(Invoice.category.count + 1)))
        } else if streamID.hasPrefix("\(PeriodLocks.category)-") {
            self = .periods
        } else if streamID.hasPrefix("\(PaymentRun.category)-") {
            self = .paymentRun
        } else {
            self = .other
        }
    }
}

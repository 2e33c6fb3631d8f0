import Chronology
import PortalDomain

/// Scheduled payments of scheduled contracts (R-PAY-1): each period's calculated payment with its lines and
/// due date, and the payment run that paid it.
///
/// Tables: `payments` [org, contract, period] → ``ScheduledPaymentEntry``; `schedule-owners` [contract] →
/// org; `unpaid` [due date, org, contract, period] (removed once paid).
public enum ScheduledPaymentsProjection: Projection {
    public static let name = "scheduled-payments"
    public static let version = 1
    public static let tables = ["payments", "schedule-owners", "unpaid"]
    public static let eventTypes = Set(ScheduledPaymentsEvent.payloadTypes.map { $0.eventType })

    public static func apply(_ event: ProjectedEvent, to model: borrowing ReadModelWriter) throws {
        let step = StepRecord(event)
        switch event.payload {
        case let e as ScheduledPaymentCalculated:
            try model.putOwner(e.organisationID, "schedule-owners", e.contractID.rawValue)
            let entry = ScheduledPaymentEntry(payment: e, paid: nil, calculated: step, paidStep: nil)
            try model.moveIndexes(from: [], to: entry.indexEntries)
            try model.put(entry, "payments", ReadModelKey(.text(e.organisationID.rawValue), .text(e.contractID.rawValue), .period(e.period)))
        case let e as ScheduledPaymentPaid:
            let owner = try model.requireOwner("schedule-owners", e.contractID.rawValue, "scheduled contract", for: event)
            let key = ReadModelKey(.text(owner.rawValue), .text(e.contractID.rawValue), .period(e.period))
            let old = try model.require(ScheduledPaymentEntry.self, "payments", key, "scheduled payment \(e.contractID)/\(e.period)", for: event)
            var entry = old
            entry.paid = e
            entry.paidStep = step
            try model.moveIndexes(from: old.indexEntries, to: entry.indexEntries)
            try model.put(entry, "payments", key)
        default:
            return
        }
    }
}

/// One period's scheduled payment of a contract.
public struct ScheduledPaymentEntry: Codable, Sendable, Equatable {
    /// The calculation: due date, weeks in arrears and in advance, one line per CPLI, total.
    public var payment: ScheduledPaymentCalculated
    /// The payment run that paid it.
    public var paid: ScheduledPaymentPaid?
    public var calculated: StepRecord
    public var paidStep: StepRecord?

    var indexEntries: [IndexEntry] {
        guard paid == nil else { return [] }
        return [IndexEntry("unpaid", .date(payment.dueDate), .text(payment.organisationID.rawValue),
                           .text(payment.contractID.rawValue), .period(payment.period))]
    }
}

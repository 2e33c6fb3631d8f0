import Chronology
import PortalDomain

/// Scheduled payments of scheduled contracts (R-PAY-1): each period's calculated payment with its lines and
/// due date, and the payment run that paid it. Both are one event each, kept as the log stored them.
///
/// Tables: `payments` [org, contract, period] → the `ScheduledPaymentCalculated` event (``StoredEvent``);
/// `paid` [org, contract, period] → the `ScheduledPaymentPaid` event; `schedule-owners` [contract] → org;
/// `unpaid` [due date, org, contract, period] (removed once paid); `due` [org, contract, period] → the due date.
public enum ScheduledPaymentsProjection: Projection {
    public static let name = "scheduled-payments"
    public static let version = 1
    public static let tables = ["payments", "paid", "schedule-owners", "unpaid", "due"]
    public static let eventTypes = Set(ScheduledPaymentsEvent.payloadTypes.map { $0.eventType })

    public static func apply(_ event: ProjectedEvent, to model: borrowing ReadModelWriter) throws {
        switch event.payload {
        case let e as ScheduledPaymentCalculated:
            try model.putOwner(e.organisationID, "schedule-owners", e.contractID.rawValue)
            let key = ReadModelKey(.text(e.organisationID.rawValue), .text(e.contractID.rawValue), .period(e.period))
            try model.putEvent(event, "payments", key)
            try model.putBytes(Array(e.dueDate.iso8601.utf8), "due", key)
            try model.putBytes([], "unpaid", ReadModelKey(.date(e.dueDate), .text(e.organisationID.rawValue), .text(e.contractID.rawValue), .period(e.period)))
        case let e as ScheduledPaymentPaid:
            let owner = try model.requireOwner("schedule-owners", e.contractID.rawValue, "scheduled contract", for: event)
            let key = ReadModelKey(.text(owner.rawValue), .text(e.contractID.rawValue), .period(e.period))
            guard let due = try model.getBytes("due", key) else {
                throw ReadModelInconsistency.unknown("scheduled payment \(e.contractID)/\(e.period)", in: event)
            }
            try model.putEvent(event, "paid", key)
            try model.delete("unpaid", ReadModelKey(.text(String(decoding: due, as: UTF8.self)), .text(owner.rawValue), .text(e.contractID.rawValue), .period(e.period)))
        default:
            return
        }
    }
}

/// One period's scheduled payment of a contract.
public struct ScheduledPaymentEntry: Sendable, Equatable {
    /// The calculation: due date, weeks in arrears and in advance, one line per CPLI, total.
    public var payment: ScheduledPaymentCalculated
    /// The payment run that paid it.
    public var paid: ScheduledPaymentPaid?
    public var calculated: StepRecord
    public var paidStep: StepRecord?
}

extension ReadModelReader {
    /// The scheduled payment under `key` with its payment, if any.
    func scheduledPayment(_ key: ReadModelKey) throws -> ScheduledPaymentEntry? {
        guard let calculated = try event(ScheduledPaymentCalculated.self, "payments", key) else { return nil }
        let paid = try event(ScheduledPaymentPaid.self, "paid", key)
        return ScheduledPaymentEntry(payment: calculated.payload, paid: paid?.payload, calculated: calculated.step, paidStep: paid?.step)
    }
}

import Chronology
import PortalDomain

/// Remittance advices per payment run and provider (R-PAY-2): the advice the run recorded, and its CSV and
/// printable text rendered once, when the run is applied, by the domain's pure renderer
/// (`RemittanceAdvice.csv`, `.text`) and stored as bytes — so every download, and every rebuild, gives the
/// same bytes, whose SHA-256 is the one the run recorded (R-PAY-3).
///
/// Tables: `advices` [org, run] → ``RemittanceEntry``; `csv` [org, run] → CSV bytes; `text` [org, run] →
/// text bytes; `by-date` [org, payment date, run]; `runs` [run] → ``PaymentRunEntry``.
public enum RemittancesProjection: Projection {
    public static let name = "remittances"
    public static let version = 1
    public static let tables = ["advices", "csv", "text", "by-date", "runs"]
    public static let eventTypes: Set<String> = [RemittanceIssued.eventType, PaymentRunCompleted.eventType]

    public static func apply(_ event: ProjectedEvent, to model: borrowing ReadModelWriter) throws {
        switch event.payload {
        case let issued as RemittanceIssued:
            let advice = RemittanceAdvice(issued)
            let key = ReadModelKey(.text(issued.organisationID.rawValue), .text(issued.paymentRunID.rawValue))
            try model.put(RemittanceEntry(advice: advice, recordedCSVSHA256: issued.csvSHA256, issued: StepRecord(event)), "advices", key)
            try model.putBytes(advice.csvBytes, "csv", key)
            try model.putBytes(Array(advice.text.utf8), "text", key)
            try model.putBytes([], "by-date", ReadModelKey(
                .text(issued.organisationID.rawValue), .date(issued.paymentDate), .text(issued.paymentRunID.rawValue)))
        case let completed as PaymentRunCompleted:
            try model.put(PaymentRunEntry(run: completed, completed: StepRecord(event)), "runs", ReadModelKey(.text(completed.paymentRunID.rawValue)))
        default:
            return
        }
    }
}

/// One provider's remittance advice of one payment run.
public struct RemittanceEntry: Codable, Sendable, Equatable {
    /// What the run recorded: payment date and reference, one line per invoice, claim, scheduled payment or
    /// credit note line with client, CPLI, period and amount, and the total.
    public var advice: RemittanceAdvice
    /// The SHA-256 of the CSV rendered when the run was made, as the run recorded it.
    public var recordedCSVSHA256: String
    public var issued: StepRecord
}

/// A payment run: what it paid and deducted, its total, who ran it and when.
public struct PaymentRunEntry: Codable, Sendable, Equatable {
    public var run: PaymentRunCompleted
    public var completed: StepRecord
}

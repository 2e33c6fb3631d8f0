import Chronology
import Crypto
import EventLog
import Foundation
import PortalDomain

/// One provider's remittance advice of a payment run, rebuilt from the run's `RemittanceIssued` event alone and
/// rendered by the domain's ``RemittanceAdvice`` (the renderer the read model and the HTTP API use), with the
/// SHA-256 of its CSV beside the one recorded when the run was made (R-PAY-3).
public struct RegeneratedRemittance: Sendable {
    public let paymentRunID: PaymentRunID
    /// The `RemittanceIssued` event it was rebuilt from.
    public let event: RecordedEvent
    public let advice: RemittanceAdvice
    /// The CSV's bytes, as rendered now.
    public let csv: Data
    /// The printable advice, as rendered now.
    public let text: String
    /// Lowercase hex SHA-256 of the CSV when the run was made, as the event records it.
    public let recordedSHA256: String
    /// Lowercase hex SHA-256 of ``csv``.
    public let regeneratedSHA256: String

    /// The CSV rendered now is byte-identical to the one issued.
    public var isIdentical: Bool { recordedSHA256 == regeneratedSHA256 }
    public var organisationID: OrganisationID { advice.organisationID }
}

/// Rebuilds a payment run's remittance advice from the log alone: the `paymentrun-<id>` stream, read through
/// the stream index; no read model is opened.
public enum RemittanceRegeneration {
    /// Every provider's remittance of `run` in the order the run issued them, or only `provider`'s.
    public static func regenerate(run: String, provider: String? = nil, in log: EventLog) throws -> [RegeneratedRemittance] {
        let streamID = PaymentRun.streamID(run)
        guard StreamID.problem(with: streamID) == nil else { throw AuditError.invalid("payment run '\(run)': not a payment run id") }
        let events = try log.readStream(streamID)
        guard !events.isEmpty else { throw AuditError.notFound("payment run \(run)") }
        var regenerated: [RegeneratedRemittance] = []
        for event in events where event.type == RemittanceIssued.eventType {
            let decoded: PaymentRunEvent
            do {
                decoded = try EventRegistry.decode(PaymentRunEvent.self, type: event.type, schemaVersion: event.schemaVersion, payload: event.payload)
            } catch {
                throw AuditError.undecodable(position: event.position, type: event.type, reason: "\(error)")
            }
            guard case .remittanceIssued(let issued) = decoded else { continue }
            let advice = RemittanceAdvice(issued)
            let csv = Data(advice.csvBytes)
            regenerated.append(RegeneratedRemittance(
                paymentRunID: issued.paymentRunID, event: event, advice: advice, csv: csv, text: advice.text,
                recordedSHA256: issued.csvSHA256.lowercased(), regeneratedSHA256: sha256(csv)))
        }
        guard let provider else { return regenerated }
        let chosen = regenerated.filter { $0.organisationID.rawValue == provider }
        guard !chosen.isEmpty else {
            let paid = regenerated.map(\.organisationID.rawValue)
            throw AuditError.invalid("--provider \(provider): payment run \(run) has no remittance for organisation \(provider)"
                + (paid.isEmpty ? "; it issued none" : "; it paid \(paid.joined(separator: ", "))"))
        }
        return chosen
    }

    /// Lowercase hex SHA-256, as payment runs record it.
    public static func sha256(_ bytes: Data) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

import Chronology
import EventLog
import Foundation

extension AuditOutput {
    /// One JSON object on one line, sorted keys, for `--format json`.
    static func jsonLine(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    /// A signed checkpoint just written to `file`.
    public static func checkpoint(_ signed: SignedCheckpoint, file: String, format: AuditFormat) throws -> String {
        struct Row: Encodable { var origin, root, chainHead, time, file: String; var size: UInt64 }
        let checkpoint = signed.checkpoint
        let row = Row(origin: checkpoint.origin, root: checkpoint.root.hex, chainHead: checkpoint.chainHead.hex,
                      time: checkpoint.time.iso8601, file: file, size: checkpoint.size)
        switch format {
        case .table:
            return signed.note + "\ncheckpoint of \(checkpoint.size) events written to \(file)\n"
        case .json:
            return try jsonLine(row)
        case .csv:
            return try csv(header: ["origin", "size", "root", "chainHead", "time", "file"],
                           rows: [[row.origin, String(row.size), row.root, row.chainHead, row.time, row.file]])
        }
    }

    /// The public key that verifies checkpoints.
    public static func publicKey(_ key: VerifierKey, format: AuditFormat) throws -> String {
        struct Row: Encodable { var publicKey, name, keyId: String }
        let keyID = Hex.lowercase(key.keyID)
        switch format {
        case .table: return "\(key)\n"
        case .json: return try jsonLine(Row(publicKey: key.description, name: key.name, keyId: keyID))
        case .csv: return try csv(header: ["publicKey", "name", "keyId"], rows: [[key.description, key.name, keyID]])
        }
    }

    /// An evidence bundle just written to `file`.
    public static func bundle(_ bundle: EvidenceBundle, name: String, checkpointSize size: UInt64, file: String, bytes: Int,
                              milliseconds: Double, format: AuditFormat) throws -> String {
        struct Row: Encodable {
            var subject, stream, file: String
            var events, bytes: Int
            var checkpointSize: UInt64
            var proofHashes: Int
            var milliseconds: Double
        }
        let row = Row(subject: name, stream: bundle.subject.stream, file: file, events: bundle.events.count, bytes: bytes,
                      checkpointSize: size, proofHashes: bundle.events.reduce(0) { $0 + $1.inclusionProof.count },
                      milliseconds: (milliseconds * 10).rounded() / 10)
        switch format {
        case .table:
            var lines = ["\(name): \(row.events) event\(row.events == 1 ? "" : "s") of \(row.stream), each proved in the tree of \(size) events",
                         "(\(row.proofHashes) proof hashes; \(bytes) bytes, made in \(String(format: "%.1f", row.milliseconds)) ms), written to \(file)", ""]
            for event in bundle.events {
                lines.append("  \(event.position)  \(event.recordedAt)  \(event.actor) as \(event.actingAs)  \(event.type)")
            }
            lines += ["", "check it with: tools/verify-evidence.py \(file) --public-key FILE (FILE: what `portal audit public-key` prints)"]
            return lines.joined(separator: "\n") + "\n"
        case .json:
            return try jsonLine(row)
        case .csv:
            return try csv(header: ["subject", "stream", "events", "checkpointSize", "proofHashes", "bytes", "milliseconds", "file"],
                           rows: [[row.subject, row.stream, String(row.events), String(size), String(row.proofHashes), String(bytes),
                                   String(row.milliseconds), file]])
        }
    }

    /// A consistency proof just written to `file`.
    public static func consistency(_ evidence: ConsistencyEvidence, older: UInt64, newer: UInt64, file: String, format: AuditFormat) throws -> String {
        struct Row: Encodable { var older, newer: UInt64; var proofHashes: Int; var file: String }
        let row = Row(older: older, newer: newer, proofHashes: evidence.consistencyProof.count, file: file)
        switch format {
        case .table:
            return "the checkpoint of \(row.newer) events extends the checkpoint of \(row.older) events: proof of \(row.proofHashes) hashes written to \(file)\n"
        case .json:
            return try jsonLine(row)
        case .csv:
            return try csv(header: ["older", "newer", "proofHashes", "file"], rows: [[String(row.older), String(row.newer), String(row.proofHashes), file]])
        }
    }
}

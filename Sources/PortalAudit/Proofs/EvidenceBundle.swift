import Chronology
import EventLog
import Foundation
import PortalDomain

/// The evidence of one record's history for someone outside the council: its events exactly as stored, an
/// inclusion proof of each in the log's Merkle tree at a signed checkpoint, and that checkpoint — nothing of any
/// other stream. `tools/verify-evidence.py` checks it with the deployment's public key alone.
///
/// A JSON document (sorted keys, hashes in lowercase hex):
///
/// - `format`: `provider-portal-evidence/1`.
/// - `subject`: `kind` (`invoice`, `credit-note`, `claim`, `payment-run` or `remittance`), `stream` (the stream
///   id), `selection`: `stream` (every event of the stream up to the checkpoint, versions 1, 2, 3 …) or
///   `remittance` (only the `RemittanceIssued` event(s) of the payment run for `organisation`, which is given).
/// - `checkpoint`: the signed checkpoint (``SignedCheckpoint``), verbatim.
/// - `events`, in position order, each: `record` (the stored bytes, hex, laid out as ``RecordCodec`` documents,
///   its chain hash last), `previousHash` (the chain hash of the event before it in the log, which the record's
///   hash covers), `hash` (the record's chain hash), `leafHash` (`SHA-256(0x00 ‖ hash)`), `inclusionProof` (RFC
///   9162 audit path at the checkpoint's size, nearest the leaf first), and, for reading, what the record
///   holds: `position`, `stream`, `version`, `eventId`, `type`, `schemaVersion`, `recordedAt`, `actor`,
///   `actingAs`, `correlationId` and `causationId` (when set) and `payload` (its JSON). The verifier checks
///   each of these against the record.
public struct EvidenceBundle: Encodable, Sendable, Equatable {
    public static let format = "provider-portal-evidence/1"

    public struct Subject: Encodable, Sendable, Equatable {
        public var kind: String
        public var stream: String
        public var selection: String
        public var organisation: String?
    }

    public struct Event: Encodable, Sendable, Equatable {
        public var position: UInt64
        public var stream: String
        public var version: UInt64
        public var eventId: String
        public var type: String
        public var schemaVersion: Int
        public var recordedAt: String
        public var actor: String
        public var actingAs: String
        public var correlationId: String?
        public var causationId: String?
        public var payload: JSONTree
        public var record: String
        public var previousHash: String
        public var hash: String
        public var leafHash: String
        public var inclusionProof: [String]
    }

    public var format: String
    public var subject: Subject
    public var checkpoint: String
    public var events: [Event]

    /// What a bundle is about: a whole stream, or one provider's remittance of a payment run.
    public enum Selection: Sendable, Equatable {
        case stream
        case remittance(organisation: String)
    }

    /// The bundle of `streamID` (or the part `selection` names) at `checkpoint`, which must be of `log`.
    public static func make(kind: String, streamID: String, selection: Selection, checkpoint: SignedCheckpoint, in log: EventLog) throws -> EvidenceBundle {
        if let mismatch = try checkpoint.checkpoint.mismatch(with: log) { throw AuditError.failed(mismatch) }
        let size = checkpoint.checkpoint.size
        var events: [Event] = []
        for event in try log.readStream(streamID) where event.position <= size {
            let payload = try JSONTree(json: event.payload)
            if case .remittance(let organisation) = selection {
                guard event.type == RemittanceIssued.eventType, payload["organisationID"] == .string(organisation) else { continue }
            }
            guard let record = try log.storedRecord(at: event.position) else {
                throw AuditError.failed("the event at position \(event.position) vanished while the bundle was made")
            }
            let previous = event.position == 1 ? ChainHash.genesis : try log.hash(at: event.position - 1) ?? .genesis
            let proof = try log.inclusionProof(position: event.position, treeSize: size)
            events.append(Event(
                position: event.position, stream: event.streamID, version: event.streamVersion, eventId: event.id.uuidString.lowercased(),
                type: event.type, schemaVersion: event.schemaVersion, recordedAt: event.recordedAt.iso8601,
                actor: event.actor.who, actingAs: event.actor.actingAs,
                correlationId: event.correlationID?.uuidString.lowercased(), causationId: event.causationID?.uuidString.lowercased(),
                payload: payload, record: Hex.lowercase(record), previousHash: previous.hex, hash: event.hash.hex,
                leafHash: MerkleTree.leafHash(chainHash: event.hash).hex, inclusionProof: proof.map(\.hex)))
        }
        guard !events.isEmpty else {
            switch selection {
            case .stream: throw AuditError.invalid("\(streamID) has no events at or before the checkpoint's size \(size)")
            case .remittance(let organisation):
                throw AuditError.invalid("\(streamID) issued no remittance to organisation \(organisation) at or before the checkpoint's size \(size)")
            }
        }
        let organisation: String? = if case .remittance(let organisation) = selection { organisation } else { nil }
        return EvidenceBundle(
            format: format,
            subject: Subject(kind: kind, stream: streamID, selection: organisation == nil ? "stream" : "remittance", organisation: organisation),
            checkpoint: checkpoint.note, events: events)
    }

    /// The bundle as a readable JSON document.
    public func json() throws -> Data {
        try EvidenceJSON.encode(self)
    }
}

/// The proof that a later checkpoint's tree extends an earlier one's: both signed checkpoints and the RFC 9162
/// consistency proof between them (`format` `provider-portal-consistency/1`, hashes in lowercase hex).
public struct ConsistencyEvidence: Codable, Sendable, Equatable {
    public static let format = "provider-portal-consistency/1"

    public var format: String
    public var older: String
    public var newer: String
    public var consistencyProof: [String]

    /// The proof between two checkpoints of `log`, each checked against the log first.
    public static func make(older: SignedCheckpoint, newer: SignedCheckpoint, in log: EventLog) throws -> ConsistencyEvidence {
        guard older.checkpoint.size <= newer.checkpoint.size else {
            throw AuditError.invalid("the first checkpoint (\(older.checkpoint.size) events) is later than the second (\(newer.checkpoint.size)); give the earlier one first")
        }
        for checkpoint in [older, newer] {
            if let mismatch = try checkpoint.checkpoint.mismatch(with: log) { throw AuditError.failed(mismatch) }
        }
        let proof = try log.consistencyProof(from: older.checkpoint.size, to: newer.checkpoint.size)
        guard MerkleTree.verifyConsistency(oldSize: older.checkpoint.size, newSize: newer.checkpoint.size,
                                           oldRoot: older.checkpoint.root, newRoot: newer.checkpoint.root, path: proof) else {
            throw AuditError.failed("the log's tree does not prove that checkpoint \(newer.checkpoint.size) extends checkpoint \(older.checkpoint.size)")
        }
        return ConsistencyEvidence(format: format, older: older.note, newer: newer.note, consistencyProof: proof.map(\.hex))
    }

    public func json() throws -> Data {
        try EvidenceJSON.encode(self)
    }
}

enum EvidenceJSON {
    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value) + Data("\n".utf8)
    }
}

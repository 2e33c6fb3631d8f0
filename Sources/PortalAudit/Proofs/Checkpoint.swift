import Chronology
import EventLog
import Foundation

/// A signed statement of the log's Merkle tree at one size: a C2SP signed note whose text is a tlog-checkpoint.
///
/// ```
/// provider-portal/3f2a9c0b1d4e5f60            origin: names the log (below)
/// 1002930                                     tree size: events 1 … 1002930
/// q1Ubx4…=                                    the tree's root, base64 (RFC 9162 hash, see ``TreeHash``)
/// chain-head 5b1f…e9                           the chain hash of event 1002930, lowercase hex
/// time 2026-12-07T10:00:00.000000Z             when the checkpoint was signed (UTC)
///
/// — provider-portal/3f2a9c0b1d4e5f60 AbCd…     key name, base64(4-byte key id ‖ 64-byte Ed25519 signature)
/// ```
///
/// The signature covers the text up to and including its last newline (the five lines), not the blank line
/// or the signature line. The origin is `provider-portal/` and the first 16 hex digits of the chain hash of the
/// log's first event, which covers that event's random id and time: it names this log and no other, survives
/// a backup and restore and a key rotation, and is also the signing key's name.
public struct Checkpoint: Sendable, Equatable {
    public var origin: String
    public var size: UInt64
    public var root: TreeHash
    public var chainHead: ChainHash
    /// When it was signed.
    public var time: Timestamp

    public init(origin: String, size: UInt64, root: TreeHash, chainHead: ChainHash, time: Timestamp) {
        self.origin = origin
        self.size = size
        self.root = root
        self.chainHead = chainHead
        self.time = time
    }

    /// The note text that is signed.
    public var text: String {
        "\(origin)\n\(size)\n\(Data(root.bytes).base64EncodedString())\nchain-head \(chainHead.hex)\ntime \(time.iso8601)\n"
    }

    /// The origin of the log: `provider-portal/` and 16 hex digits of its first event's chain hash.
    public static func origin(of log: EventLog) throws -> String {
        guard let first = try log.hash(at: 1) else {
            throw AuditError.invalid("the log is empty: there is nothing to sign yet")
        }
        return "provider-portal/" + first.hex.prefix(16)
    }

    /// A checkpoint of the log's head now, with `time` as its time.
    public static func head(of log: EventLog, time: Timestamp) throws -> Checkpoint {
        let head = try log.treeHead()
        guard head.size > 0 else { throw AuditError.invalid("the log is empty: there is nothing to sign yet") }
        return Checkpoint(origin: try origin(of: log), size: head.size, root: head.root, chainHead: head.chainHead, time: time)
    }

    /// Whether `log` holds this checkpoint: the same origin, at least `size` events, and the same root and chain
    /// hash at that size. Nil when it does, else why not.
    public func mismatch(with log: EventLog) throws -> String? {
        let origin = try Self.origin(of: log)
        guard origin == self.origin else { return "the checkpoint is of log \(self.origin), not of this log (\(origin))" }
        let head = try log.head().position
        guard head >= size else { return "the checkpoint covers \(size) events but the log holds \(head): events were removed" }
        let tree = try log.treeHead(size: size)
        guard tree.chainHead == chainHead else {
            return "the log's chain hash at position \(size) is \(tree.chainHead.hex), not the checkpoint's \(chainHead.hex): an event at or before it was changed"
        }
        guard tree.root == root else {
            return "the log's tree root at size \(size) is \(tree.root.hex), not the checkpoint's \(root.hex): an event at or before it was changed"
        }
        return nil
    }
}

/// A checkpoint with its signature line: the file `portal audit checkpoint --output` writes.
public struct SignedCheckpoint: Sendable, Equatable {
    public var checkpoint: Checkpoint
    /// The whole signed note, exactly as written and read.
    public var note: String

    /// Signs `checkpoint` with `key` under the checkpoint's origin as key name.
    public static func sign(_ checkpoint: Checkpoint, with key: CheckpointSigningKey) throws -> SignedCheckpoint {
        let text = checkpoint.text
        let verifier = key.verifierKey(name: checkpoint.origin)
        let signature = try key.sign(Array(text.utf8))
        let line = "\u{2014} \(checkpoint.origin) \(Data(verifier.keyID + signature).base64EncodedString())\n"
        return SignedCheckpoint(checkpoint: checkpoint, note: text + "\n" + line)
    }

    /// Parses a signed checkpoint and checks its signature by `key` (whose name must be its origin).
    public static func verify(_ note: String, with key: VerifierKey) throws -> SignedCheckpoint {
        guard let split = note.range(of: "\n\n", options: .backwards) else {
            throw AuditError.invalid("the checkpoint is not a signed note (no blank line before a signature)")
        }
        let text = String(note[..<split.lowerBound]) + "\n"
        let signatures = note[split.upperBound...].split(separator: "\n")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard lines.count == 5, let size = UInt64(lines[1]), String(size) == lines[1],
              let rootBytes = Data(base64Encoded: String(lines[2])), let root = TreeHash(bytes: rootBytes),
              lines[3].hasPrefix("chain-head "), let chainHead = ChainHash(hex: String(lines[3].dropFirst("chain-head ".count))),
              lines[4].hasPrefix("time "), let time = Timestamp(iso8601: String(lines[4].dropFirst("time ".count))) else {
            throw AuditError.invalid("the checkpoint's text is not origin, size, root, chain-head and time lines as `portal audit checkpoint` writes them")
        }
        let checkpoint = Checkpoint(origin: String(lines[0]), size: size, root: root, chainHead: chainHead, time: time)
        guard checkpoint.text == text else { throw AuditError.invalid("the checkpoint's text is not in its canonical form") }
        guard key.name == checkpoint.origin else {
            throw AuditError.failed("the public key is named \(key.name), but the checkpoint is of \(checkpoint.origin)")
        }
        for line in signatures {
            let parts = line.split(separator: " ")
            guard parts.count == 3, parts[0] == "\u{2014}", parts[1] == key.name,
                  let raw = Data(base64Encoded: String(parts[2])), raw.count == 68, Array(raw.prefix(4)) == key.keyID else { continue }
            guard key.isValidSignature(Array(raw.dropFirst(4)), of: Array(text.utf8)) else {
                throw AuditError.failed("the checkpoint's signature by \(key.name) does not verify: the checkpoint or its signature was changed")
            }
            return SignedCheckpoint(checkpoint: checkpoint, note: note)
        }
        throw AuditError.failed("the checkpoint carries no signature by the key \(key)")
    }
}

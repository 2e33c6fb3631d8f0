import Chronology
import EventLog
import Foundation

/// The head of the log at one moment: position and chain hash. An auditor keeps it outside the system; later
/// the log must still contain it unchanged and only have grown after it.
public struct LogDigest: Codable, Equatable, Sendable {
    public var position: UInt64
    public var hash: String
    public var recordedAt: Timestamp?

    public init(position: UInt64, hash: String, recordedAt: Timestamp?) {
        self.position = position
        self.hash = hash
        self.recordedAt = recordedAt
    }

    /// The digest of the log's head now.
    public init(of log: EventLog) throws {
        let head = try log.head()
        self.init(position: head.position, hash: head.hash.hex, recordedAt: head.recordedAt)
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    public static func read(_ data: Data) throws -> LogDigest {
        do {
            return try JSONDecoder().decode(LogDigest.self, from: data)
        } catch {
            throw AuditError.invalid("the digest file is not a digest written by `portal audit digest`: \(error)")
        }
    }
}

/// The outcome of checking the log against a kept digest.
public struct DigestCheck: Sendable, Equatable {
    /// Events verified: the whole chain up to the head.
    public var verifiedCount: Int
    /// The first position that fails, and why; nil when the log holds the digest unchanged and only grew.
    public var failure: ChainFailure?
    /// Events appended after the digest.
    public var grownBy: UInt64

    /// Recomputes the chain (and the Merkle tree) from position 1 to the head, noting the hash found at the
    /// digest's position, and compares it with the kept one: any change at or before that position changes it.
    public static func check(_ log: EventLog, against digest: LogDigest, progress: ((UInt64) -> Void)? = nil) throws -> DigestCheck {
        let head = try log.head().position
        guard head >= digest.position else {
            return DigestCheck(verifiedCount: 0, failure: ChainFailure(position: head + 1,
                reason: "the log ends at position \(head), before the digest's position \(digest.position): events were removed"), grownBy: 0)
        }
        let verification = try log.verify(from: 1, through: head, marking: digest.position, progress: progress)
        if let failure = verification.failure, failure.position <= digest.position || verification.marked == nil {
            return DigestCheck(verifiedCount: verification.verifiedCount, failure: failure, grownBy: head - digest.position)
        }
        if let marked = verification.marked, marked.chainHead.hex != digest.hash.lowercased() {
            return DigestCheck(verifiedCount: verification.verifiedCount, failure: ChainFailure(position: digest.position,
                reason: "the chain through position \(digest.position) now ends in \(marked.chainHead.hex), not the kept \(digest.hash): an event at or before it was changed"),
                grownBy: head - digest.position)
        }
        return DigestCheck(verifiedCount: verification.verifiedCount, failure: verification.failure, grownBy: head - digest.position)
    }
}

/// What `portal audit verify` found: how many events verified, the first failure if any, the Merkle tree's root
/// over them, and, when checked against a kept digest or signed checkpoint, that and how much the log grew after it.
public struct VerificationReport: Sendable, Equatable {
    public var verifiedCount: Int
    public var failure: ChainFailure?
    public var digest: LogDigest?
    public var checkpoint: Checkpoint?
    public var grownBy: UInt64?
    /// The tree's root over the events verified, recomputed from their records.
    public var treeRoot: TreeHash?
    /// Stored tree nodes found equal to the recomputed ones.
    public var treeNodesChecked: Int
    /// Events verified per second, for the reader; nil when too fast to tell.
    public var eventsPerSecond: Int?

    public init(verifiedCount: Int, failure: ChainFailure?, digest: LogDigest? = nil, checkpoint: Checkpoint? = nil, grownBy: UInt64? = nil,
                treeRoot: TreeHash? = nil, treeNodesChecked: Int = 0, eventsPerSecond: Int? = nil) {
        self.verifiedCount = verifiedCount
        self.failure = failure
        self.digest = digest
        self.checkpoint = checkpoint
        self.grownBy = grownBy
        self.treeRoot = treeRoot
        self.treeNodesChecked = treeNodesChecked
        self.eventsPerSecond = eventsPerSecond
    }

    public var isVerified: Bool { failure == nil }
}

/// Checks the log against a signed checkpoint (its signature already checked): the whole chain and tree are
/// verified, the chain hash and tree root found at the checkpoint's size must be the signed ones (so the events
/// up to it are unchanged), and every event after it verifies (so the log only grew).
public enum CheckpointCheck {
    public static func check(_ log: EventLog, against checkpoint: Checkpoint, progress: ((UInt64) -> Void)? = nil) throws -> VerificationReport {
        let origin = try Checkpoint.origin(of: log)
        let head = try log.head().position
        func report(_ verified: Int, _ failure: ChainFailure?, root: TreeHash? = nil, nodes: Int = 0) -> VerificationReport {
            VerificationReport(verifiedCount: verified, failure: failure, checkpoint: checkpoint, grownBy: head >= checkpoint.size ? head - checkpoint.size : 0,
                               treeRoot: root, treeNodesChecked: nodes)
        }
        guard origin == checkpoint.origin else {
            return report(0, ChainFailure(position: 1, reason: "the checkpoint is of log \(checkpoint.origin), not of this log (\(origin))"))
        }
        guard head >= checkpoint.size else {
            return report(0, ChainFailure(position: head + 1,
                reason: "the log ends at position \(head), before the checkpoint's size \(checkpoint.size): events were removed"))
        }
        let verification = try log.verify(from: 1, through: head, marking: checkpoint.size, progress: progress)
        let verified = verification.verifiedCount
        if let failure = verification.failure, failure.position <= checkpoint.size || verification.marked == nil {
            return report(verified, failure, nodes: verification.treeNodesChecked)
        }
        if let marked = verification.marked {
            if marked.chainHead != checkpoint.chainHead {
                return report(verified, ChainFailure(position: checkpoint.size,
                    reason: "the chain at position \(checkpoint.size) now ends in \(marked.chainHead.hex), not the signed \(checkpoint.chainHead.hex): an event at or before it was changed"),
                    nodes: verification.treeNodesChecked)
            }
            if marked.root != checkpoint.root {
                return report(verified, ChainFailure(position: checkpoint.size,
                    reason: "the tree of the first \(checkpoint.size) events now has root \(marked.root.hex), not the signed \(checkpoint.root.hex): an event at or before it was changed"),
                    nodes: verification.treeNodesChecked)
            }
        }
        return report(verified, verification.failure, root: verification.treeRoot, nodes: verification.treeNodesChecked)
    }
}

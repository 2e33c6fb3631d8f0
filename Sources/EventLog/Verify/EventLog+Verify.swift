import Chronology
import Crypto
import Foundation
import LMDB

/// The result of walking the hash chain (and, from position 1, the Merkle tree).
public struct ChainVerification: Sendable, Equatable, CustomStringConvertible {
    /// The first position checked.
    public var from: UInt64
    /// How many events were checked and found whole before a failure or the end.
    public var verifiedCount: Int
    /// The hash of the last event checked and found whole.
    public var lastVerifiedHash: ChainHash
    /// The first event that fails, if any.
    public var failure: ChainFailure?
    /// From position 1: the Merkle tree's root over the events found whole, recomputed from their records.
    public var treeRoot: TreeHash?
    /// Stored tree nodes compared with the recomputed ones (the stored tree may cover fewer events than the
    /// log when it was written without the tree and opened read-only since).
    public var treeNodesChecked: Int = 0
    /// The chain hash and tree head at the position asked to be marked, once reached and found whole.
    public var marked: TreeHead?

    public var isIntact: Bool { failure == nil }

    public var description: String {
        if let failure {
            return "chain broken at position \(failure.position): \(failure.reason) (\(verifiedCount) events verified before it)"
        }
        return "all \(verifiedCount) events verified from position \(from)" + (treeRoot.map { "; tree root \($0.hex)" } ?? "")
    }
}

/// Where and why the chain fails.
public struct ChainFailure: Sendable, Equatable {
    public var position: UInt64
    public var reason: String

    public init(position: UInt64, reason: String) {
        self.position = position
        self.reason = reason
    }
}

extension EventLog {
    /// Walks the chain from `position`, recomputing each event's hash from its stored bytes and the hash
    /// before it, and reports the first event that does not match (or that every event verified). From
    /// position 1 it also rebuilds the Merkle tree from the records and compares every stored node with the
    /// recomputed one, so a record changed together with its own hash fails at its own position.
    ///
    /// - Parameters:
    ///   - through: the last position to check (the head when nil).
    ///   - mark: a position (≥ 1, from position 1 only) whose chain hash and tree head to report in
    ///     ``ChainVerification/marked``, to compare with a kept digest or checkpoint.
    ///   - progress: called after each chunk with the last position checked.
    public func verify(from position: UInt64 = 1, through: UInt64? = nil, marking mark: UInt64? = nil,
                       progress: ((UInt64) -> Void)? = nil) throws -> ChainVerification {
        let start = max(position, 1)
        var previous = ChainHash.genesis
        if start > 1 {
            guard let before = try environment.read({ txn in
                try txn.get(db.events, .bigEndian(start - 1)).map { RecordCodec.hash(of: $0) }
            }) else {
                return ChainVerification(from: start, verifiedCount: 0, lastVerifiedHash: .genesis,
                                         failure: ChainFailure(position: start - 1, reason: "no event at position \(start - 1), where the chain should continue"))
            }
            previous = before
        }
        let (head, coverage, recordedCoverage) = try environment.read { txn in
            (try Self.readHead(txn, db).position, try StoredTree(txn, db).coverage,
             try txn.get(db.meta, StoredTree.coverageKey).map { $0.loadBigEndianUInt64(at: 0) } ?? 0)
        }
        var walk = ChainWalk(start: start, last: through ?? head, mark: mark, coverage: coverage, previous: previous)
        if walk.checksTree && db.merkle == nil && recordedCoverage > 0 {
            // The meta database says the tree covers events, but the tree's database is not there (a copy that
            // left it behind): proofs from this log would fail.
            walk.result.failure = ChainFailure(position: 1, reason: "the Merkle tree covers \(recordedCoverage) events but its nodes are not in the log")
            return walk.result
        }
        if walk.checksTree && coverage > head {
            walk.result.failure = ChainFailure(position: head + 1, reason: "the Merkle tree covers \(coverage) events but the log holds \(head): events were removed")
            return walk.result
        }
        while walk.expected <= walk.last {
            let failure: ChainFailure? = try environment.read { txn in
                try txn.withCursor(db.events) { cursor in
                    try withTreeNodes(txn, checksTree: walk.checksTree) { nodes in try walk.chunk(&cursor, &nodes) }
                }
            }
            walk.result.lastVerifiedHash = ChainHash(bytes: walk.previousHash.bytes)!
            if let failure {
                walk.result.failure = failure
                return walk.result
            }
            progress?(walk.expected - 1)
        }
        if walk.checksTree {
            walk.result.treeRoot = walk.frontier.root
            // No stored node may lie beyond the events verified when they are the whole log.
            if walk.last == head, let merkle = db.merkle, let extra = try environment.read({ txn in
                try txn.withCursor(merkle) { cursor in try cursor.last().map { $0.key.loadBigEndianUInt64(at: 0) + 1 } }
            }), extra > head {
                walk.result.failure = ChainFailure(position: extra, reason: "the Merkle tree holds a node that ends at position \(extra), beyond the log's last event")
            }
        }
        return walk.result
    }

    /// Runs `body` with a cursor on the stored Merkle tree nodes when the tree is checked and the log has one.
    private func withTreeNodes<T>(_ txn: borrowing LMDBTransaction, checksTree: Bool, _ body: (inout LMDBCursor?) throws -> T) throws -> T {
        guard checksTree, let merkle = db.merkle else {
            var none: LMDBCursor?
            return try body(&none)
        }
        return try txn.withCursor(merkle) { cursor in
            var some: LMDBCursor? = cursor
            return try body(&some)
        }
    }

    /// The stored chain hash of the event at `position`, to compare with a digest kept outside the system.
    public func hash(at position: UInt64) throws -> ChainHash? {
        try environment.read { txn in
            try txn.get(db.events, .bigEndian(position)).map { RecordCodec.hash(of: $0) }
        }
    }
}

/// The state of one verification as it walks the records, chunk by chunk (one read transaction each). The walk
/// is a value mutated through `inout`, so the loop over millions of events pays no dynamic exclusivity checks.
private struct ChainWalk {
    static let chunkSize = 50_000

    let last: UInt64
    let mark: UInt64?
    let coverage: UInt64
    let checksTree: Bool
    var expected: UInt64
    /// The previous chain hash, kept inline (no allocation per event).
    var previousHash: TreeHash
    var frontier = MerkleFrontier()
    var completed: [(level: Int, index: UInt64, hash: TreeHash)] = []
    var result: ChainVerification

    init(start: UInt64, last: UInt64, mark: UInt64?, coverage: UInt64, previous: ChainHash) {
        self.last = last
        self.mark = mark
        self.coverage = coverage
        self.checksTree = start == 1
        self.expected = start
        self.previousHash = TreeHash(bytes: previous.bytes)!
        self.result = ChainVerification(from: start, verifiedCount: 0, lastVerifiedHash: previous, failure: nil)
        completed.reserveCapacity(64)
    }

    /// Checks up to ``chunkSize`` events from ``expected`` with `cursor`, comparing the tree's nodes as they complete
    /// with `nodes` (stored nodes come in key order as the walk completes them: one cursor step each).
    mutating func chunk(_ cursor: inout LMDBCursor, _ nodes: inout LMDBCursor?) throws -> ChainFailure? {
        var node = try nodes?.seek(atOrAfter: .bigEndian(expected - 1) + [0])
        var entry = try cursor.seek(atOrAfter: .bigEndian(expected))
        var done = 0
        while let current = entry, done < Self.chunkSize, expected <= last {
            let key = current.key.count == 8 ? current.key.loadBigEndianUInt64(at: 0) : 0
            guard key == expected else {
                return ChainFailure(position: expected, reason: "position \(expected) is missing (the next stored key is \(key))")
            }
            if let problem = RecordCodec.layoutProblem(current.value) {
                return ChainFailure(position: expected, reason: "the record does not decode: \(problem)")
            }
            let (body, stored) = try RecordCodec.split(current.value)
            let recordPosition = RecordCodec.position(of: current.value)
            guard recordPosition == expected else {
                return ChainFailure(position: expected, reason: "the record stored at position \(expected) says position \(recordPosition)")
            }
            var hasher = SHA256()
            previousHash.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            hasher.update(bufferPointer: body)
            let computed = TreeHash(digest: hasher.finalize())
            guard computed.withUnsafeBytes({ memcmp($0.baseAddress!, stored.baseAddress!, ChainHash.byteCount) == 0 }) else {
                return ChainFailure(position: expected, reason: "hash mismatch: stored \(Hex.lowercase(stored)), computed \(computed.hex)")
            }
            if checksTree {
                frontier.append(leaf: MerkleTree.leafHash(chainHash: stored)) { completed.append(($0, $1, $2)) }
                for made in completed where (made.index + 1) << UInt64(made.level) <= coverage {
                    let first = made.index << UInt64(made.level) + 1
                    let lastLeaf = (made.index + 1) << UInt64(made.level)
                    guard let storedNode = node, storedNode.key.count == 9,
                          storedNode.key.loadBigEndianUInt64(at: 0) == lastLeaf - 1, Int(storedNode.key[8]) == made.level else {
                        return ChainFailure(position: expected, reason: "the Merkle tree's node over positions \(first)–\(lastLeaf) is missing")
                    }
                    guard storedNode.value.count == TreeHash.byteCount,
                          made.hash.withUnsafeBytes({ memcmp($0.baseAddress!, storedNode.value.baseAddress!, TreeHash.byteCount) == 0 }) else {
                        return ChainFailure(position: expected, reason: "the Merkle tree's node over positions \(first)–\(lastLeaf) is "
                            + "\(TreeHash(bytes: storedNode.value)?.hex ?? "malformed") but the records give \(made.hash.hex)")
                    }
                    result.treeNodesChecked += 1
                    node = try nodes?.next()
                }
                completed.removeAll(keepingCapacity: true)
            }
            previousHash = computed
            result.verifiedCount += 1
            if expected == mark, checksTree {
                let micros = Int64(bitPattern: current.value.loadBigEndianUInt64(at: 33))
                result.marked = TreeHead(size: expected, root: frontier.root, chainHead: ChainHash(bytes: computed.bytes)!,
                                         recordedAt: .init(microsecondsSince1970: micros))
            }
            expected += 1
            done += 1
            entry = try cursor.next()
        }
        if entry == nil, expected <= last {
            return ChainFailure(position: expected, reason: "position \(expected) is missing (the log ends at \(expected - 1))")
        }
        return nil
    }
}

import Chronology
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
        let chunk = 50_000
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
        let (head, coverage) = try environment.read { txn in (try Self.readHead(txn, db).position, try StoredTree(txn, db).coverage) }
        let last = through ?? head
        let checksTree = start == 1
        var frontier = MerkleFrontier()
        var result = ChainVerification(from: start, verifiedCount: 0, lastVerifiedHash: previous, failure: nil)
        if checksTree && coverage > head {
            result.failure = ChainFailure(position: head + 1, reason: "the Merkle tree covers \(coverage) events but the log holds \(head): events were removed")
            return result
        }
        var expected = start
        var completed: [(level: Int, index: UInt64, hash: TreeHash)] = []
        while expected <= last {
            let failure: ChainFailure? = try environment.read { txn in
                try txn.withCursor(db.events) { cursor in
                    var entry = try cursor.seek(atOrAfter: .bigEndian(expected))
                    var done = 0
                    while let current = entry, done < chunk, expected <= last {
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
                        let computed = RecordCodec.chainHash(previous: previous, body: body)
                        guard computed.bytes.elementsEqual(stored) else {
                            return ChainFailure(position: expected, reason: "hash mismatch: stored \(ChainHash(bytes: stored)!.hex), computed \(computed.hex)")
                        }
                        if checksTree {
                            frontier.append(leaf: MerkleTree.leafHash(chainHash: stored)) { completed.append(($0, $1, $2)) }
                            if let merkle = db.merkle {
                                for node in completed where (node.index + 1) << UInt64(node.level) <= coverage {
                                    let first = node.index << UInt64(node.level) + 1
                                    let lastLeaf = (node.index + 1) << UInt64(node.level)
                                    guard let storedNode = try txn.get(merkle, MerkleTree.nodeKey(level: node.level, index: node.index)) else {
                                        return ChainFailure(position: expected, reason: "the Merkle tree's node over positions \(first)–\(lastLeaf) is missing")
                                    }
                                    guard node.hash.withUnsafeBytes({ storedNode.elementsEqual($0) }) else {
                                        return ChainFailure(position: expected, reason: "the Merkle tree's node over positions \(first)–\(lastLeaf) is "
                                            + "\(TreeHash(bytes: storedNode)?.hex ?? "malformed") but the records give \(node.hash.hex)")
                                    }
                                    result.treeNodesChecked += 1
                                }
                            }
                            completed.removeAll(keepingCapacity: true)
                        }
                        previous = computed
                        result.verifiedCount += 1
                        if expected == mark, checksTree {
                            let micros = Int64(bitPattern: current.value.loadBigEndianUInt64(at: 33))
                            result.marked = TreeHead(size: expected, root: frontier.root, chainHead: computed, recordedAt: .init(microsecondsSince1970: micros))
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
            result.lastVerifiedHash = previous
            if let failure {
                result.failure = failure
                return result
            }
            progress?(expected - 1)
        }
        if checksTree {
            result.treeRoot = frontier.root
            // No stored node may lie beyond the events verified when they are the whole log.
            if last == head, let merkle = db.merkle, let extra = try environment.read({ txn in
                try txn.withCursor(merkle) { cursor in try cursor.last().map { $0.key.loadBigEndianUInt64(at: 0) + 1 } }
            }), extra > head {
                result.failure = ChainFailure(position: extra, reason: "the Merkle tree holds a node that ends at position \(extra), beyond the log's last event")
            }
        }
        return result
    }

    /// The stored chain hash of the event at `position`, to compare with a digest kept outside the system.
    public func hash(at position: UInt64) throws -> ChainHash? {
        try environment.read { txn in
            try txn.get(db.events, .bigEndian(position)).map { RecordCodec.hash(of: $0) }
        }
    }
}

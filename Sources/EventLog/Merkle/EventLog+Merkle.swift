import Chronology
import LMDB

/// The log's Merkle tree at one size: what a signed checkpoint states.
public struct TreeHead: Sendable, Equatable {
    /// Leaves: the events at positions 1 through `size`.
    public var size: UInt64
    /// RFC 9162's Merkle tree hash of those leaves.
    public var root: TreeHash
    /// The chain hash of the event at position `size` (the genesis hash for an empty tree).
    public var chainHead: ChainHash
    /// When that event was recorded; nil for an empty tree.
    public var recordedAt: Timestamp?

    public init(size: UInt64, root: TreeHash, chainHead: ChainHash, recordedAt: Timestamp?) {
        self.size = size
        self.root = root
        self.chainHead = chainHead
        self.recordedAt = recordedAt
    }
}

extension EventLog {
    /// The tree head at `size` (the head of the log when nil), read in one transaction.
    public func treeHead(size: UInt64? = nil) throws -> TreeHead {
        try environment.read { txn in
            let head = try Self.readHead(txn, db)
            let size = size ?? head.position
            guard size <= head.position else {
                throw EventLogError.outOfRange("the log holds \(head.position) events; there is no tree of \(size)")
            }
            let tree = try StoredTree(txn, db)
            guard size > 0 else { return TreeHead(size: 0, root: .emptyTree, chainHead: .genesis, recordedAt: nil) }
            guard let record = try txn.get(db.events, .bigEndian(size)) else {
                throw EventLogError.corrupt("position \(size) holds no event")
            }
            let micros = Int64(bitPattern: record.loadBigEndianUInt64(at: 33))
            return TreeHead(size: size, root: try tree.hash(start: 0, count: size, txn), chainHead: RecordCodec.hash(of: record),
                            recordedAt: Timestamp(microsecondsSince1970: micros))
        }
    }

    /// The inclusion proof of the event at `position` in the tree of `treeSize` leaves (RFC 9162 2.1.3.1),
    /// nearest the leaf first; check it with ``MerkleTree/root(fromInclusionProof:leafIndex:treeSize:leafHash:)``.
    public func inclusionProof(position: UInt64, treeSize: UInt64) throws -> [TreeHash] {
        guard position >= 1, position <= treeSize else {
            throw EventLogError.outOfRange("position \(position) is not in a tree of \(treeSize) events")
        }
        return try environment.read { txn in
            guard try Self.readHead(txn, db).position >= treeSize else {
                throw EventLogError.outOfRange("the log holds fewer than \(treeSize) events")
            }
            return try StoredTree(txn, db).path(position - 1, start: 0, count: treeSize, txn)
        }
    }

    /// The consistency proof that the tree of `newSize` leaves extends the tree of `oldSize` (RFC 9162 2.1.4.1);
    /// empty when the sizes are equal or `oldSize` is 0.
    public func consistencyProof(from oldSize: UInt64, to newSize: UInt64) throws -> [TreeHash] {
        guard oldSize <= newSize else {
            throw EventLogError.outOfRange("a tree of \(newSize) events cannot extend one of \(oldSize)")
        }
        if oldSize == 0 || oldSize == newSize { return [] }
        return try environment.read { txn in
            guard try Self.readHead(txn, db).position >= newSize else {
                throw EventLogError.outOfRange("the log holds fewer than \(newSize) events")
            }
            return try StoredTree(txn, db).subproof(oldSize, start: 0, count: newSize, complete: true, txn)
        }
    }

    /// The bytes stored for the event at `position`, exactly as ``RecordCodec`` documents them (its chain hash
    /// last); nil when there is no such event.
    public func storedRecord(at position: UInt64) throws -> [UInt8]? {
        try environment.read { txn in try txn.get(db.events, .bigEndian(position)).map { Array($0) } }
    }

    /// The leaves the stored tree covers; the writer keeps it equal to the head (see ``Options/keepsMerkleTree``).
    public func treeCoverage() throws -> UInt64 {
        try environment.read { txn in try StoredTree(txn, db).coverage }
    }
}

import LMDB

/// The Merkle tree as stored in one transaction: complete nodes above the leaves where the stored tree covers
/// them, and leaves (and any node the stored tree does not cover yet) computed from the records' chain hashes.
/// Every read is O(log n) node lookups, except over leaves the stored tree does not cover (a log written
/// before the tree existed, opened read-only), which are computed from their records.
struct StoredTree {
    let db: LogDatabases
    /// Leaves the stored nodes cover (`merkle-leaves`).
    let coverage: UInt64

    static let coverageKey = Array("merkle-leaves".utf8)

    init(_ txn: borrowing LMDBTransaction, _ db: LogDatabases) throws {
        self.db = db
        self.coverage = db.merkle == nil ? 0 : try txn.get(db.meta, Self.coverageKey).map { $0.loadBigEndianUInt64(at: 0) } ?? 0
    }

    /// The chain hash stored at the end of the record at `position`.
    static func chainHash(at position: UInt64, _ txn: borrowing LMDBTransaction, _ db: LogDatabases) throws -> ChainHash {
        guard let record = try txn.get(db.events, .bigEndian(position)) else {
            throw EventLogError.corrupt("the Merkle tree needs the event at position \(position), which is missing")
        }
        return RecordCodec.hash(of: record)
    }

    /// The leaf of the event at position `index + 1`.
    func leaf(_ index: UInt64, _ txn: borrowing LMDBTransaction) throws -> TreeHash {
        guard let record = try txn.get(db.events, .bigEndian(index + 1)) else {
            throw EventLogError.corrupt("the Merkle tree needs the event at position \(index + 1), which is missing")
        }
        return MerkleTree.leafHash(chainHash: UnsafeRawBufferPointer(rebasing: record[(record.count - ChainHash.byteCount)...]))
    }

    /// The root of the complete subtree of `2^level` leaves from leaf `start` (a multiple of `2^level`).
    func subtree(level: Int, start: UInt64, _ txn: borrowing LMDBTransaction) throws -> TreeHash {
        if level == 0 { return try leaf(start, txn) }
        let width = UInt64(1) << UInt64(level)
        if let merkle = db.merkle, start + width <= coverage {
            guard let stored = try txn.get(merkle, MerkleTree.nodeKey(level: level, index: start >> UInt64(level))),
                  let hash = TreeHash(bytes: stored) else {
                throw EventLogError.corrupt("the Merkle tree's node at level \(level) over positions \(start + 1)–\(start + width) is missing or malformed")
            }
            return hash
        }
        let half = width / 2
        return MerkleTree.nodeHash(try subtree(level: level - 1, start: start, txn), try subtree(level: level - 1, start: start + half, txn))
    }

    /// MTH of `count` leaves from leaf `start` (RFC 9162 2.1.1), where `start` is aligned as the recursion of the
    /// tree's definition leaves it.
    func hash(start: UInt64, count: UInt64, _ txn: borrowing LMDBTransaction) throws -> TreeHash {
        if count == 0 { return .emptyTree }
        if count & (count - 1) == 0 { return try subtree(level: count.trailingZeroBitCount, start: start, txn) }
        let k = MerkleTree.split(count)
        return MerkleTree.nodeHash(try subtree(level: k.trailingZeroBitCount, start: start, txn),
                                   try hash(start: start + k, count: count - k, txn))
    }

    /// RFC 9162's PATH(m, D[start ..< start + count]): the inclusion proof of leaf `m` of that range, leaf first.
    func path(_ m: UInt64, start: UInt64, count: UInt64, _ txn: borrowing LMDBTransaction) throws -> [TreeHash] {
        if count <= 1 { return [] }
        let k = MerkleTree.split(count)
        if m < k {
            return try path(m, start: start, count: k, txn) + [hash(start: start + k, count: count - k, txn)]
        }
        return try path(m - k, start: start + k, count: count - k, txn) + [subtree(level: k.trailingZeroBitCount, start: start, txn)]
    }

    /// RFC 9162's SUBPROOF(m, D[start ..< start + count], b).
    func subproof(_ m: UInt64, start: UInt64, count: UInt64, complete: Bool, _ txn: borrowing LMDBTransaction) throws -> [TreeHash] {
        if m == count { return complete ? [] : [try hash(start: start, count: count, txn)] }
        let k = MerkleTree.split(count)
        if m <= k {
            return try subproof(m, start: start, count: k, complete: complete, txn) + [hash(start: start + k, count: count - k, txn)]
        }
        return try subproof(m - k, start: start + k, count: count - k, complete: false, txn)
            + [subtree(level: k.trailingZeroBitCount, start: start, txn)]
    }

    /// The right edge of the tree of `size` leaves (its complete subtrees), for the writer to go on from.
    func frontier(size: UInt64, _ txn: borrowing LMDBTransaction) throws -> MerkleFrontier {
        var subtrees: [MerkleFrontier.Subtree] = []
        for (level, start) in MerkleFrontier.shape(of: size) {
            subtrees.append(.init(level: level, hash: try subtree(level: level, start: start, txn)))
        }
        return MerkleFrontier(size: size, subtrees: subtrees)
    }
}

import Crypto
import LMDB

/// A node of the log's Merkle tree: 32 bytes of SHA-256, kept inline (no heap) so that walking millions of
/// leaves allocates nothing.
///
/// The tree has the shape of RFC 9162 (Certificate Transparency 2.0), section 2.1: one leaf per event, in
/// position order (the event at position `p` is leaf `p − 1`), and
///
/// - the hash of the empty tree is SHA-256 of no bytes;
/// - a leaf is `SHA-256(0x00 ‖ h)`, where `h` is the event's 32-byte chain hash as stored at the end of its
///   record (``RecordCodec``); `h` is `SHA-256(previous event's chain hash ‖ the record's bytes before it)`,
///   so the leaf commits to every byte of the stored record and to the chain before it;
/// - a tree of `n > 1` leaves is `SHA-256(0x01 ‖ MTH(first k leaves) ‖ MTH(the other n − k))`, with `k` the
///   largest power of two smaller than `n`.
public struct TreeHash: Sendable, Hashable, CustomStringConvertible {
    public static let byteCount = 32
    private var words: (UInt64, UInt64, UInt64, UInt64)

    init(digest: SHA256.Digest) {
        words = (0, 0, 0, 0)
        digest.withUnsafeBytes { source in
            Swift.withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: source) }
        }
    }

    /// The hash of these 32 bytes; nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        words = (0, 0, 0, 0)
        let array = Array(bytes)
        array.withUnsafeBytes { source in
            Swift.withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: source) }
        }
    }

    /// Parses 64 hexadecimal digits.
    public init?(hex: String) {
        guard let parsed = ChainHash(hex: hex) else { return nil }
        self.init(bytes: parsed.bytes)
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    public var hex: String { withUnsafeBytes { Hex.lowercase($0) } }

    public var description: String { hex }

    public func withUnsafeBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try Swift.withUnsafeBytes(of: words, body)
    }

    public static func == (a: TreeHash, b: TreeHash) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// The root of the empty tree: SHA-256 of no bytes.
    public static let emptyTree = TreeHash(digest: SHA256.hash(data: [UInt8]()))
}

/// The hashes of RFC 9162's Merkle tree over the log, and the arithmetic of its nodes.
public enum MerkleTree {
    /// `SHA-256(0x00 ‖ chainHash)`: the leaf of the event whose stored chain hash is `chainHash` (32 bytes).
    public static func leafHash(chainHash: UnsafeRawBufferPointer) -> TreeHash {
        var hasher = SHA256()
        Swift.withUnsafeBytes(of: UInt8(0)) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: chainHash)
        return TreeHash(digest: hasher.finalize())
    }

    public static func leafHash(chainHash: ChainHash) -> TreeHash {
        chainHash.bytes.withUnsafeBytes { leafHash(chainHash: $0) }
    }

    /// `SHA-256(0x01 ‖ left ‖ right)`: an interior node.
    public static func nodeHash(_ left: TreeHash, _ right: TreeHash) -> TreeHash {
        var hasher = SHA256()
        Swift.withUnsafeBytes(of: UInt8(1)) { hasher.update(bufferPointer: $0) }
        left.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        right.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return TreeHash(digest: hasher.finalize())
    }

    /// The largest power of two smaller than `n` (`n` ≥ 2): RFC 9162's `k`.
    static func split(_ n: UInt64) -> UInt64 {
        precondition(n >= 2)
        return UInt64(1) << (63 - (n - 1).leadingZeroBitCount)
    }

    /// The key of the stored node at `level` (≥ 1) that covers leaves `index · 2^level ..< (index + 1) · 2^level`:
    /// the big-endian index of its last leaf, then the level. A node is complete, and stored, in the append of
    /// that last leaf, with the levels of one append in increasing order, so keys only ever grow (`MDB_APPEND`).
    static func nodeKey(level: Int, index: UInt64) -> [UInt8] {
        withNodeKey(level: level, index: index) { Array($0) }
    }

    /// ``nodeKey(level:index:)`` on the stack, for the writer's hot path.
    static func withNodeKey<T>(level: Int, index: UInt64, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let key = (((index + 1) << UInt64(level) - 1).bigEndian, UInt8(level))
        return try Swift.withUnsafeBytes(of: key) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<9])) }
    }

    // MARK: Verification (RFC 9162, 2.1.3.2 and 2.1.4.2)

    /// The root that an inclusion proof of `leafHash` at `leafIndex` leads to in a tree of `treeSize` leaves;
    /// nil when the proof has the wrong shape for that index and size.
    public static func root(fromInclusionProof path: [TreeHash], leafIndex: UInt64, treeSize: UInt64, leafHash: TreeHash) -> TreeHash? {
        guard leafIndex < treeSize else { return nil }
        var fn = leafIndex
        var sn = treeSize - 1
        var r = leafHash
        for p in path {
            guard sn != 0 else { return nil }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 ? r : nil
    }

    /// Whether `path` proves that the tree of `newSize` leaves with root `newRoot` extends the tree of
    /// `oldSize` leaves with root `oldRoot` (its first `oldSize` leaves are the same).
    public static func verifyConsistency(oldSize: UInt64, newSize: UInt64, oldRoot: TreeHash, newRoot: TreeHash, path: [TreeHash]) -> Bool {
        guard oldSize <= newSize else { return false }
        if oldSize == newSize { return path.isEmpty && oldRoot == newRoot }
        if oldSize == 0 { return path.isEmpty && oldRoot == .emptyTree }
        guard !path.isEmpty else { return false }
        var proof = path
        if oldSize & (oldSize - 1) == 0 { proof.insert(oldRoot, at: 0) }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = proof[0]
        var sr = proof[0]
        for c in proof.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}

/// The right edge of a tree as it grows: the roots of its complete subtrees, largest first (RFC 9162's tree
/// of `n` leaves is made of one complete subtree per bit set in `n`). Appending a leaf merges equal subtrees.
struct MerkleFrontier: Sendable, Equatable {
    struct Subtree: Sendable, Equatable {
        var level: Int
        var hash: TreeHash
    }

    private(set) var size: UInt64 = 0
    private(set) var subtrees: [Subtree] = []

    init() {}

    init(size: UInt64, subtrees: [Subtree]) {
        self.size = size
        self.subtrees = subtrees
    }

    /// Adds the next leaf; `completed(level, index, hash)` is told of every node it completes, in increasing
    /// level (the nodes the log stores).
    mutating func append(leaf: TreeHash, completed: (Int, UInt64, TreeHash) throws -> Void) rethrows {
        var node = Subtree(level: 0, hash: leaf)
        let leafIndex = size
        while let last = subtrees.last, last.level == node.level {
            subtrees.removeLast()
            node = Subtree(level: node.level + 1, hash: MerkleTree.nodeHash(last.hash, node.hash))
            try completed(node.level, leafIndex >> UInt64(node.level), node.hash)
        }
        subtrees.append(node)
        size += 1
    }

    /// The root of the tree so far.
    var root: TreeHash {
        guard var root = subtrees.last?.hash else { return .emptyTree }
        for subtree in subtrees.dropLast().reversed() { root = MerkleTree.nodeHash(subtree.hash, root) }
        return root
    }

    /// The complete subtrees of a tree of `size` leaves, largest first: (level, first leaf index).
    static func shape(of size: UInt64) -> [(level: Int, start: UInt64)] {
        var shape: [(Int, UInt64)] = []
        var start: UInt64 = 0
        for level in stride(from: 63, through: 0, by: -1) where size & (UInt64(1) << UInt64(level)) != 0 {
            shape.append((level, start))
            start += UInt64(1) << UInt64(level)
        }
        return shape
    }
}

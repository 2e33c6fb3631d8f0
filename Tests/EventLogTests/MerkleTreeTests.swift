import Crypto
import Foundation
import LMDB
import Testing
@testable import EventLog

/// The Merkle tree against RFC 9162's definition, computed here from scratch (no code shared with the log's).
@Suite("Merkle tree (RFC 9162)")
struct MerkleTreeTests {
    /// RFC 9162 2.1.1, literally: MTH({}) = SHA-256(), MTH({d}) = SHA-256(0x00 ‖ d), else split at k.
    static func mth(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        if leaves.isEmpty { return Array(SHA256.hash(data: [UInt8]())) }
        if leaves.count == 1 { return Array(SHA256.hash(data: [0x00] + leaves.first!)) }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        let start = leaves.startIndex
        return Array(SHA256.hash(data: [0x01] + mth(leaves[start..<(start + k)]) + mth(leaves[(start + k)...])))
    }

    /// A log of `count` events in appends of varying sizes, and the chain hashes of its events.
    static func log(_ folder: TemporaryFolder, count: Int, configure: (inout EventLog.Options) -> Void = { _ in }) async throws -> (EventLog, [[UInt8]]) {
        let log = try openLog(folder, configure: configure)
        var written = 0
        var size = 1
        while written < count {
            let batch = min(size, count - written)
            try await log.append(to: "stream-\(written % 5)", events: (0..<batch).map { sampleEvent("e\(written + $0)") })
            written += batch
            size = size % 7 + 1
        }
        var hashes: [[UInt8]] = []
        for position in 1...UInt64(count) { hashes.append(try #require(try log.hash(at: position)).bytes) }
        return (log, hashes)
    }

    @Test("the root at every size 0…70 is RFC 9162's Merkle tree hash of the chain hashes as leaves")
    func rootAtEverySize() async throws {
        let folder = TemporaryFolder()
        let (log, hashes) = try await Self.log(folder, count: 70)
        defer { log.close() }
        #expect(try log.treeHead(size: 0).root.bytes == Self.mth([]))
        for size in 1...70 {
            let head = try log.treeHead(size: UInt64(size))
            #expect(head.root.bytes == Self.mth(hashes[0..<size]), "size \(size)")
            #expect(head.chainHead.bytes == hashes[size - 1])
        }
        #expect(try log.treeCoverage() == 70)
        #expect(throws: EventLogError.self) { try log.treeHead(size: 71) }
    }

    @Test("every inclusion proof of every event in every tree size up to 40 leads to the root; a changed hash, index or size does not")
    func inclusionProofs() async throws {
        let folder = TemporaryFolder()
        let (log, hashes) = try await Self.log(folder, count: 40)
        defer { log.close() }
        for size in UInt64(1)...40 {
            let root = try log.treeHead(size: size).root
            for position in UInt64(1)...size {
                let leaf = MerkleTree.leafHash(chainHash: ChainHash(bytes: hashes[Int(position) - 1])!)
                let proof = try log.inclusionProof(position: position, treeSize: size)
                #expect(MerkleTree.root(fromInclusionProof: proof, leafIndex: position - 1, treeSize: size, leafHash: leaf) == root,
                        "position \(position) of \(size)")
                for index in proof.indices {
                    var changed = proof
                    var bytes = changed[index].bytes
                    bytes[index % 32] ^= 0x01
                    changed[index] = TreeHash(bytes: bytes)!
                    #expect(MerkleTree.root(fromInclusionProof: changed, leafIndex: position - 1, treeSize: size, leafHash: leaf) != root)
                }
                if size > 1 {
                    let other = position == size ? position - 2 : position
                    #expect(MerkleTree.root(fromInclusionProof: proof, leafIndex: other, treeSize: size, leafHash: leaf) != root)
                }
            }
        }
        #expect(throws: EventLogError.self) { try log.inclusionProof(position: 41, treeSize: 40) }
    }

    @Test("every consistency proof between tree sizes up to 40 verifies; a changed hash or root does not")
    func consistencyProofs() async throws {
        let folder = TemporaryFolder()
        let (log, _) = try await Self.log(folder, count: 40)
        defer { log.close() }
        for new in UInt64(0)...40 {
            let newRoot = try log.treeHead(size: new).root
            for old in UInt64(0)...new {
                let oldRoot = try log.treeHead(size: old).root
                let proof = try log.consistencyProof(from: old, to: new)
                #expect(MerkleTree.verifyConsistency(oldSize: old, newSize: new, oldRoot: oldRoot, newRoot: newRoot, path: proof), "\(old) → \(new)")
                if old > 0 && old < new {
                    #expect(!MerkleTree.verifyConsistency(oldSize: old, newSize: new, oldRoot: newRoot, newRoot: newRoot, path: proof))
                    for index in proof.indices {
                        var changed = proof
                        var bytes = changed[index].bytes
                        bytes[0] ^= 0x80
                        changed[index] = TreeHash(bytes: bytes)!
                        #expect(!MerkleTree.verifyConsistency(oldSize: old, newSize: new, oldRoot: oldRoot, newRoot: newRoot, path: changed))
                    }
                }
            }
        }
    }

    @Test("concurrent appends in group commits keep the tree equal to the log, across a reopen")
    func groupCommitsAndReopen() async throws {
        let folder = TemporaryFolder()
        let first = try openLog(folder)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for index in 0..<25 { try await first.append(to: "w-\(writer)", events: [sampleEvent("\(writer)-\(index)")]) }
                }
            }
            try await group.waitForAll()
        }
        #expect(try first.treeCoverage() == 200)
        first.close()
        let log = try openLog(folder)
        defer { log.close() }
        try await log.append(to: "after", events: [sampleEvent("after")])
        var hashes: [[UInt8]] = []
        for position in UInt64(1)...201 { hashes.append(try #require(try log.hash(at: position)).bytes) }
        #expect(try log.treeHead().root.bytes == Self.mth(hashes[...]))
        let verification = try log.verify()
        #expect(verification.isIntact)
        #expect(verification.treeRoot?.bytes == Self.mth(hashes[...]))
        // Nodes above the leaves: one per leaf but one per complete subtree edge.
        #expect(verification.treeNodesChecked == 201 - 201.nonzeroBitCount)
    }

    @Test("a log appended to without the tree gets it when opened with it; read-only, the root is computed from the records")
    func catchUp() async throws {
        let folder = TemporaryFolder()
        let (withoutTree, hashes) = try await Self.log(folder, count: 90) { $0.keepsMerkleTree = false }
        #expect(try withoutTree.treeCoverage() == 0)
        withoutTree.close()
        let readOnly = try openLog(folder) { $0.readOnly = true }
        #expect(try readOnly.treeHead().root.bytes == Self.mth(hashes[...]))
        let proof = try readOnly.inclusionProof(position: 17, treeSize: 90)
        #expect(MerkleTree.root(fromInclusionProof: proof, leafIndex: 16, treeSize: 90,
                                leafHash: MerkleTree.leafHash(chainHash: ChainHash(bytes: hashes[16])!)) == (try readOnly.treeHead().root))
        readOnly.close()
        let reopened = try openLog(folder)
        defer { reopened.close() }
        try await reopened.append(to: "late", events: [sampleEvent("late")])
        #expect(try reopened.treeCoverage() == 91)
        #expect(try reopened.verify().treeNodesChecked == 91 - 91.nonzeroBitCount)
        #expect(try reopened.verify().isIntact)
    }

    @Test("a stored tree node changed directly in LMDB fails verification at the event that completes it")
    func nodeTampered() async throws {
        let folder = TemporaryFolder()
        let (log, _) = try await Self.log(folder, count: 64)
        log.close()
        let environment = try LMDBEnvironment(path: folder.url.path, databases: LogDatabases.names + LogDatabases.optionalNames, options: .init())
        let merkle = environment.database("merkle")
        // The level-2 node over positions 9–12 (leaves 8–11).
        let key = MerkleTree.nodeKey(level: 2, index: 2)
        try environment.write { txn in try txn.put(merkle, key, [UInt8](repeating: 7, count: 32)) }
        environment.close()
        let reopened = try openLog(folder) { $0.readOnly = true }
        defer { reopened.close() }
        let result = try reopened.verify()
        #expect(result.failure?.position == 12)
        #expect(result.failure?.reason.contains("positions 9–12") == true)
        #expect(result.verifiedCount == 11)
    }

    @Test("a snapshot's copy (a backup's log) holds the tree's nodes with the events: it verifies them and proves, read-only and written to")
    func snapshotCopyKeepsTheTree() async throws {
        let folder = TemporaryFolder()
        let (log, hashes) = try await Self.log(folder, count: 40)
        let snapshot = try log.snapshot()
        let copy = TemporaryFolder()
        try snapshot.copy(to: copy.url)
        snapshot.end()
        log.close()
        let readOnly = try openLog(copy) { $0.readOnly = true }
        let verification = try readOnly.verify()
        #expect(verification.isIntact, "\(String(describing: verification.failure))")
        #expect(verification.treeNodesChecked == 40 - 40.nonzeroBitCount)
        readOnly.close()
        let written = try openLog(copy)
        defer { written.close() }
        #expect(try written.treeHead().root.bytes == Self.mth(hashes[...]))
        _ = try written.inclusionProof(position: 33, treeSize: 40)
    }

    @Test("a log whose meta says the tree covers events but whose tree database is gone fails verification at position 1")
    func treeDatabaseMissing() async throws {
        let folder = TemporaryFolder()
        let (log, _) = try await Self.log(folder, count: 16)
        log.close()
        // Copy only the databases of the log without the tree (what a backup once did).
        let environment = try LMDBEnvironment(path: folder.url.path, databases: LogDatabases.names + LogDatabases.optionalNames, options: .init())
        let snapshot = try environment.beginSnapshot()
        let copy = TemporaryFolder()
        _ = try snapshot.copy(databases: LogDatabases.names, to: copy.url.path)
        snapshot.end()
        environment.close()
        let readOnly = try openLog(copy) { $0.readOnly = true }
        defer { readOnly.close() }
        let result = try readOnly.verify()
        #expect(result.failure?.position == 1)
        #expect(result.failure?.reason.contains("its nodes are not in the log") == true)
    }
}

import Chronology
import Foundation
import LMDB
import Synchronization

/// The single thread that owns every write transaction of the log.
///
/// LMDB ties a write transaction to the OS thread that began it, and Swift tasks hop threads at every
/// `await`; so async callers hand their append to this thread and await the outcome. The thread takes every
/// append waiting at that moment into one transaction with one commit (and one fsync): group commit.
/// Each append in the batch is checked and refused on its own (a version conflict refuses that append only);
/// a storage failure aborts the transaction and fails every append in it, leaving the log as it was.
final class LogWriter: @unchecked Sendable {
    struct Limits {
        var maximumEventsPerCommit: Int
        var maximumBytesPerCommit: Int
    }

    struct Counters: Sendable {
        var commits = 0
        var events = 0
        var mapGrowths = 0
    }

    private struct Pending {
        let appends: [StreamAppend]
        let eventCount: Int
        let byteCount: Int
        let continuation: CheckedContinuation<AppendResult, any Error>
    }

    private let environment: LMDBEnvironment
    private let db: LogDatabases
    private let clock: any WallClock
    private let limits: Limits
    private let keepsMerkleTree: Bool
    /// The Merkle tree's right edge as this writer last committed it; used while the log's head is still where
    /// it left it (another process may have appended since). Touched on the writer thread only.
    private var committedFrontier: MerkleFrontier?
    private let onCommit: @Sendable (UInt64) -> Void
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var isClosing = false
    private var isStopped = false
    private let stopped = DispatchSemaphore(value: 0)
    let counters = Mutex(Counters())
    /// Tests only: a storage failure to raise inside the next write transaction, after staging and before
    /// commit, as a full disk or an I/O error would.
    let injectedFault = Mutex<LMDBStatus?>(nil)

    /// Appends handed over and not yet taken into a transaction.
    var waitingCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    init(environment: LMDBEnvironment, databases: LogDatabases, clock: any WallClock, limits: Limits, keepsMerkleTree: Bool,
         onCommit: @escaping @Sendable (UInt64) -> Void) {
        self.environment = environment
        self.db = databases
        self.clock = clock
        self.limits = limits
        self.keepsMerkleTree = keepsMerkleTree
        self.onCommit = onCommit
        // The thread must not keep the writer (and with it the environment) alive after `close()`:
        // the owner closes the writer before releasing it, and `close()` waits for `run()` to return.
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "event-log-writer"
        thread.start()
    }

    /// Hands `appends` to the writer thread and waits for the commit.
    func submit(_ appends: [StreamAppend]) async throws -> AppendResult {
        let eventCount = appends.reduce(0) { $0 + $1.events.count }
        let byteCount = appends.reduce(0) { total, append in
            total + append.events.reduce(0) { $0 + $1.payload.count + 128 }
        }
        return try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            guard !isClosing else {
                condition.unlock()
                continuation.resume(throwing: EventLogError.closed)
                return
            }
            queue.append(Pending(appends: appends, eventCount: eventCount, byteCount: byteCount, continuation: continuation))
            condition.signal()
            condition.unlock()
        }
    }

    /// Finishes the appends already handed over, then stops the thread.
    func close() {
        condition.lock()
        let wasStopped = isClosing
        isClosing = true
        condition.signal()
        condition.unlock()
        if !wasStopped { stopped.wait() }
    }

    private func run() {
        if keepsMerkleTree { catchUpTree() }
        while true {
            condition.lock()
            while queue.isEmpty && !isClosing { condition.wait() }
            if queue.isEmpty {
                condition.unlock()
                stopped.signal()
                return
            }
            var batch: [Pending] = []
            var events = 0
            var bytes = 0
            var taken = 0
            for pending in queue {
                if !batch.isEmpty,
                   events + pending.eventCount > limits.maximumEventsPerCommit
                   || bytes + pending.byteCount > limits.maximumBytesPerCommit { break }
                batch.append(pending)
                events += pending.eventCount
                bytes += pending.byteCount
                taken += 1
            }
            queue.removeFirst(taken)
            condition.unlock()
            commit(batch)
        }
    }

    private func commit(_ batch: [Pending]) {
        var growths = 0
        while true {
            do {
                let (outcomes, head, written, frontier) = try environment.write { txn in
                    let staged = try stage(batch, txn)
                    if let fault = injectedFault.withLock({ fault in defer { fault = nil }; return fault }) { throw fault }
                    return staged
                }
                committedFrontier = frontier
                counters.withLock {
                    $0.commits += 1
                    $0.events += written
                }
                if written > 0 { onCommit(head) }
                for (pending, outcome) in zip(batch, outcomes) {
                    pending.continuation.resume(with: outcome)
                }
                return
            } catch let status as LMDBStatus where status.isMapFull && growths < 32 {
                // Nothing was written; grow the map and stage the whole batch again.
                growths += 1
                do {
                    try environment.growMap(toAtLeast: environment.nextMapSize)
                    counters.withLock { $0.mapGrowths += 1 }
                } catch {
                    fail(batch, error)
                    return
                }
            } catch {
                fail(batch, error)
                return
            }
        }
    }

    private func fail(_ batch: [Pending], _ error: any Error) {
        let failure: any Error
        if let status = error as? LMDBStatus, status.isOutOfSpace {
            failure = EventLogError.outOfSpace("the disk is full: the append was not written (\(status)); the log is unchanged")
        } else if let status = error as? LMDBStatus {
            failure = EventLogError.storage("the append was not written (\(status)); the log is unchanged")
        } else {
            failure = error
        }
        for pending in batch { pending.continuation.resume(throwing: failure) }
    }

    /// The head of the log as seen inside `txn`: last position, its hash and its time.
    private func head(_ txn: borrowing LMDBTransaction) throws -> (position: UInt64, hash: ChainHash, micros: Int64) {
        try txn.withCursor(db.events) { cursor in
            guard let last = try cursor.last() else { return (0, .genesis, .min) }
            let micros = Int64(bitPattern: last.value.loadBigEndianUInt64(at: 33))
            return (last.key.loadBigEndianUInt64(at: 0), RecordCodec.hash(of: last.value), micros)
        }
    }

    /// The Merkle tree's right edge at the log's head `size`, with its stored nodes brought up to it first when
    /// another writer appended without keeping the tree.
    private func frontier(size: UInt64, _ txn: borrowing LMDBTransaction) throws -> MerkleFrontier? {
        guard keepsMerkleTree, let merkle = db.merkle else { return nil }
        if let committedFrontier, committedFrontier.size == size { return committedFrontier }
        let tree = try StoredTree(txn, db)
        guard tree.coverage < size else { return try tree.frontier(size: size, txn) }
        var frontier = try tree.frontier(size: tree.coverage, txn)
        var nodes: [(Int, UInt64, TreeHash)] = []
        for position in (tree.coverage + 1)...size {
            try frontier.append(leaf: tree.leaf(position - 1, txn)) { nodes.append(($0, $1, $2)) }
            for (level, index, node) in nodes { try txn.put(merkle, MerkleTree.nodeKey(level: level, index: index), node.bytes, append: true) }
            nodes.removeAll(keepingCapacity: true)
        }
        try txn.put(db.meta, StoredTree.coverageKey, .bigEndian(size))
        return frontier
    }

    /// Stores the Merkle tree's nodes over events appended while it was not kept (a log written before the tree
    /// existed, or with ``EventLog/Options/keepsMerkleTree`` off), 100,000 events a transaction, before the first
    /// append. A failure here is not final: the first append's transaction brings the tree up to the head.
    private func catchUpTree() {
        while true {
            let done: Bool? = try? environment.write { txn in
                let head = try EventLog.readHead(txn, db).position
                let coverage = try StoredTree(txn, db).coverage
                guard coverage < head else { return true }
                let target = min(head, coverage + 100_000)
                committedFrontier = nil
                _ = try frontier(size: target, txn)
                return target == head
            }
            if done != false { return }
        }
    }

    /// Stages every append of the batch in `txn`. Refusals are returned per append; storage errors throw.
    private func stage(_ batch: [Pending], _ txn: borrowing LMDBTransaction)
        throws -> ([Result<AppendResult, any Error>], UInt64, Int, MerkleFrontier?)
    {
        var (position, hash, lastMicros) = try head(txn)
        var tree = try frontier(size: position, txn)
        var completedNodes: [(Int, UInt64, TreeHash)] = []
        let micros = max(Timestamp(clock.now()).microsecondsSince1970, lastMicros)
        var outcomes: [Result<AppendResult, any Error>] = []
        outcomes.reserveCapacity(batch.count)
        var written = 0
        for pending in batch {
            do {
                if let replay = try replayOfStoredAppend(pending.appends, txn) {
                    outcomes.append(.success(replay))
                    continue
                }
                var versions: [String: UInt64] = [:]
                var current: [UInt64] = []
                for append in pending.appends {
                    let version = try streamVersion(append.streamID, txn)
                    guard append.expectedVersion.admits(version) else {
                        throw WrongExpectedVersion(streamID: append.streamID, expected: append.expectedVersion, actual: version)
                    }
                    current.append(version)
                    versions[append.streamID] = version
                }
                // Every check passed: from here on only storage errors can happen, and they abort the batch.
                var positions: [UInt64] = []
                positions.reserveCapacity(pending.eventCount)
                for (append, startVersion) in zip(pending.appends, current) where !append.events.isEmpty {
                    var version = startVersion
                    let streamKeyPrefix = Array(append.streamID.utf8) + [0]
                    let categoryKeyPrefix = Array(StreamID.category(of: append.streamID).utf8) + [0]
                    for event in append.events {
                        position += 1
                        version += 1
                        let (record, newHash) = RecordCodec.encode(
                            event, streamID: append.streamID, streamVersion: version, position: position,
                            recordedAtMicros: micros, previous: hash)
                        let positionKey = [UInt8].bigEndian(position)
                        try txn.put(db.events, positionKey, record, append: true)
                        try txn.put(db.streams, streamKeyPrefix + .bigEndian(version), positionKey)
                        try txn.put(db.eventIDs, event.id.bytes, positionKey)
                        try txn.put(db.categories, categoryKeyPrefix + positionKey, [])
                        if tree != nil, let merkle = db.merkle {
                            tree!.append(leaf: MerkleTree.leafHash(chainHash: newHash)) { completedNodes.append(($0, $1, $2)) }
                            let writing = copy txn
                            for (level, index, node) in completedNodes {
                                try MerkleTree.withNodeKey(level: level, index: index) { key in
                                    try node.withUnsafeBytes { try writing.put(merkle, key, $0, append: true) }
                                }
                            }
                            completedNodes.removeAll(keepingCapacity: true)
                        }
                        hash = newHash
                        positions.append(position)
                        written += 1
                    }
                    try txn.put(db.streamHeads, Array(append.streamID.utf8), .bigEndian(version))
                    versions[append.streamID] = version
                }
                outcomes.append(.success(AppendResult(positions: positions, streamVersions: versions, wasAlreadyStored: false)))
            } catch let status as LMDBStatus {
                throw status
            } catch {
                outcomes.append(.failure(error))
            }
        }
        if written > 0, let tree { try txn.put(db.meta, StoredTree.coverageKey, .bigEndian(tree.size)) }
        return (outcomes, position, written, tree)
    }

    private func streamVersion(_ streamID: String, _ txn: borrowing LMDBTransaction) throws -> UInt64 {
        guard let stored = try txn.get(db.streamHeads, Array(streamID.utf8)) else { return 0 }
        return stored.loadBigEndianUInt64(at: 0)
    }

    /// When the events of `appends` are already stored (a client's retry), their stored outcome; nil when
    /// none is stored. Refuses an append whose ids are partly stored or stored with other contents.
    private func replayOfStoredAppend(_ appends: [StreamAppend], _ txn: borrowing LMDBTransaction) throws -> AppendResult? {
        var positions: [UInt64] = []
        var versions: [String: UInt64] = [:]
        var missing = 0
        var total = 0
        for append in appends {
            for event in append.events {
                total += 1
                guard let stored = try txn.get(db.eventIDs, event.id.bytes) else {
                    missing += 1
                    continue
                }
                let position = stored.loadBigEndianUInt64(at: 0)
                guard let record = try txn.get(db.events, .bigEndian(position)) else {
                    throw EventLogError.corrupt("the id index names position \(position), which holds no event")
                }
                let recorded = try RecordCodec.decode(record)
                if let field = RecordCodec.difference(stored: recorded, proposed: event, streamID: append.streamID) {
                    throw EventLogError.eventIDReused(event.id, storedAt: position, differingIn: field)
                }
                positions.append(position)
                versions[append.streamID] = max(versions[append.streamID] ?? 0, recorded.streamVersion)
            }
        }
        if total == 0 || missing == total { return nil }
        if missing > 0 {
            throw EventLogError.invalidEvent(
                "\(total - missing) of the \(total) events of this append are already stored and \(missing) are not; "
                    + "an append is stored whole or not at all, so this is not a retry of it")
        }
        for append in appends where versions[append.streamID] == nil {
            versions[append.streamID] = try streamVersion(append.streamID, txn)
        }
        return AppendResult(positions: positions, streamVersions: versions, wasAlreadyStored: true)
    }
}

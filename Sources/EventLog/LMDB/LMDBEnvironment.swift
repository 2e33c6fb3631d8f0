import CLMDB
import Foundation

/// A status code returned by liblmdb, with the operation that returned it.
struct LMDBStatus: Error, CustomStringConvertible {
    let code: Int32
    let operation: String

    var description: String {
        "\(operation): \(String(cString: mdb_strerror(code))) (\(code))"
    }

    var isMapFull: Bool { code == MDB_MAP_FULL }
    var isMapResized: Bool { code == MDB_MAP_RESIZED }
    var isNotFound: Bool { code == MDB_NOTFOUND }
}

@inline(__always)
func lmdbCheck(_ code: Int32, _ operation: @autoclosure () -> String) throws(LMDBStatus) {
    if code != 0 { throw LMDBStatus(code: code, operation: operation()) }
}

/// The named databases that make up a log. Data lives only in named databases (see LMDB-NOTES).
struct LogDatabases: Sendable {
    /// big-endian position → encoded record (written with `MDB_APPEND`).
    var events: MDB_dbi = 0
    /// stream id ‖ 0x00 ‖ big-endian version → big-endian position.
    var streams: MDB_dbi = 0
    /// stream id → big-endian current version.
    var streamHeads: MDB_dbi = 0
    /// 16-byte event id → big-endian position (the idempotency index).
    var eventIDs: MDB_dbi = 0
    /// category ‖ 0x00 ‖ big-endian position → empty.
    var categories: MDB_dbi = 0
    /// format marker and other facts about the log.
    var meta: MDB_dbi = 0

    static let names = ["events", "streams", "stream-heads", "event-ids", "categories", "meta"]
}

/// One LMDB environment, opened once per process.
///
/// Read transactions may run on any thread (`MDB_NOTLS`); write transactions are begun and committed by the
/// log's single writer thread only. Growing the map needs every transaction of this process to be finished,
/// so every transaction holds the shared side of a gate and a resize takes the exclusive side.
final class LMDBEnvironment: @unchecked Sendable {
    let pointer: OpaquePointer
    let path: String
    let isReadOnly: Bool
    private(set) var databases = LogDatabases()
    private let gate = TransactionGate()
    /// Stale reader slots cleared when the environment was opened.
    let staleReadersCleared: Int
    /// Released after the environment is closed, so the folder can be opened again in this process.
    private let registration: OpenLogRegistration

    struct Options {
        var initialMapSize: Int
        var maxReaders: UInt32
        var readOnly: Bool
    }

    init(path: String, registration: OpenLogRegistration, options: Options) throws {
        var env: OpaquePointer?
        try lmdbCheck(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBStatus(code: EINVAL, operation: "mdb_env_create") }
        self.pointer = env
        self.path = path
        self.isReadOnly = options.readOnly
        self.registration = registration
        do {
            try lmdbCheck(mdb_env_set_maxdbs(env, MDB_dbi(LogDatabases.names.count + 2)), "mdb_env_set_maxdbs")
            try lmdbCheck(mdb_env_set_maxreaders(env, options.maxReaders), "mdb_env_set_maxreaders")
            try lmdbCheck(mdb_env_set_mapsize(env, options.initialMapSize), "mdb_env_set_mapsize")
            var flags = UInt32(MDB_NOTLS)
            if options.readOnly { flags |= UInt32(MDB_RDONLY) }
            try lmdbCheck(mdb_env_open(env, path, flags, 0o644), "mdb_env_open \(path)")
            var dead: Int32 = 0
            try lmdbCheck(mdb_reader_check(env, &dead), "mdb_reader_check")
            self.staleReadersCleared = Int(dead)
            // An existing environment may be larger than the size asked for; adopt whatever is on disk.
            try lmdbCheck(mdb_env_set_mapsize(env, 0), "mdb_env_set_mapsize")
            self.databases = try openDatabases(create: !options.readOnly)
        } catch {
            mdb_env_close(env)
            throw error
        }
    }

    deinit {
        mdb_env_close(pointer)
    }

    private func openDatabases(create: Bool) throws -> LogDatabases {
        var txn: OpaquePointer?
        try lmdbCheck(mdb_txn_begin(pointer, nil, create ? 0 : UInt32(MDB_RDONLY), &txn), "mdb_txn_begin")
        var handles: [MDB_dbi] = []
        do {
            for name in LogDatabases.names {
                var dbi: MDB_dbi = 0
                try lmdbCheck(mdb_dbi_open(txn, name, create ? UInt32(MDB_CREATE) : 0, &dbi), "mdb_dbi_open \(name)")
                handles.append(dbi)
            }
            try lmdbCheck(mdb_txn_commit(txn), "mdb_txn_commit")
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        return LogDatabases(
            events: handles[0], streams: handles[1], streamHeads: handles[2],
            eventIDs: handles[3], categories: handles[4], meta: handles[5]
        )
    }

    /// The current map size in bytes.
    var mapSize: Int {
        var info = MDB_envinfo()
        mdb_env_info(pointer, &info)
        return info.me_mapsize
    }

    /// Pages in use (last page number + 1) and the page size.
    var usage: (lastPage: Int, pageSize: Int, readersInUse: Int, maxReaders: Int) {
        var info = MDB_envinfo()
        mdb_env_info(pointer, &info)
        var stat = MDB_stat()
        mdb_env_stat(pointer, &stat)
        return (info.me_last_pgno + 1, Int(stat.ms_psize), Int(info.me_numreaders), Int(info.me_maxreaders))
    }

    /// Runs `body` in a short read-only transaction.
    func read<T>(_ body: (borrowing LMDBTransaction) throws -> T) throws -> T {
        while true {
            gate.enterShared()
            var txn: OpaquePointer?
            let code = mdb_txn_begin(pointer, nil, UInt32(MDB_RDONLY), &txn)
            if code == MDB_MAP_RESIZED {
                gate.leaveShared()
                try adoptMapSizeOfOtherProcess()
                continue
            }
            defer { gate.leaveShared() }
            try lmdbCheck(code, "mdb_txn_begin(read)")
            defer { mdb_txn_abort(txn) }
            return try body(LMDBTransaction(pointer: txn!, databases: databases))
        }
    }

    /// Runs `body` in a write transaction and commits it; aborts it when `body` throws.
    /// Called only from the log's writer thread.
    func write<T>(_ body: (borrowing LMDBTransaction) throws -> T) throws -> T {
        while true {
            gate.enterShared()
            var txn: OpaquePointer?
            let code = mdb_txn_begin(pointer, nil, 0, &txn)
            if code == MDB_MAP_RESIZED {
                gate.leaveShared()
                try adoptMapSizeOfOtherProcess()
                continue
            }
            defer { gate.leaveShared() }
            try lmdbCheck(code, "mdb_txn_begin(write)")
            let value: T
            do {
                value = try body(LMDBTransaction(pointer: txn!, databases: databases))
            } catch {
                mdb_txn_abort(txn)
                throw error
            }
            try lmdbCheck(mdb_txn_commit(txn), "mdb_txn_commit")
            return value
        }
    }

    /// Grows the map to at least `minimum` bytes. Waits for every transaction of this process to finish.
    func growMap(toAtLeast minimum: Int) throws {
        gate.enterExclusive()
        defer { gate.leaveExclusive() }
        let current = mapSize
        guard current < minimum else { return }
        try lmdbCheck(mdb_env_set_mapsize(pointer, minimum), "mdb_env_set_mapsize(\(minimum))")
    }

    /// Another process grew the map: adopt its size (allowed only with no transaction active here).
    private func adoptMapSizeOfOtherProcess() throws {
        gate.enterExclusive()
        defer { gate.leaveExclusive() }
        try lmdbCheck(mdb_env_set_mapsize(pointer, 0), "mdb_env_set_mapsize(0)")
    }

    /// Flushes buffers to disk (used after commits when sync is deferred; a no-op cost otherwise).
    func sync() throws {
        try lmdbCheck(mdb_env_sync(pointer, 1), "mdb_env_sync")
    }
}

/// A readers-writer lock that prefers the writer, so a stream of short readers cannot starve a map resize.
final class TransactionGate: @unchecked Sendable {
    private var lock = pthread_rwlock_t()

    init() {
        var attributes = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attributes)
        #if os(Linux)
        pthread_rwlockattr_setkind_np(&attributes, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        #endif
        pthread_rwlock_init(&lock, &attributes)
        pthread_rwlockattr_destroy(&attributes)
    }

    deinit { pthread_rwlock_destroy(&lock) }

    func enterShared() { pthread_rwlock_rdlock(&lock) }
    func leaveShared() { pthread_rwlock_unlock(&lock) }
    func enterExclusive() { pthread_rwlock_wrlock(&lock) }
    func leaveExclusive() { pthread_rwlock_unlock(&lock) }
}

import CLMDB
import Foundation
import Synchronization

/// A status code returned by liblmdb, with the operation that returned it.
public struct LMDBStatus: Error, CustomStringConvertible {
    public let code: Int32
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    public var description: String {
        "\(operation): \(String(cString: mdb_strerror(code))) (\(code))"
    }

    public var isMapFull: Bool { code == MDB_MAP_FULL }
    /// The disk (or the file system's quota) has no room for the pages to write; nothing of the transaction was
    /// written, and writes work again once space is freed.
    public var isOutOfSpace: Bool { code == ENOSPC || code == EDQUOT }
    public var isNotFound: Bool { code == MDB_NOTFOUND }
}

@inline(__always)
func lmdbCheck(_ code: Int32, _ operation: @autoclosure () -> String) throws(LMDBStatus) {
    if code != 0 { throw LMDBStatus(code: code, operation: operation()) }
}

/// A named database of an environment.
public struct LMDBDatabase: Sendable, Hashable {
    public let name: String
    let handle: MDB_dbi
}

/// One LMDB environment, opened once per process (LMDB forbids opening it twice; this type refuses to).
///
/// Read transactions may run on any thread (`MDB_NOTLS`). Write transactions must begin and commit on one
/// OS thread and never span an `await`: only a writer thread (``LMDBWriterThread`` or the event log's own)
/// calls ``write(_:)``. Growing the map needs every transaction of this process to be finished, so every
/// transaction holds the shared side of a gate and a resize takes the exclusive side.
public final class LMDBEnvironment: @unchecked Sendable {
    let pointer: OpaquePointer
    public let path: String
    public let isReadOnly: Bool
    private var databases: [String: LMDBDatabase] = [:]
    let gate = TransactionGate()
    /// Stale reader slots of crashed processes cleared when the environment was opened.
    public let staleReadersCleared: Int
    /// Dropped when the environment is closed, so the folder can be opened again in this process.
    private var registration: OpenEnvironmentRegistration?
    /// Set under the exclusive side of the gate; checked under the shared side by every transaction.
    private var isClosed = false

    public struct Options: Sendable {
        /// Initial size of the memory map; the file is sparse, so unused map costs address space only.
        public var initialMapSize: Int
        public var maximumReaders: UInt32
        public var readOnly: Bool

        public init(initialMapSize: Int = 1 << 30, maximumReaders: UInt32 = 510, readOnly: Bool = false) {
            self.initialMapSize = initialMapSize
            self.maximumReaders = maximumReaders
            self.readOnly = readOnly
        }
    }

    /// Opens (and unless read-only creates) the environment in the folder `path` with these named databases:
    /// the folder 0700, `data.mdb` and `lock.mdb` 0600. `optional` databases are created like the others, but an
    /// environment opened read-only may lack them (it was written by a build before they existed):
    /// ``optionalDatabase(_:)`` is then nil.
    public init(path: String, databases names: [String], optional: [String] = [], options: Options) throws {
        // Folder 0700 and files 0600 from creation; an existing folder with wider modes is tightened.
        if !options.readOnly { try PrivateFiles.prepareFolder(path) }
        self.registration = try OpenEnvironmentRegistration(path: path)
        var env: OpaquePointer?
        try lmdbCheck(mdb_env_create(&env), "mdb_env_create")
        self.pointer = env!
        self.path = path
        self.isReadOnly = options.readOnly
        do {
            try lmdbCheck(mdb_env_set_maxdbs(pointer, MDB_dbi(names.count + optional.count + 2)), "mdb_env_set_maxdbs")
            try lmdbCheck(mdb_env_set_maxreaders(pointer, options.maximumReaders), "mdb_env_set_maxreaders")
            try lmdbCheck(mdb_env_set_mapsize(pointer, options.initialMapSize), "mdb_env_set_mapsize")
            var flags = UInt32(MDB_NOTLS)
            if options.readOnly { flags |= UInt32(MDB_RDONLY) } else { try Self.allocateLockFile(in: path, maximumReaders: options.maximumReaders) }
            try lmdbCheck(mdb_env_open(pointer, path, flags, PrivateFiles.fileMode), "mdb_env_open \(path)")
            var dead: Int32 = 0
            try lmdbCheck(mdb_reader_check(pointer, &dead), "mdb_reader_check")
            self.staleReadersCleared = Int(dead)
            // An existing environment may be larger than the size asked for; adopt what is on disk.
            try lmdbCheck(mdb_env_set_mapsize(pointer, 0), "mdb_env_set_mapsize")
            try openDatabases(names, optional: optional, create: !options.readOnly)
        } catch {
            mdb_env_close(pointer)
            throw error
        }
    }

    deinit {
        close()
    }

    /// Whether the file system of `path` has less than 4 MiB left for this process (or cannot say).
    static func hasNoRoom(_ path: String) -> Bool {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return false }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize) < 4 << 20
    }

    /// Makes sure `lock.mdb` has its disk blocks before LMDB maps it. LMDB sizes the lock file with `ftruncate`
    /// (a sparse file) and then writes its reader table through a shared memory map: on a full disk or tmpfs
    /// that first write into an unbacked page kills the process with SIGBUS instead of returning an error.
    /// `posix_fallocate` of at least the size LMDB wants (a 64-byte slot per reader plus its header) turns that
    /// into an ENOSPC here, before anything is mapped. The data file needs no such step: without
    /// `MDB_WRITEMAP` LMDB writes its pages with `pwrite`, which reports ENOSPC.
    private static func allocateLockFile(in folder: String, maximumReaders: UInt32) throws {
        let path = folder + "/lock.mdb"
        let size = off_t(maximumReaders) * 64 + 4096
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, PrivateFiles.fileMode)
        guard descriptor >= 0 else { throw LMDBStatus(code: errno, operation: "open \(path)") }
        defer { _ = Foundation.close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw LMDBStatus(code: errno, operation: "fstat \(path)") }
        let code = posix_fallocate(descriptor, 0, max(size, info.st_size))
        if code != 0 { throw LMDBStatus(code: code, operation: "posix_fallocate \(path) (\(size) bytes)") }
    }

    /// Closes the environment once every transaction in progress has ended. Later transactions fail.
    public func close() {
        gate.enterExclusive()
        defer { gate.leaveExclusive() }
        guard !isClosed else { return }
        isClosed = true
        mdb_env_close(pointer)
        registration = nil
    }

    private func checkOpen() throws {
        if isClosed { throw LMDBStatus(code: EBADF, operation: "\(path) is closed") }
    }

    private func openDatabases(_ names: [String], optional: [String], create: Bool) throws {
        var txn: OpaquePointer?
        try lmdbCheck(mdb_txn_begin(pointer, nil, create ? 0 : UInt32(MDB_RDONLY), &txn), "mdb_txn_begin")
        do {
            for name in names + optional {
                var dbi: MDB_dbi = 0
                let code = mdb_dbi_open(txn, name, create ? UInt32(MDB_CREATE) : 0, &dbi)
                if code == MDB_NOTFOUND && !create && optional.contains(name) { continue }
                try lmdbCheck(code, "mdb_dbi_open \(name)")
                databases[name] = LMDBDatabase(name: name, handle: dbi)
            }
            try lmdbCheck(mdb_txn_commit(txn), "mdb_txn_commit")
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
    }

    /// The named database opened with the environment.
    public func database(_ name: String) -> LMDBDatabase {
        guard let database = databases[name] else { preconditionFailure("database '\(name)' was not opened with the environment") }
        return database
    }

    /// A named database opened with the environment as optional; nil when a read-only environment lacks it.
    public func optionalDatabase(_ name: String) -> LMDBDatabase? {
        databases[name]
    }

    /// The current map size in bytes.
    public var mapSize: Int {
        gate.enterShared()
        defer { gate.leaveShared() }
        return isClosed ? 0 : currentMapSize()
    }

    private func currentMapSize() -> Int {
        var info = MDB_envinfo()
        mdb_env_info(pointer, &info)
        return info.me_mapsize
    }

    /// Pages in use (last page number + 1), the page size, and reader slots.
    public var usage: (lastPage: Int, pageSize: Int, readersInUse: Int, maxReaders: Int) {
        gate.enterShared()
        defer { gate.leaveShared() }
        guard !isClosed else { return (0, 0, 0, 0) }
        var info = MDB_envinfo()
        mdb_env_info(pointer, &info)
        var stat = MDB_stat()
        mdb_env_stat(pointer, &stat)
        return (info.me_last_pgno + 1, Int(stat.ms_psize), Int(info.me_numreaders), Int(info.me_maxreaders))
    }

    /// Runs `body` in a short read-only transaction on the calling thread.
    public func read<T>(_ body: (borrowing LMDBTransaction) throws -> T) throws -> T {
        let txn = try beginTransaction(UInt32(MDB_RDONLY), "mdb_txn_begin(read)")
        defer { gate.leaveShared() }
        defer { mdb_txn_abort(txn) }
        return try body(LMDBTransaction(pointer: txn))
    }

    /// Begins a transaction with `flags` and returns it holding the shared side of the gate, which the caller
    /// leaves once the transaction has ended. A map another process grew is adopted first.
    func beginTransaction(_ flags: UInt32, _ operation: @autoclosure () -> String) throws -> OpaquePointer {
        while true {
            gate.enterShared()
            if isClosed {
                gate.leaveShared()
                try checkOpen()
            }
            var txn: OpaquePointer?
            let code = mdb_txn_begin(pointer, nil, flags, &txn)
            if code == MDB_MAP_RESIZED {
                gate.leaveShared()
                try adoptMapSizeOfOtherProcess()
                continue
            }
            guard code == 0, let txn else {
                gate.leaveShared()
                throw LMDBStatus(code: code, operation: operation())
            }
            return txn
        }
    }

    /// Runs `body` in a write transaction and commits it; aborts it when `body` throws.
    ///
    /// Call only from the one thread that owns this environment's writes, and never across an `await`.
    public func write<T>(_ body: (borrowing LMDBTransaction) throws -> T) throws -> T {
        let txn = try beginTransaction(0, "mdb_txn_begin(write)")
        defer { gate.leaveShared() }
        let value: T
        do {
            value = try body(LMDBTransaction(pointer: txn))
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        let committed = mdb_txn_commit(txn)
        // LMDB answers a short write (what a full disk gives when part of the pages fit) with EIO; on a disk with
        // no room left that is a full disk, and is said so.
        if committed == EIO, Self.hasNoRoom(path) {
            throw LMDBStatus(code: ENOSPC, operation: "mdb_txn_commit (a short write: the disk is full)")
        }
        try lmdbCheck(committed, "mdb_txn_commit")
        return value
    }

    /// Grows the map to at least `minimum` bytes, waiting for every transaction of this process to end.
    public func growMap(toAtLeast minimum: Int) throws {
        gate.enterExclusive()
        defer { gate.leaveExclusive() }
        try checkOpen()
        guard currentMapSize() < minimum else { return }
        try lmdbCheck(mdb_env_set_mapsize(pointer, minimum), "mdb_env_set_mapsize(\(minimum))")
    }

    /// The next map size after a `MDB_MAP_FULL`: double, by at most 4 GiB a step.
    public var nextMapSize: Int {
        let current = mapSize
        return current + max(min(current, 4 << 30), 1 << 20)
    }

    /// Another process grew the map: adopt its size (allowed only with no transaction active here).
    private func adoptMapSizeOfOtherProcess() throws {
        gate.enterExclusive()
        defer { gate.leaveExclusive() }
        try checkOpen()
        try lmdbCheck(mdb_env_set_mapsize(pointer, 0), "mdb_env_set_mapsize(0)")
    }

    /// Copies the environment to the folder `path` (like `mdb_copy`), consistently even while writers run.
    public func copy(to path: String, compact: Bool = false) throws {
        try lmdbCheck(mdb_env_copy2(pointer, path, compact ? UInt32(MDB_CP_COMPACT) : 0), "mdb_env_copy2 \(path)")
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

/// The folders whose environment this process has open.
final class OpenEnvironmentRegistration: Sendable {
    private static let open = Mutex(Set<String>())
    private let key: String

    init(path: String) throws {
        let key = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        let inserted = Self.open.withLock { $0.insert(key).inserted }
        guard inserted else {
            throw LMDBStatus(code: EBUSY, operation: "open \(key): already open in this process; share that instance")
        }
        self.key = key
    }

    deinit {
        let key = self.key
        _ = Self.open.withLock { $0.remove(key) }
    }
}

import CLMDB
import Foundation

/// A read transaction kept open across calls: the environment exactly as it was when the snapshot began, while
/// other threads and processes go on writing. For copying an environment consistently (a backup); end it as
/// soon as the copy is done, because a long read transaction keeps writers from reusing freed pages.
///
/// While a snapshot is open, this process must not begin other transactions on the environment that could wait
/// for a map resize (a resize waits for every transaction of the process): read through the snapshot.
public final class LMDBSnapshot: @unchecked Sendable {
    private let environment: LMDBEnvironment
    private var pointer: OpaquePointer?
    private let lock = NSLock()

    init(environment: LMDBEnvironment) throws {
        self.environment = environment
        pointer = try environment.beginTransaction(UInt32(MDB_RDONLY), "mdb_txn_begin(snapshot)")
    }

    deinit { end() }

    /// Runs `body` in the snapshot's transaction.
    public func read<T>(_ body: (borrowing LMDBTransaction) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        guard let pointer else { throw LMDBStatus(code: EBADF, operation: "the snapshot of \(environment.path) has ended") }
        return try body(LMDBTransaction(pointer: pointer))
    }

    /// Ends the snapshot's transaction. Later reads fail.
    public func end() {
        lock.lock()
        defer { lock.unlock() }
        guard let txn = pointer else { return }
        mdb_txn_abort(txn)
        pointer = nil
        environment.gate.leaveShared()
    }

    /// Copies every entry of the named databases into a new environment in the folder `path` (created with mode
    /// 0700; it must hold no environment yet), in key order with `MDB_APPEND`, committing every `batchBytes`.
    /// The copy is compact (no free pages) and has no lock file: it is only `data.mdb`, mode 0600. Returns the
    /// entries copied per database.
    @discardableResult
    public func copy(databases names: [String], to path: String, batchBytes: Int = 64 << 20) throws -> [String: Int] {
        let fileManager = FileManager.default
        guard !fileManager.fileExists(atPath: (path as NSString).appendingPathComponent("data.mdb")) else {
            throw LMDBStatus(code: EEXIST, operation: "copy to \(path): an environment is there already")
        }
        try fileManager.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let target = try LMDBEnvironment(path: path, databases: names, options: .init(initialMapSize: 64 << 20, maximumReaders: 8))
        var counts: [String: Int] = [:]
        do {
            for name in names {
                let source = try read { txn in try Self.openExisting(name, txn) }
                let destination = target.database(name)
                var after: [UInt8]?
                var copied = 0
                while true {
                    // One batch: entries after the last key copied, up to `batchBytes`, appended in one transaction.
                    var batch: [([UInt8], [UInt8])] = []
                    var bytes = 0
                    try read { txn in
                        try txn.withCursor(source) { cursor in
                            var entry = try after.map { key in try cursor.seek(atOrAfter: key) } ?? cursor.first()
                            if let key = after, let current = entry, Array(current.key) == key { entry = try cursor.next() }
                            while let current = entry, bytes < batchBytes {
                                batch.append((Array(current.key), Array(current.value)))
                                bytes += current.key.count + current.value.count
                                entry = try cursor.next()
                            }
                        }
                    }
                    guard let last = batch.last else { break }
                    try LMDBWriterThread.writeGrowing(target) { txn in
                        for (key, value) in batch { try txn.put(destination, key, value, append: true) }
                    }
                    copied += batch.count
                    after = last.0
                }
                counts[name] = copied
            }
        } catch {
            target.close()
            throw error
        }
        target.close()
        try? fileManager.removeItem(atPath: (path as NSString).appendingPathComponent("lock.mdb"))
        let dataFile = (path as NSString).appendingPathComponent("data.mdb")
        try fileManager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: dataFile)
        // Synced, so a backup reported complete is on disk.
        let descriptor = open(dataFile, O_RDONLY)
        if descriptor >= 0 {
            _ = fsync(descriptor)
            _ = close(descriptor)
        }
        return counts
    }

    /// A named database of the snapshot's environment that exists in it (opened read-only in the snapshot).
    private static func openExisting(_ name: String, _ txn: borrowing LMDBTransaction) throws -> LMDBDatabase {
        var dbi: MDB_dbi = 0
        try lmdbCheck(mdb_dbi_open(txn.pointer, name, 0, &dbi), "mdb_dbi_open \(name)")
        return LMDBDatabase(name: name, handle: dbi)
    }
}

extension LMDBEnvironment {
    /// A snapshot of the environment as it is now (see ``LMDBSnapshot``).
    public func beginSnapshot() throws -> LMDBSnapshot {
        try LMDBSnapshot(environment: self)
    }

    /// Begins a write transaction, so that no thread or process writes to the environment meanwhile, runs `body`
    /// with it, and aborts it: nothing is written. Call it where writes of this process may begin (its writer
    /// thread), never across an `await`.
    public func withWritersHeldOff<T>(_ body: (borrowing LMDBTransaction) throws -> T) throws -> T {
        let txn = try beginTransaction(0, "mdb_txn_begin(write, writers held off)")
        defer { gate.leaveShared() }
        defer { mdb_txn_abort(txn) }
        return try body(LMDBTransaction(pointer: txn))
    }
}

import Foundation
import LMDB

/// The log as it was at one moment, while others go on appending: for a backup of a running portal. Its head,
/// and a copy of exactly the events up to that head. End it when done: a long read transaction keeps the log's
/// writer from reusing freed pages (the file grows meanwhile, never the log's content).
public final class LogSnapshot: Sendable {
    /// The last event of the snapshot and its chain hash.
    public let head: LogHead
    /// How many streams hold events.
    public let streamCount: Int
    private let snapshot: LMDBSnapshot
    /// The databases the copy holds: all of the log's, the Merkle tree's nodes included when the log has them
    /// (the meta database's `merkle-leaves` says how many leaves they cover, so the two travel together).
    private let databaseNames: [String]

    init(_ snapshot: LMDBSnapshot, databases db: LogDatabases) throws {
        self.snapshot = snapshot
        self.databaseNames = LogDatabases.names + (db.merkle == nil ? [] : LogDatabases.optionalNames)
        (head, streamCount) = try snapshot.read { txn in (try EventLog.readHead(txn, db), try txn.count(db.streamHeads)) }
    }

    /// Copies the log as of the snapshot into the folder `directory` (created, mode 0700; it must not hold a log):
    /// every database of the log, compacted, as `data.mdb` (mode 0600). The copy opens as an ordinary log.
    public func copy(to directory: URL) throws {
        try snapshot.copy(databases: databaseNames, to: directory.path)
    }

    /// Ends the snapshot.
    public func end() { snapshot.end() }
}

extension EventLog {
    /// A snapshot of the log as it is now (see ``LogSnapshot``). In this process, read through the snapshot until
    /// it ends.
    public func snapshot() throws -> LogSnapshot {
        try LogSnapshot(environment.beginSnapshot(), databases: db)
    }
}

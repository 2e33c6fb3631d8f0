import Chronology
import Foundation
import LMDB
import Synchronization

/// An append-only log of events in an LMDB environment.
///
/// Events are appended to streams, atomically and with an expected version; every event gets a global
/// position, and a SHA-256 hash chained to the event before it. Nothing in this API changes or deletes a
/// stored event: a correction is a new event.
///
/// Open one `EventLog` per data folder per process. Appends are `async` and run on the log's writer
/// thread; reads are synchronous and use short read transactions on the caller's thread.
public final class EventLog: Sendable {
    /// How the log is opened.
    public struct Options: Sendable {
        /// Initial size of the memory map. The file is sparse: unused map costs address space, not disk.
        public var initialMapSize: Int = 1 << 30
        /// Reader slots (concurrent read transactions across processes).
        public var maximumReaders: UInt32 = 510
        /// Open without a writer: appends are refused. For audits of a live or copied folder.
        public var readOnly = false
        /// Where recorded-at times come from.
        public var clock: any WallClock = SystemClock()
        /// Upper bound of events in one group commit.
        public var maximumEventsPerCommit = 8192
        /// Upper bound of payload bytes in one group commit.
        public var maximumBytesPerCommit = 64 << 20
        /// How often a caught-up subscription looks for events appended by another process.
        public var subscriptionPollInterval: Duration = .milliseconds(250)
        /// Keep the Merkle tree (``MerkleTree``) in every append's transaction. Off only to measure what it
        /// costs (`portal bench log`): a log appended to without it gets the missing nodes the next time it is
        /// opened with it, before the first append.
        public var keepsMerkleTree = true

        public init() {}
    }

    /// Where the log lives.
    public let directory: URL
    public let options: Options
    let environment: LMDBEnvironment
    let db: LogDatabases
    let notifier: CommitNotifier
    let writer: LogWriter?

    /// Opens the log in `directory`, creating the folder and the log when missing (unless read-only).
    public init(directory: URL, options: Options = Options()) throws {
        self.directory = directory
        self.options = options
        let fileManager = FileManager.default
        if !options.readOnly {
            try PrivateFiles.prepareFolder(directory.path)
        } else if !fileManager.fileExists(atPath: directory.appendingPathComponent("data.mdb").path) {
            throw EventLogError.notALog("there is no event log in \(directory.path) (no data.mdb)")
        }
        do {
            self.environment = try LMDBEnvironment(
                path: directory.path, databases: LogDatabases.names, optional: LogDatabases.optionalNames,
                options: .init(initialMapSize: options.initialMapSize, maximumReaders: options.maximumReaders, readOnly: options.readOnly))
        } catch let status as LMDBStatus {
            throw EventLogError.notALog("cannot open the log in \(directory.path): \(status)")
        }
        self.db = LogDatabases(environment)
        try Self.checkFormat(environment, db)
        let head = try environment.read { [db] txn in try Self.readHead(txn, db).position }
        let notifier = CommitNotifier(head: head)
        self.notifier = notifier
        if options.readOnly {
            self.writer = nil
        } else {
            self.writer = LogWriter(
                environment: environment, databases: db, clock: options.clock,
                limits: .init(maximumEventsPerCommit: options.maximumEventsPerCommit, maximumBytesPerCommit: options.maximumBytesPerCommit),
                keepsMerkleTree: options.keepsMerkleTree,
                onCommit: { notifier.advance(to: $0) })
        }
    }

    /// Opens the log in the folder at `path`.
    public convenience init(path: String, options: Options = Options()) throws {
        try self.init(directory: URL(fileURLWithPath: path, isDirectory: true), options: options)
    }

    deinit {
        close()
    }

    /// Finishes the appends already handed over, stops the writer and releases the folder (another
    /// `EventLog` may then open it). Later appends fail with `closed`, later reads with a storage error.
    public func close() {
        writer?.close()
        environment.close()
    }

    static let formatKey = Array("format".utf8)
    static let formatValue = Array("provider-portal-event-log/1".utf8)

    private static func checkFormat(_ environment: LMDBEnvironment, _ db: LogDatabases) throws {
        let stored = try environment.read { txn in try txn.get(db.meta, formatKey).map { Array($0) } }
        if let stored {
            guard stored == formatValue else {
                throw EventLogError.notALog("the folder holds an LMDB environment of another kind (format '\(String(decoding: stored, as: UTF8.self))')")
            }
            return
        }
        guard !environment.isReadOnly else {
            throw EventLogError.notALog("the folder holds no event log")
        }
        try environment.write { txn in
            guard try txn.count(db.events) == 0 else { return }
            try txn.put(db.meta, formatKey, formatValue)
        }
    }

    // MARK: Append

    /// Appends `events` to one stream, atomically, if the stream is at `expectedVersion`.
    ///
    /// - Returns: the events' positions and the stream's new version. When every event id is already stored
    ///   with the same contents (a retry), nothing is written and the stored positions are returned.
    /// - Throws: `WrongExpectedVersion` naming the stream, expected and actual versions; `EventLogError`
    ///   when an id is reused with other contents, an event is invalid, or storage fails (nothing written).
    @discardableResult
    public func append(to streamID: String, expectedVersion: ExpectedVersion = .any, events: [ProposedEvent]) async throws -> AppendResult {
        try await append([StreamAppend(streamID: streamID, expectedVersion: expectedVersion, events: events)])
    }

    /// Appends to several streams in one atomic step: every stream's expected version must hold, and then
    /// every event is written, or none is. Entries without events only assert their stream's version.
    @discardableResult
    public func append(_ appends: [StreamAppend]) async throws -> AppendResult {
        guard let writer else { throw EventLogError.readOnly }
        try Self.validate(appends)
        return try await writer.submit(appends)
    }

    static func validate(_ appends: [StreamAppend]) throws {
        var streams = Set<String>()
        var ids = Set<UUID>()
        for append in appends {
            if let problem = StreamID.problem(with: append.streamID) {
                throw EventLogError.invalidEvent("stream id '\(append.streamID)' \(problem)")
            }
            guard streams.insert(append.streamID).inserted else {
                throw EventLogError.invalidEvent("stream '\(append.streamID)' appears twice in one append; give its events in one entry")
            }
            for event in append.events {
                guard ids.insert(event.id).inserted else {
                    throw EventLogError.invalidEvent("event id \(event.id.uuidString.lowercased()) appears twice in one append")
                }
                if event.type.isEmpty || event.type.utf8.count > 200 {
                    throw EventLogError.invalidEvent("event type must be 1 to 200 bytes, got \(event.type.utf8.count)")
                }
                if !(0...Int(UInt16.max)).contains(event.schemaVersion) {
                    throw EventLogError.invalidEvent("schema version \(event.schemaVersion) of \(event.type) is out of range 0…65535")
                }
                if event.payload.count > RecordCodec.maximumPayloadSize {
                    throw EventLogError.invalidEvent("payload of \(event.type) is \(event.payload.count) bytes; the limit is \(RecordCodec.maximumPayloadSize)")
                }
                for (field, text) in [("actor", event.actor.who), ("acting as", event.actor.actingAs)] where text.utf8.count > 1024 {
                    throw EventLogError.invalidEvent("\(field) of \(event.type) is longer than 1024 bytes")
                }
            }
        }
    }

    /// Group-commit counters since the log was opened: commits, events written and map growths.
    public var commitStatistics: (commits: Int, events: Int, mapGrowths: Int) {
        guard let writer else { return (0, 0, 0) }
        let counters = writer.counters.withLock { $0 }
        return (counters.commits, counters.events, counters.mapGrowths)
    }
}

/// The last event of the log.
public struct LogHead: Sendable, Equatable {
    /// Position of the last event; 0 for an empty log.
    public var position: UInt64
    /// Its chain hash; the genesis hash (zeros) for an empty log.
    public var hash: ChainHash
    public var recordedAt: Timestamp?
}

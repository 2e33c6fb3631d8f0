import Foundation
import GRDB
import PortalDomain
import StoreComparison

/// The usual SQLite event store, one file through GRDB: WAL mode with `synchronous = FULL` (every commit
/// synced), the same `events` table shape as PostgreSQL's (payload as JSON text), the read models as tables
/// in the same file. GRDB's pool serialises writes, as SQLite allows one writer at a time.
final class SQLiteStore: ComparedStore, @unchecked Sendable {
    let path: String
    let pool: DatabasePool
    private var loadVersions: [String: UInt64] = [:]

    var name: String { "SQLite \(sqliteVersion) (WAL, synchronous=FULL)" }
    var diskAccounting: String { "the database file after a WAL checkpoint: the events table and its indexes" }
    let sqliteVersion: String

    init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(60)
        pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB opens a pool's writer with synchronous = NORMAL (WAL's usual setting); every commit synced is FULL.
        try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
        sqliteVersion = try pool.read { try String.fetchOne($0, sql: "SELECT sqlite_version()") } ?? "?"
        let synchronous = try pool.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") }
        let journal = try pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        guard synchronous == 2, journal == "wal" else {
            throw ComparisonError("SQLite runs with synchronous = \(synchronous ?? -1), journal_mode = \(journal ?? "?"); the comparison needs WAL and FULL (2)")
        }
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE events (
                    position INTEGER PRIMARY KEY,
                    event_id TEXT NOT NULL UNIQUE,
                    stream_id TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    category TEXT NOT NULL,
                    type TEXT NOT NULL,
                    schema_version INTEGER NOT NULL,
                    recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
                    actor_who TEXT NOT NULL,
                    actor_as TEXT NOT NULL,
                    correlation_id TEXT,
                    causation_id TEXT,
                    payload TEXT NOT NULL,
                    UNIQUE (stream_id, version)
                );
                CREATE INDEX events_by_category ON events (category, position);
                """)
        }
    }

    static let insertSQL = """
        INSERT INTO events (event_id, stream_id, version, category, type, schema_version, actor_who, actor_as, correlation_id, causation_id, payload)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    static func arguments(_ event: WorkloadEvent, version: UInt64) -> StatementArguments {
        [event.id.uuidString.lowercased(), event.streamID, Int64(version), String(event.category), event.type, event.schemaVersion,
         event.actorWho, event.actingAs, event.correlationID?.uuidString.lowercased(), event.causationID?.uuidString.lowercased(),
         String(decoding: event.payload, as: UTF8.self)]
    }

    func load(_ batch: WorkloadBatch) async throws {
        var rows: [StatementArguments] = []
        rows.reserveCapacity(batch.count)
        for event in batch {
            let version = (loadVersions[event.streamID] ?? 0) + 1
            loadVersions[event.streamID] = version
            rows.append(Self.arguments(event, version: version))
        }
        let prepared = rows
        try await pool.write { db in
            let insert = try db.cachedStatement(sql: Self.insertSQL)
            for arguments in prepared { try insert.execute(arguments: arguments) }
        }
    }

    func openWriters(_ count: Int) async throws {
        loadVersions = [:]
    }

    func append(_ event: WorkloadEvent, expectedVersion: UInt64, writer: Int) async throws {
        let arguments = Self.arguments(event, version: expectedVersion + 1)
        let stream = event.streamID
        try await pool.write { db in
            let current = try Int64.fetchOne(db, sql: "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = ?", arguments: [stream]) ?? 0
            guard current == Int64(expectedVersion) else { throw ComparisonError("\(stream) is at version \(current), not \(expectedVersion)") }
            try db.cachedStatement(sql: Self.insertSQL).execute(arguments: arguments)
        }
    }

    func appendAtomically(_ events: [WorkloadEvent], expectedVersions: [String: UInt64]) async throws {
        var versions = expectedVersions
        var rows: [StatementArguments] = []
        for event in events {
            let version = (versions[event.streamID] ?? 0) + 1
            versions[event.streamID] = version
            rows.append(Self.arguments(event, version: version))
        }
        let prepared = rows
        let expected = expectedVersions.sorted { $0.key < $1.key }
        try await pool.write { db in
            for (stream, version) in expected {
                let current = try Int64.fetchOne(db, sql: "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = ?", arguments: [stream]) ?? 0
                guard current == Int64(version) else { throw ComparisonError("\(stream) is at version \(current), not \(version)") }
            }
            let insert = try db.cachedStatement(sql: Self.insertSQL)
            for arguments in prepared { try insert.execute(arguments: arguments) }
        }
    }

    static let selectColumns = "position, stream_id, version, event_id, type, schema_version, actor_who, actor_as, correlation_id, causation_id, payload"

    static func event(_ row: Row) throws -> ComparedEvent {
        guard let id = UUID(uuidString: row[3]) else { throw ComparisonError("SQLite returned a malformed event id") }
        let payload: String = row[10]
        return ComparedEvent(
            position: UInt64(row[0] as Int64), streamID: row[1], version: UInt64(row[2] as Int64), id: id, type: row[4],
            schemaVersion: row[5], actorWho: row[6], actingAs: row[7], correlationID: (row[8] as String?).flatMap(UUID.init(uuidString:)),
            causationID: (row[9] as String?).flatMap(UUID.init(uuidString:)), payload: Data(payload.utf8))
    }

    func readAll(batchSize: Int, _ visit: (ComparedEvent) throws -> Void) async throws {
        var after: Int64 = 0
        while true {
            let from = after
            let events = try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT \(Self.selectColumns) FROM events WHERE position > ? ORDER BY position LIMIT ?",
                                 arguments: [from, batchSize]).map(Self.event)
            }
            guard let last = events.last else { return }
            for event in events { try visit(event) }
            after = Int64(last.position)
        }
    }

    func readStream(_ streamID: String) async throws -> [ComparedEvent] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.selectColumns) FROM events WHERE stream_id = ? ORDER BY version", arguments: [streamID]).map(Self.event)
        }
    }

    func rebuildReadModels(batchSize: Int, progress: @escaping @Sendable (Int) -> Void) async throws -> ReadModelSummary {
        try await pool.write { db in
            try db.execute(sql: """
                DROP TABLE IF EXISTS invoice_state; DROP TABLE IF EXISTS period_lock; DROP TABLE IF EXISTS remittance; DROP TABLE IF EXISTS checkpoint;
                CREATE TABLE invoice_state (invoice_id TEXT PRIMARY KEY, organisation_id TEXT NOT NULL, status TEXT NOT NULL,
                    service_id TEXT, period INTEGER, submitted_on TEXT, state TEXT NOT NULL);
                CREATE INDEX invoice_state_by_organisation ON invoice_state (organisation_id, status);
                CREATE INDEX invoice_state_queue ON invoice_state (status, submitted_on);
                CREATE TABLE period_lock (service_id TEXT NOT NULL, period INTEGER NOT NULL, status TEXT NOT NULL, invoice_id TEXT NOT NULL,
                    next_period_opened_because TEXT, position INTEGER NOT NULL, event_type TEXT NOT NULL, PRIMARY KEY (service_id, period));
                CREATE TABLE remittance (payment_run_id TEXT NOT NULL, organisation_id TEXT NOT NULL, total TEXT NOT NULL,
                    csv TEXT NOT NULL, text TEXT NOT NULL, csv_sha256 TEXT NOT NULL, PRIMARY KEY (payment_run_id, organisation_id));
                CREATE TABLE checkpoint (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
                INSERT INTO checkpoint VALUES ('read-models', 0);
                """)
        }
        let categories = PeerReadModels.categories
        let placeholders = categories.map { _ in "?" }.joined(separator: ", ")
        var after: Int64 = 0
        var done = 0
        while true {
            let from = after
            let step = try await pool.write { db -> (Int64?, Int) in
                let events = try Row.fetchAll(
                    db, sql: "SELECT \(Self.selectColumns) FROM events WHERE category IN (\(placeholders)) AND position > ? ORDER BY position LIMIT ?",
                    arguments: StatementArguments(categories) + [from, batchSize]).map(Self.event)
                guard let last = events.last else { return (nil, 0) }
                var states: [String: Invoice.State] = [:]
                let load = try db.cachedStatement(sql: "SELECT state FROM invoice_state WHERE invoice_id = ?")
                for id in PeerReadModels.invoicesTouched(by: events) {
                    if let state = try String.fetchOne(load, arguments: [id]) { states[id] = try PeerReadModels.decodeState(Data(state.utf8)) }
                }
                let changes = try PeerReadModels.apply(events, invoiceStates: &states)
                let invoice = try db.cachedStatement(sql: """
                    INSERT INTO invoice_state (invoice_id, organisation_id, status, service_id, period, submitted_on, state) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (invoice_id) DO UPDATE SET organisation_id = excluded.organisation_id, status = excluded.status,
                        service_id = excluded.service_id, period = excluded.period,
                        submitted_on = coalesce(excluded.submitted_on, invoice_state.submitted_on), state = excluded.state
                    """)
                for row in changes.invoices {
                    try invoice.execute(arguments: [row.invoiceID, row.organisationID, row.status, row.serviceID, row.period, row.submittedOn,
                                                    String(decoding: row.state, as: UTF8.self)])
                }
                let lock = try db.cachedStatement(sql: """
                    INSERT INTO period_lock (service_id, period, status, invoice_id, next_period_opened_because, position, event_type) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (service_id, period) DO UPDATE SET status = excluded.status, invoice_id = excluded.invoice_id,
                        next_period_opened_because = excluded.next_period_opened_because, position = excluded.position, event_type = excluded.event_type
                    """)
                for row in changes.locks {
                    try lock.execute(arguments: [row.serviceID, row.period, row.status, row.invoiceID, row.nextPeriodOpenedBecause, Int64(row.position), row.eventType])
                }
                let remittance = try db.cachedStatement(sql: "INSERT INTO remittance VALUES (?, ?, ?, ?, ?, ?)")
                for row in changes.remittances {
                    try remittance.execute(arguments: [row.paymentRunID, row.organisationID, row.total, String(decoding: row.csv, as: UTF8.self),
                                                       String(decoding: row.text, as: UTF8.self), row.recordedCSVSHA256])
                }
                try db.execute(sql: "UPDATE checkpoint SET position = ? WHERE name = 'read-models'", arguments: [Int64(last.position)])
                return (Int64(last.position), events.count)
            }
            guard let last = step.0 else { break }
            after = last
            done += step.1
            progress(done)
        }
        return try await pool.read { db in
            var invoices: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM invoice_state GROUP BY status") { invoices[row[0]] = row[1] }
            var locks: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM period_lock GROUP BY status") { locks[row[0]] = row[1] }
            var totals: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT payment_run_id, organisation_id, total FROM remittance") {
                totals["\(row[0] as String)/\(row[1] as String)"] = row[2]
            }
            let rows = try Int.fetchOne(db, sql: "SELECT (SELECT count(*) FROM invoice_state) + (SELECT count(*) FROM period_lock) + (SELECT count(*) FROM remittance)") ?? 0
            return ReadModelSummary(invoicesByStatus: invoices, periodLocksByState: locks, remittanceTotals: totals, rows: rows)
        }
    }

    func bytesOnDisk() async throws -> Int64 {
        try await pool.writeWithoutTransaction { db in _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        return try await pool.read { db in
            (try Int64.fetchOne(db, sql: "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")) ?? 0
        }
    }

    func close() async throws {
        try pool.close()
    }
}

import Foundation
import PortalDomain
import StoreComparison

/// The usual PostgreSQL event store: one `events` table (global position, unique event id, unique stream id
/// and version, category index, JSONB payload), appends with an optimistic version check, and the three read
/// models as tables upserted in the same database. Durable commits: the server's defaults (`fsync = on`,
/// `synchronous_commit = on`, `full_page_writes = on`), which the run checks.
final class PostgreSQLStore: ComparedStore, @unchecked Sendable {
    let conninfo: String
    let main: PostgreSQLConnection
    private var writers: [PostgreSQLConnection] = []
    /// Stream versions during the bulk load (the loader is the only writer then).
    private var loadVersions: [String: UInt64] = [:]
    let serverVersion: String

    var name: String { "PostgreSQL \(serverVersion)" }
    var diskAccounting: String { "pg_total_relation_size of the events table: heap, TOAST and its four indexes (not the WAL)" }

    static let columns = "event_id, stream_id, version, category, type, schema_version, actor_who, actor_as, correlation_id, causation_id, payload"

    init(conninfo: String) async throws {
        self.conninfo = conninfo
        main = try PostgreSQLConnection(conninfo, label: "main")
        let settings = try await main.run { connection -> [String: String] in
            let result = try connection.execute("SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'server_version')")
            var settings: [String: String] = [:]
            for row in 0..<result.rows { settings[result.text(row, 0) ?? ""] = result.text(row, 1) }
            return settings
        }
        serverVersion = settings["server_version"].map { String($0.prefix { $0 != " " }) } ?? "?"
        for (setting, wanted) in [("fsync", "on"), ("synchronous_commit", "on"), ("full_page_writes", "on")] where settings[setting] != wanted {
            throw ComparisonError("PostgreSQL runs with \(setting) = \(settings[setting] ?? "?"); the comparison needs durable commits (\(setting) = \(wanted))")
        }
        try await main.run { connection in
            for statement in [
                "DROP TABLE IF EXISTS events, invoice_state, period_lock, remittance, checkpoint",
                """
                CREATE TABLE events (
                    position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    event_id uuid NOT NULL UNIQUE,
                    stream_id text NOT NULL,
                    version bigint NOT NULL,
                    category text NOT NULL,
                    type text NOT NULL,
                    schema_version integer NOT NULL,
                    recorded_at timestamptz NOT NULL DEFAULT now(),
                    actor_who text NOT NULL,
                    actor_as text NOT NULL,
                    correlation_id uuid,
                    causation_id uuid,
                    payload jsonb NOT NULL,
                    UNIQUE (stream_id, version)
                )
                """,
                "CREATE INDEX events_by_category ON events (category, position)",
            ] { try connection.execute(statement) }
        }
    }

    static func row(_ event: WorkloadEvent, version: UInt64) -> [String?] {
        [event.id.uuidString.lowercased(), event.streamID, String(version), String(event.category), event.type, String(event.schemaVersion),
         event.actorWho, event.actingAs, event.correlationID?.uuidString.lowercased(), event.causationID?.uuidString.lowercased(),
         String(decoding: event.payload, as: UTF8.self)]
    }

    /// `INSERT … VALUES ($1, …), (…)` for `count` rows of the event columns.
    static func insert(rows count: Int) -> String {
        let width = 11
        let values = (0..<count).map { row in
            "(" + (1...width).map { "$\(row * width + $0)" }.joined(separator: ", ") + ")"
        }
        return "INSERT INTO events (\(columns)) VALUES " + values.joined(separator: ", ")
    }

    func load(_ batch: WorkloadBatch) async throws {
        var parameters: [String?] = []
        parameters.reserveCapacity(batch.count * 11)
        for event in batch {
            let version = (loadVersions[event.streamID] ?? 0) + 1
            loadVersions[event.streamID] = version
            parameters += Self.row(event, version: version)
        }
        let sql = Self.insert(rows: batch.count)
        let values = parameters
        try await main.run { connection in _ = try connection.execute(sql, values) }
    }

    func openWriters(_ count: Int) async throws {
        loadVersions = [:]
        writers = try (0..<count).map { try PostgreSQLConnection(conninfo, label: "writer-\($0)") }
    }

    static let appendSQL = """
        INSERT INTO events (\(columns))
        SELECT $1::uuid, $2, $3::bigint + 1, $4, $5, $6::integer, $7, $8, $9::uuid, $10::uuid, $11::jsonb
        WHERE (SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $2) = $3::bigint
        """

    func append(_ event: WorkloadEvent, expectedVersion: UInt64, writer: Int) async throws {
        var row = Self.row(event, version: expectedVersion)
        row[2] = String(expectedVersion)
        let parameters = row
        let inserted = try await writers[writer].run { try $0.execute(Self.appendSQL, parameters, prepared: "append").affected }
        guard inserted == 1 else { throw ComparisonError("\(event.streamID) is not at version \(expectedVersion)") }
    }

    func appendAtomically(_ events: [WorkloadEvent], expectedVersions: [String: UInt64]) async throws {
        var versions = expectedVersions
        var rows: [[String?]] = []
        for event in events {
            let version = (versions[event.streamID] ?? 0) + 1
            versions[event.streamID] = version
            rows.append(Self.row(event, version: version))
        }
        let expected = expectedVersions
        let allRows = rows
        try await main.run { connection in
            try connection.execute("BEGIN")
            do {
                for (stream, version) in expected.sorted(by: { $0.key < $1.key }) {
                    let current = try connection.execute("SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", [stream], prepared: "version")
                    guard current.text(0, 0) == String(version) else { throw ComparisonError("\(stream) is not at version \(version)") }
                }
                for chunk in allRows.chunked(4_000) {
                    try connection.execute(Self.insert(rows: chunk.count), chunk.flatMap { $0 })
                }
                try connection.execute("COMMIT")
            } catch {
                _ = try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    static let selectColumns = "position, stream_id, version, event_id, type, schema_version, actor_who, actor_as, correlation_id, causation_id, payload::text"

    static func event(_ result: PostgreSQLResult, _ row: Int) throws -> ComparedEvent {
        guard let position = result.text(row, 0).flatMap(UInt64.init), let stream = result.text(row, 1),
              let version = result.text(row, 2).flatMap(UInt64.init), let id = result.text(row, 3).flatMap(UUID.init(uuidString:)),
              let type = result.text(row, 4), let schemaVersion = result.text(row, 5).flatMap(Int.init) else {
            throw ComparisonError("PostgreSQL returned a malformed event row")
        }
        return ComparedEvent(
            position: position, streamID: stream, version: version, id: id, type: type, schemaVersion: schemaVersion,
            actorWho: result.text(row, 6) ?? "", actingAs: result.text(row, 7) ?? "",
            correlationID: result.text(row, 8).flatMap(UUID.init(uuidString:)), causationID: result.text(row, 9).flatMap(UUID.init(uuidString:)),
            payload: result.bytes(row, 10))
    }

    func readAll(batchSize: Int, _ visit: (ComparedEvent) throws -> Void) async throws {
        var after: UInt64 = 0
        while true {
            let from = after
            let events = try await main.run { connection -> [ComparedEvent] in
                let result = try connection.execute(
                    "SELECT \(Self.selectColumns) FROM events WHERE position > $1 ORDER BY position LIMIT $2",
                    [String(from), String(batchSize)], prepared: "read-all")
                return try (0..<result.rows).map { try Self.event(result, $0) }
            }
            guard let last = events.last else { return }
            for event in events { try visit(event) }
            after = last.position
        }
    }

    func readStream(_ streamID: String) async throws -> [ComparedEvent] {
        try await main.run { connection in
            let result = try connection.execute("SELECT \(Self.selectColumns) FROM events WHERE stream_id = $1 ORDER BY version", [streamID], prepared: "read-stream")
            return try (0..<result.rows).map { try Self.event(result, $0) }
        }
    }

    func rebuildReadModels(batchSize: Int, progress: @escaping @Sendable (Int) -> Void) async throws -> ReadModelSummary {
        try await main.run { connection in
            for statement in [
                "DROP TABLE IF EXISTS invoice_state, period_lock, remittance, checkpoint",
                """
                CREATE TABLE invoice_state (invoice_id text PRIMARY KEY, organisation_id text NOT NULL, status text NOT NULL,
                    service_id text, period integer, submitted_on date, state jsonb NOT NULL)
                """,
                "CREATE INDEX invoice_state_by_organisation ON invoice_state (organisation_id, status)",
                "CREATE INDEX invoice_state_queue ON invoice_state (status, submitted_on)",
                """
                CREATE TABLE period_lock (service_id text NOT NULL, period integer NOT NULL, status text NOT NULL, invoice_id text NOT NULL,
                    next_period_opened_because text, position bigint NOT NULL, event_type text NOT NULL, PRIMARY KEY (service_id, period))
                """,
                """
                CREATE TABLE remittance (payment_run_id text NOT NULL, organisation_id text NOT NULL, total numeric(14, 2) NOT NULL,
                    csv text NOT NULL, text text NOT NULL, csv_sha256 text NOT NULL, PRIMARY KEY (payment_run_id, organisation_id))
                """,
                "CREATE TABLE checkpoint (name text PRIMARY KEY, position bigint NOT NULL)",
                "INSERT INTO checkpoint VALUES ('read-models', 0)",
            ] { try connection.execute(statement) }
        }
        let categories = "{" + PeerReadModels.categories.joined(separator: ",") + "}"
        var after: UInt64 = 0
        var done = 0
        while true {
            let from = after
            let step = try await main.run { connection -> (UInt64?, Int) in
                let result = try connection.execute(
                    "SELECT \(Self.selectColumns) FROM events WHERE category = ANY($1::text[]) AND position > $2 ORDER BY position LIMIT $3",
                    [categories, String(from), String(batchSize)], prepared: "rebuild-read")
                let events = try (0..<result.rows).map { try Self.event(result, $0) }
                guard let last = events.last else { return (nil, 0) }
                try connection.execute("BEGIN")
                do {
                    var states: [String: Invoice.State] = [:]
                    let touched = PeerReadModels.invoicesTouched(by: events)
                    if !touched.isEmpty {
                        let loaded = try connection.execute("SELECT invoice_id, state::text FROM invoice_state WHERE invoice_id = ANY($1::text[])",
                                                            ["{" + touched.map { "\"\($0)\"" }.joined(separator: ",") + "}"], prepared: "load-invoices")
                        for row in 0..<loaded.rows { states[loaded.text(row, 0)!] = try PeerReadModels.decodeState(loaded.bytes(row, 1)) }
                    }
                    let changes = try PeerReadModels.apply(events, invoiceStates: &states)
                    try Self.upsert(changes, connection)
                    try connection.execute("UPDATE checkpoint SET position = $1 WHERE name = 'read-models'", [String(last.position)], prepared: "checkpoint")
                    try connection.execute("COMMIT")
                } catch {
                    _ = try? connection.execute("ROLLBACK")
                    throw error
                }
                return (last.position, events.count)
            }
            guard let last = step.0 else { break }
            after = last
            done += step.1
            progress(done)
        }
        return try await main.run { connection in
            var invoices: [String: Int] = [:]
            var result = try connection.execute("SELECT status, count(*) FROM invoice_state GROUP BY status")
            for row in 0..<result.rows { invoices[result.text(row, 0)!] = Int(result.text(row, 1)!)! }
            var locks: [String: Int] = [:]
            result = try connection.execute("SELECT status, count(*) FROM period_lock GROUP BY status")
            for row in 0..<result.rows { locks[result.text(row, 0)!] = Int(result.text(row, 1)!)! }
            var totals: [String: String] = [:]
            result = try connection.execute("SELECT payment_run_id, organisation_id, total::text FROM remittance")
            for row in 0..<result.rows { totals["\(result.text(row, 0)!)/\(result.text(row, 1)!)"] = result.text(row, 2)! }
            result = try connection.execute("SELECT (SELECT count(*) FROM invoice_state) + (SELECT count(*) FROM period_lock) + (SELECT count(*) FROM remittance)")
            return ReadModelSummary(invoicesByStatus: invoices, periodLocksByState: locks, remittanceTotals: totals, rows: Int(result.text(0, 0)!)!)
        }
    }

    private static func upsert(_ changes: PeerReadModels.Changes, _ connection: PostgreSQLConnection) throws {
        for chunk in changes.invoices.chunked(1_000) {
            let values = chunk.indices.map { index in "(" + (1...7).map { "$\((index - chunk.startIndex) * 7 + $0)" }.joined(separator: ", ") + ")" }
            try connection.execute("""
                INSERT INTO invoice_state (invoice_id, organisation_id, status, service_id, period, submitted_on, state)
                SELECT v.a, v.b, v.c, v.d, v.e::integer, v.f::date, v.g::jsonb FROM (VALUES \(values.joined(separator: ", "))) AS v(a, b, c, d, e, f, g)
                ON CONFLICT (invoice_id) DO UPDATE SET organisation_id = EXCLUDED.organisation_id, status = EXCLUDED.status,
                    service_id = EXCLUDED.service_id, period = EXCLUDED.period,
                    submitted_on = coalesce(EXCLUDED.submitted_on, invoice_state.submitted_on), state = EXCLUDED.state
                """, chunk.flatMap { row -> [String?] in
                [row.invoiceID, row.organisationID, row.status, row.serviceID, row.period.map(String.init), row.submittedOn,
                 String(decoding: row.state, as: UTF8.self)]
            })
        }
        for chunk in changes.locks.chunked(1_000) {
            let values = chunk.indices.map { index in "(" + (1...7).map { "$\((index - chunk.startIndex) * 7 + $0)" }.joined(separator: ", ") + ")" }
            try connection.execute("""
                INSERT INTO period_lock (service_id, period, status, invoice_id, next_period_opened_because, position, event_type)
                SELECT v.a, v.b::integer, v.c, v.d, v.e, v.f::bigint, v.g FROM (VALUES \(values.joined(separator: ", "))) AS v(a, b, c, d, e, f, g)
                ON CONFLICT (service_id, period) DO UPDATE SET status = EXCLUDED.status, invoice_id = EXCLUDED.invoice_id,
                    next_period_opened_because = EXCLUDED.next_period_opened_because, position = EXCLUDED.position, event_type = EXCLUDED.event_type
                """, chunk.flatMap { row -> [String?] in
                [row.serviceID, String(row.period), row.status, row.invoiceID, row.nextPeriodOpenedBecause, String(row.position), row.eventType]
            })
        }
        for row in changes.remittances {
            try connection.execute("""
                INSERT INTO remittance (payment_run_id, organisation_id, total, csv, text, csv_sha256) VALUES ($1, $2, $3::numeric, $4, $5, $6)
                """, [row.paymentRunID, row.organisationID, row.total, String(decoding: row.csv, as: UTF8.self), String(decoding: row.text, as: UTF8.self),
                      row.recordedCSVSHA256], prepared: "remittance")
        }
    }

    func bytesOnDisk() async throws -> Int64 {
        try await main.run { connection in
            let result = try connection.execute("SELECT pg_total_relation_size('events')")
            return Int64(result.text(0, 0) ?? "0") ?? 0
        }
    }

    func close() async throws {
        writers = []
    }
}

extension Array {
    /// The array in consecutive slices of at most `size` elements.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        Swift.stride(from: 0, to: count, by: size).map { self[$0..<Swift.min(count, $0 + size)] }
    }
}

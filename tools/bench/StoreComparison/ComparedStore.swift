import Foundation

/// An event as a store gives it back: the envelope it assigned and the payload bytes (which a SQL store may
/// have re-serialised, so comparisons use the payload's canonical JSON).
public struct ComparedEvent: Sendable {
    public var position: UInt64
    public var streamID: String
    public var version: UInt64
    public var id: UUID
    public var type: String
    public var schemaVersion: Int
    public var actorWho: String
    public var actingAs: String
    public var correlationID: UUID?
    public var causationID: UUID?
    public var payload: Data

    public init(
        position: UInt64, streamID: String, version: UInt64, id: UUID, type: String, schemaVersion: Int, actorWho: String,
        actingAs: String, correlationID: UUID?, causationID: UUID?, payload: Data
    ) {
        self.position = position
        self.streamID = streamID
        self.version = version
        self.id = id
        self.type = type
        self.schemaVersion = schemaVersion
        self.actorWho = actorWho
        self.actingAs = actingAs
        self.correlationID = correlationID
        self.causationID = causationID
        self.payload = payload
    }
}

/// An event store under comparison: this product's LMDB log, or a peer (PostgreSQL, SQLite) holding the usual
/// event table. Every write is durable when the call returns; every store runs the same ``ComparisonPhases``.
public protocol ComparedStore: AnyObject, Sendable {
    /// How the report names the store, with its durability setting.
    var name: String { get }

    /// Appends one batch in one transaction, events in order (the initial load; versions are not checked).
    func load(_ batch: WorkloadBatch) async throws

    /// Makes `count` independent writers ready (a connection each, for the SQL stores).
    func openWriters(_ count: Int) async throws

    /// Appends one event to its stream, as writer `writer`, if the stream is at `expectedVersion`.
    func append(_ event: WorkloadEvent, expectedVersion: UInt64, writer: Int) async throws

    /// Appends `events` in one atomic transaction, each of their streams at `expectedVersions` (0: new).
    func appendAtomically(_ events: [WorkloadEvent], expectedVersions: [String: UInt64]) async throws

    /// Every event in position order, `batchSize` events per read.
    func readAll(batchSize: Int, _ visit: (ComparedEvent) throws -> Void) async throws

    /// One stream's events in version order.
    func readStream(_ streamID: String) async throws -> [ComparedEvent]

    /// Rebuilds the invoice-state, period-lock and remittance read models from the first event, in batches of
    /// about `batchSize` events each committed with its checkpoint; `progress` gets the events done.
    func rebuildReadModels(batchSize: Int, progress: @escaping @Sendable (Int) -> Void) async throws -> ReadModelSummary

    /// Bytes the events take on disk now (what is counted is the store's `diskAccounting`).
    func bytesOnDisk() async throws -> Int64

    /// What ``bytesOnDisk()`` counts, for the report.
    var diskAccounting: String { get }

    func close() async throws
}

/// What the rebuilt read models hold, compared across stores by the smoke test: the number of invoices in each
/// status, the period locks in each state, and each remittance's total.
public struct ReadModelSummary: Sendable, Codable, Equatable {
    public var invoicesByStatus: [String: Int]
    public var periodLocksByState: [String: Int]
    /// `<payment run>/<organisation>` → the remittance's total (pounds and pence).
    public var remittanceTotals: [String: String]
    /// Rows written in all, as the store counts them.
    public var rows: Int

    public init(invoicesByStatus: [String: Int], periodLocksByState: [String: Int], remittanceTotals: [String: String], rows: Int) {
        self.invoicesByStatus = invoicesByStatus
        self.periodLocksByState = periodLocksByState
        self.remittanceTotals = remittanceTotals
        self.rows = rows
    }
}

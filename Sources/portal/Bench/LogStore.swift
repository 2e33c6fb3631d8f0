import EventLog
import Foundation
import PortalDomain
import PortalProjections
import StoreComparison

/// This product's log as a store of the comparison: appends through `EventLog` (group commit, every commit
/// synced, hash chain, id and category indexes), and the read models rebuilt by the projection engine.
final class LogStore: ComparedStore {
    let folder: URL
    let log: EventLog

    var name: String { "LMDB (this product's log)" }
    var diskAccounting: String { "data.mdb of the log: events, stream, id and category indexes, hash chain" }

    init(folder: URL) throws {
        self.folder = folder
        log = try EventLog(directory: folder.appendingPathComponent("log", isDirectory: true))
    }

    static func proposed(_ event: WorkloadEvent) -> ProposedEvent {
        ProposedEvent(id: event.id, type: event.type, schemaVersion: event.schemaVersion, payload: event.payload,
                      actor: EventActor(who: event.actorWho, actingAs: event.actingAs), correlationID: event.correlationID,
                      causationID: event.causationID)
    }

    /// The batch as one entry per stream (each stream's events are contiguous in a batch).
    static func appends(_ events: [WorkloadEvent], expected: (String) -> ExpectedVersion) -> [StreamAppend] {
        var appends: [StreamAppend] = []
        for event in events {
            if appends.last?.streamID == event.streamID {
                appends[appends.count - 1].events.append(proposed(event))
            } else {
                appends.append(StreamAppend(streamID: event.streamID, expectedVersion: expected(event.streamID), events: [proposed(event)]))
            }
        }
        return appends
    }

    func load(_ batch: WorkloadBatch) async throws {
        try await log.append(Self.appends(batch) { _ in .any })
    }

    func openWriters(_ count: Int) async throws {}

    func append(_ event: WorkloadEvent, expectedVersion: UInt64, writer: Int) async throws {
        try await log.append(to: event.streamID, expectedVersion: .exact(expectedVersion), events: [Self.proposed(event)])
    }

    func appendAtomically(_ events: [WorkloadEvent], expectedVersions: [String: UInt64]) async throws {
        try await log.append(Self.appends(events) { .exact(expectedVersions[$0] ?? 0) })
    }

    func readAll(batchSize: Int, _ visit: (ComparedEvent) throws -> Void) async throws {
        var next: UInt64 = 1
        while true {
            let batch = try log.readAll(from: next, limit: batchSize)
            guard let last = batch.last else { return }
            for event in batch { try visit(Self.stored(event)) }
            next = last.position + 1
        }
    }

    func readStream(_ streamID: String) async throws -> [ComparedEvent] {
        try log.readStream(streamID).map(Self.stored)
    }

    static func stored(_ event: RecordedEvent) -> ComparedEvent {
        ComparedEvent(position: event.position, streamID: event.streamID, version: event.streamVersion, id: event.id, type: event.type,
                    schemaVersion: event.schemaVersion, actorWho: event.actor.who, actingAs: event.actor.actingAs,
                    correlationID: event.correlationID, causationID: event.causationID, payload: event.payload)
    }

    /// The projection engine's own rebuild of the three read models, into a new generation.
    func rebuildReadModels(batchSize: Int, progress: @escaping @Sendable (Int) -> Void) async throws -> ReadModelSummary {
        var options = PortalReadModels.engineOptions(batchSize: batchSize)
        options.domainCategories = PortalReadModels.domainCategories
        let engine = ProjectionEngine(log: log, folder: folder.appendingPathComponent("projections", isDirectory: true),
                                      projections: [InvoicesProjection.self, PeriodLocksProjection.self, RemittancesProjection.self], options: options)
        try engine.open()
        defer { engine.close() }
        let reported = ReportedProgress()
        try await engine.rebuild(following: false) { figures in
            if reported.due() { progress(Int(figures.done)) }
        }
        if let stopped = engine.stoppedError { throw ComparisonError("the rebuild stopped: \(stopped)") }
        var invoices: [String: Int] = [:]
        for status in InvoiceStatus.allCases {
            let count = try InvoiceQueries(engine: engine).invoices(status: status, .council).count
            if count > 0 { invoices[status.rawValue] = count }
        }
        var locks: [String: Int] = [:]
        for entry in try engine.read(PeriodLocksProjection.self, { try $0.values(PeriodLockEntry.self, "periods", prefix: ReadModelKey(bytes: [])) }) {
            locks[entry.status.rawValue, default: 0] += 1
        }
        var totals: [String: String] = [:]
        for entry in try RemittanceQueries(engine: engine).remittances(.council) {
            totals["\(entry.advice.paymentRunID)/\(entry.advice.organisationID)"] = entry.advice.total.description
        }
        let rows = try engine.tableCounts().values.reduce(0) { $0 + $1.values.reduce(0, +) }
        return ReadModelSummary(invoicesByStatus: invoices, periodLocksByState: locks, remittanceTotals: totals, rows: rows)
    }

    func bytesOnDisk() async throws -> Int64 {
        Measure.allocatedBytes(folder.appendingPathComponent("log/data.mdb"))
    }

    func close() async throws { log.close() }
}

/// Lets a progress line through at most every five seconds.
final class ReportedProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var last = ContinuousClock.now

    func due() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard ContinuousClock.now - last > .seconds(5) else { return false }
        last = ContinuousClock.now
        return true
    }
}

import Foundation
import PortalDomain

/// What every store does in one comparison run, the same for all.
public struct ComparisonPlan: Sendable, Codable {
    /// The generated county to load (``WorkloadFile``).
    public var workload: String
    /// Durable single-event appends by one writer.
    public var singleWriterAppends = 2_000
    /// Concurrent writers, and the appends each makes.
    public var concurrentWriters = 16
    public var appendsPerConcurrentWriter = 250
    /// Invoices whose history is read and folded (each three times).
    public var historySamples = 200
    /// Events read and applied per rebuild transaction.
    public var rebuildBatchSize = 8_000
    /// A workload file holding one bulk import's events, appended atomically (made by the product's import).
    public var importEvents: String?
    /// Where to write every event in position order after the run (the smoke test compares the stores').
    public var dump: String?

    public init(workload: String) {
        self.workload = workload
    }
}

/// Runs the phases of a comparison on one store and returns its figures. Progress goes to `say` as plain
/// lines (the orchestrating script shows them).
///
/// 1. load the county, batch by batch, each batch one transaction;
/// 2. bytes on disk;
/// 3. read everything in position order;
/// 4. history of sampled invoices: read the invoice's stream and fold it with `Invoice.evolve`;
/// 5. rebuild invoice state, period locks and remittances;
/// 6. durable appends by one writer, each one event with an exact expected version;
/// 7. the same by many concurrent writers;
/// 8. one bulk import's events in one atomic append.
public enum ComparisonPhases {
    public static func run(_ store: any ComparedStore, _ plan: ComparisonPlan, say: @escaping @Sendable (String) -> Void) async throws -> StoreFigures {
        let clock = ContinuousClock()
        let name = store.name
        let memory = AnonymousMemoryPeak()

        // 1. Load.
        say("\(name): loading \(plan.workload)")
        var invoiceStreams: [String] = []
        var seenInvoices = Set<String>()
        var sample: WorkloadEvent?
        var loaded = 0
        var lastReport = clock.now
        let loadStart = clock.now
        try await WorkloadFile.forEachBatch(in: URL(fileURLWithPath: plan.workload)) { batch in
            for event in batch {
                if event.streamID.hasPrefix("\(Invoice.category)-"), seenInvoices.insert(event.streamID).inserted {
                    invoiceStreams.append(event.streamID)
                }
                if sample == nil, event.type == ActualRecorded.eventType { sample = event }
            }
            try await store.load(batch)
            loaded += batch.count
            if clock.now - lastReport > .seconds(5) {
                lastReport = clock.now
                say("\(name): loaded \(loaded) events (\(Int(Double(loaded) / Measure.seconds(clock.now - loadStart))) events/s)")
            }
        }
        let load = StoreFigures.Throughput(events: loaded, seconds: Measure.seconds(clock.now - loadStart))
        say("\(name): loaded \(loaded) events in \(String(format: "%.1f", load.seconds)) s")
        guard let sample else { throw ComparisonError("the workload holds no ActualRecorded event to append in the append phases") }

        // 2. Bytes on disk, of the county alone.
        let bytes = try await store.bytesOnDisk()

        // 3. Read everything.
        say("\(name): reading every event")
        var read = 0
        var payloadBytes = 0
        var readStart = clock.now
        try await store.readAll(batchSize: 10_000) { event in
            read += 1
            payloadBytes += event.payload.count
        }
        let readAll = StoreFigures.Throughput(events: read, seconds: Measure.seconds(clock.now - readStart))
        guard read == loaded else { throw ComparisonError("\(name) read \(read) events back after loading \(loaded)") }

        // 4. Invoice histories.
        say("\(name): reading and folding \(min(plan.historySamples, invoiceStreams.count)) invoice histories")
        let stride = max(1, invoiceStreams.count / max(1, plan.historySamples))
        let sampled = Swift.stride(from: 0, to: invoiceStreams.count, by: stride).prefix(plan.historySamples).map { invoiceStreams[$0] }
        var historyTimes: [Duration] = []
        readStart = clock.now
        for _ in 0..<3 {
            for stream in sampled {
                let started = clock.now
                let events = try await store.readStream(stream)
                var state = Invoice.initialState
                for event in events {
                    state = Invoice.evolve(state, try EventRegistry.decode(InvoiceEvent.self, type: event.type, schemaVersion: event.schemaVersion, payload: event.payload))
                }
                historyTimes.append(clock.now - started)
                guard state.invoiceID != nil else { throw ComparisonError("\(name): the history of \(stream) folds to no invoice") }
            }
        }
        let history = StoreFigures.Latencies(historyTimes, seconds: Measure.seconds(clock.now - readStart))

        // 5. Rebuild the read models.
        say("\(name): rebuilding invoice state, period locks and remittances")
        let rebuildStart = clock.now
        let summary = try await store.rebuildReadModels(batchSize: plan.rebuildBatchSize) { done in say("\(name): rebuild read \(done) events") }
        let rebuild = StoreFigures.Throughput(events: loaded, seconds: Measure.seconds(clock.now - rebuildStart))

        // 6. One writer.
        try await store.openWriters(max(1, plan.concurrentWriters))
        say("\(name): \(plan.singleWriterAppends) durable appends from 1 writer")
        var bench = BenchStreams(sample: sample)
        var singleTimes: [Duration] = []
        let singleStart = clock.now
        for _ in 0..<plan.singleWriterAppends {
            let (event, expected) = bench.next(writer: 0)
            let started = clock.now
            try await store.append(event, expectedVersion: expected, writer: 0)
            singleTimes.append(clock.now - started)
        }
        let single = StoreFigures.Latencies(singleTimes, seconds: Measure.seconds(clock.now - singleStart))

        // 7. Many writers at once, each on its own streams.
        say("\(name): \(plan.concurrentWriters * plan.appendsPerConcurrentWriter) durable appends from \(plan.concurrentWriters) concurrent writers")
        let concurrentStart = clock.now
        let perWriter = plan.appendsPerConcurrentWriter
        let concurrentTimes = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for writer in 1...plan.concurrentWriters {
                var streams = BenchStreams(sample: sample)
                group.addTask {
                    var times: [Duration] = []
                    times.reserveCapacity(perWriter)
                    for _ in 0..<perWriter {
                        let (event, expected) = streams.next(writer: writer)
                        let started = ContinuousClock.now
                        try await store.append(event, expectedVersion: expected, writer: writer - 1)
                        times.append(ContinuousClock.now - started)
                    }
                    return times
                }
            }
            var all: [Duration] = []
            for try await times in group { all += times }
            return all
        }
        let concurrent = StoreFigures.Latencies(concurrentTimes, seconds: Measure.seconds(clock.now - concurrentStart))

        // 8. One period's bulk import, in one atomic append.
        var importAppend: StoreFigures.Throughput?
        var imported = 0
        if let path = plan.importEvents {
            var events: [WorkloadEvent] = []
            try await WorkloadFile.forEachBatch(in: URL(fileURLWithPath: path)) { events += $0 }
            let streams = Dictionary(events.map { ($0.streamID, UInt64(0)) }, uniquingKeysWith: { first, _ in first })
            say("\(name): one bulk import's \(events.count) events in one atomic append")
            let started = clock.now
            try await store.appendAtomically(events, expectedVersions: streams)
            importAppend = StoreFigures.Throughput(events: events.count, seconds: Measure.seconds(clock.now - started))
            imported = events.count
        }

        if let dump = plan.dump {
            say("\(name): writing every event to \(dump)")
            try await EventDump.write(store, to: URL(fileURLWithPath: dump))
        }
        let peak = Measure.peakResidentBytes()
        let anonymous = memory.stop()
        say("\(name): done")
        return StoreFigures(
            store: name, diskAccounting: store.diskAccounting, load: load, bytesOnDisk: bytes,
            bytesPerEvent: loaded > 0 ? Double(bytes) / Double(loaded) : 0, readAll: readAll, invoiceHistory: history,
            rebuild: rebuild, readModels: summary, singleWriterAppends: single, concurrentWriters: plan.concurrentWriters,
            concurrentAppends: concurrent, importAppend: importAppend, importThroughProduct: nil, peakResidentBytes: peak,
            peakAnonymousBytes: anonymous,
            eventsAtEnd: loaded + plan.singleWriterAppends + plan.concurrentWriters * perWriter + imported)
    }
}

/// The streams the append phases write: each writer cycles over 50 streams of its own (`bench-w<writer>-<n>`),
/// appending a copy of one actual edit of the county with a new id and the exact expected version.
struct BenchStreams: Sendable {
    let sample: WorkloadEvent
    var versions = [UInt64](repeating: 0, count: 50)
    var count = 0

    init(sample: WorkloadEvent) {
        self.sample = sample
    }

    mutating func next(writer: Int) -> (WorkloadEvent, UInt64) {
        let slot = count % versions.count
        count += 1
        var event = sample
        event.streamID = "bench-w\(writer)-\(slot)"
        event.id = Self.id(writer: writer, count: count)
        event.correlationID = nil
        event.causationID = nil
        let expected = versions[slot]
        versions[slot] += 1
        return (event, expected)
    }

    /// A fixed id per writer and append, so every store appends the same events.
    static func id(writer: Int, count: Int) -> UUID {
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes[0] = 0xbe
        bytes[1] = 0x4c
        bytes[2] = UInt8(truncatingIfNeeded: writer)
        for index in 0..<8 { bytes[8 + index] = UInt8(truncatingIfNeeded: count >> (8 * (7 - index))) }
        bytes[6] = 0x80
        bytes[8] = 0x80 | (bytes[8] & 0x3f)
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

/// Every event of a store in position order, one tab-separated line each (position, stream, version, id, type,
/// schema version, actor, acting as, correlation, causation, payload), for the smoke test to compare stores.
public enum EventDump {
    public static func write(_ store: any ComparedStore, to url: URL) async throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else { throw ComparisonError("cannot create \(url.path)") }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var buffer: [UInt8] = []
        try await store.readAll(batchSize: 10_000) { event in
            let fields = [String(event.position), event.streamID, String(event.version), event.id.uuidString.lowercased(), event.type,
                          String(event.schemaVersion), event.actorWho, event.actingAs,
                          event.correlationID?.uuidString.lowercased() ?? "-", event.causationID?.uuidString.lowercased() ?? "-"]
            buffer += Array(fields.joined(separator: "\t").utf8)
            buffer.append(0x09)
            buffer += event.payload
            buffer.append(0x0A)
            if buffer.count > 1 << 22 {
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: buffer)
    }
}

public struct ComparisonError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

import Chronology
import EventLog
import Foundation
import LMDB
import PortalDomain
import Synchronization

/// Keeps every read model up to date with the log.
///
/// Each projection has its own LMDB environment, writer thread and checkpoint. The engine reads the log in
/// batches, decodes each event once for every projection that reads its type, and applies the batch to all
/// projections side by side; each projection's writes and new checkpoint commit in one transaction, so a
/// crash never applies an event twice or skips one.
///
/// A read model whose checkpoint is at the log's head when it is opened serves at once (`ready`); one that is
/// behind, or new (a first start, or a new version of its projection, which is rebuilt from position 1), is
/// `catchingUp` and serves nothing until it has caught up. ``follow()`` follows the log with the ready ones and
/// catches the others up beside it, in the background, then hands each over to the following loop, which
/// brings it to the live position and makes it ready. Reading a read model that is not ready throws
/// ``ReadModelUnavailable`` naming it and its progress (or where it stopped).
public final class ProjectionEngine: Sendable {
    /// A projection's state for status reports and `/metrics`.
    public struct Status: Sendable, Equatable {
        public enum Phase: Sendable, Equatable {
            case catchingUp
            case ready
            case stopped(ProjectionStopped)
        }

        public var name: String
        public var generation: String
        public var checkpoint: UInt64
        /// Log head minus checkpoint.
        public var lag: UInt64
        public var phase: Phase
        /// True while a read model made new at this start (a first start, or a new version of its projection)
        /// is built from position 1 in the background.
        public var rebuilding: Bool = false
    }

    public struct Options: Sendable {
        /// Events read and applied per transaction while following the log (small: read-your-writes waits for it).
        public var batchSize = 2000
        /// Events read and applied per transaction when catching up or rebuilding: larger batches mean fewer
        /// commits (each synced) and less waiting between stores.
        public var bulkBatchSize = 8000
        /// Categories the portal's domain owns: an event there whose type this build does not know stops
        /// the engine instead of being skipped.
        public var domainCategories: Set<String> = []
        /// How often a following engine looks for a generation switched by another process (a rebuild run
        /// from the command line while the server runs).
        public var generationCheckInterval: Duration = .seconds(2)
        /// The map size a new or reopened read model starts with; it grows when full.
        public var initialMapSize = 256 << 20
        /// Opens the stored read models read-only, for status, digests and queries beside a running portal:
        /// nothing is created, removed, applied or rebuilt.
        public var readOnly = false
        public init() {}
    }

    let log: EventLog
    let root: URL
    let options: Options
    private let projections: [any Projection.Type]
    private let state: Mutex<EngineState>
    private let applied = PositionWaiters()

    private struct EngineState {
        var stores: [String: ReadModelStore] = [:]
        var phases: [String: Status.Phase] = [:]
        /// Rebuilt generations waiting to be caught up and switched in by the following loop.
        var adoptions: [String: ReadModelStore] = [:]
        var retired: [ReadModelStore] = []
        /// Read models made new at this start, built from position 1 in the background.
        var rebuilding: Set<String> = []
        /// How far the background catch-up has got, while it runs.
        var catchUpProgress: RebuildProgress?
        /// Why the following loop ended, when it failed (``recordFollowerFailure(_:)``).
        var followerFailure: String?
    }

    /// - Parameters:
    ///   - folder: the `projections` folder of the data folder.
    public init(log: EventLog, folder: URL, projections: [any Projection.Type], options: Options = Options()) {
        self.log = log
        self.root = folder
        self.projections = projections
        self.options = options
        self.state = Mutex(EngineState())
    }

    deinit {
        close()
    }

    /// Closes every read model (the folders can then be opened by another engine).
    public func close() {
        let stores = state.withLock { state -> [ReadModelStore] in
            defer {
                state.stores = [:]
                state.adoptions = [:]
                state.retired = []
            }
            return Array(state.stores.values) + Array(state.adoptions.values) + state.retired
        }
        for store in stores { store.close() }
    }

    // MARK: Opening

    /// Opens each projection's current generation, creating one when there is none or when it was built
    /// by another version of the projection (which is then rebuilt from position 1).
    public func open() throws {
        if options.readOnly { return try openReadOnly() }
        let head = try log.head().position
        for projection in projections {
            var store: ReadModelStore?
            if let generation = ReadModelStore.currentGeneration(of: projection, root: root) {
                let existing = try ReadModelStore(projection: projection, root: root, generation: generation, initialMapSize: options.initialMapSize)
                if try existing.storedVersion() == projection.version {
                    store = existing
                } else {
                    existing.close()
                }
            }
            var isNew = false
            if store == nil {
                let generation = ReadModelStore.newGenerationName()
                store = try ReadModelStore(projection: projection, root: root, generation: generation, initialMapSize: options.initialMapSize)
                try ReadModelStore.makeCurrent(generation, of: projection, root: root)
                isNew = true
            }
            let opened = store!
            try opened.clearStop()
            ReadModelStore.removeGenerations(of: projection, root: root, except: [opened.generation])
            let atHead = try opened.checkpoint() >= head
            state.withLock {
                $0.stores[projection.name] = opened
                $0.phases[projection.name] = atHead ? .ready : .catchingUp
                if isNew && !atHead { $0.rebuilding.insert(projection.name) }
            }
        }
        applied.advance(to: try lowestCheckpoint(of: servingStores()))
    }

    /// Opens the current generation of each projection that has one, read-only. A projection's phase is what
    /// its store says: stopped (with the recorded reason), ready (at the log's head) or catching up.
    private func openReadOnly() throws {
        let head = try log.head().position
        for projection in projections {
            guard let generation = ReadModelStore.currentGeneration(of: projection, root: root) else { continue }
            let store = try ReadModelStore(projection: projection, root: root, generation: generation, readOnly: true)
            let phase: Status.Phase
            if let stop = try store.recordedStop() {
                phase = .stopped(stop)
            } else {
                phase = try store.checkpoint() >= head ? .ready : .catchingUp
            }
            state.withLock {
                $0.stores[projection.name] = store
                $0.phases[projection.name] = phase
            }
        }
    }

    /// Catches every projection up to the log's head, then marks them ready.
    public func catchUp(progress: (@Sendable (RebuildProgress) -> Void)? = nil) async throws {
        precondition(!options.readOnly, "a read-only engine applies nothing")
        let head = try log.head().position
        let started = ContinuousClock.now
        let from = try lowestCheckpoint()
        try await pump(from: from + 1, through: head, batchSize: options.bulkBatchSize, to: { self.runningStores() }, stopsOnFailure: false) { last in
            self.applied.advance(to: try self.lowestCheckpoint())
            progress?(RebuildProgress(done: last - from, total: head - from, elapsed: ContinuousClock.now - started))
        }
        state.withLock { state in
            for (name, phase) in state.phases where phase == .catchingUp { state.phases[name] = .ready }
            state.rebuilding = []
        }
    }

    /// Follows the log until cancelled, applying new events to the ready read models as they are committed,
    /// while the read models that are behind catch up in the background (``catchUpInBackground(progress:)``)
    /// and join when they have. `progress` is told how the background catch-up is getting on.
    public func follow(progress: (@Sendable (RebuildProgress) -> Void)? = nil) async throws {
        precondition(!options.readOnly, "a read-only engine applies nothing")
        // Either failing ends both; the background catch-up ending well leaves the following loop running.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.catchUpInBackground(progress: progress) }
            group.addTask { try await self.followReady() }
            while try await group.next() != nil {}
        }
    }

    /// The following loop over the ready read models (see ``follow(progress:)``).
    private func followReady() async throws {
        var next = try lowestCheckpoint(of: servingStores()) + 1
        var lastGenerationCheck = ContinuousClock.now
        while !Task.isCancelled {
            if try await adoptRebuiltGenerations() {
                // The newly ready read models are at least where the others are: readers may wait for them now.
                applied.advance(to: try lowestCheckpoint(of: servingStores()))
            }
            if ContinuousClock.now - lastGenerationCheck > options.generationCheckInterval {
                lastGenerationCheck = ContinuousClock.now
                try adoptGenerationsSwitchedElsewhere()
                next = min(next, try lowestCheckpoint(of: servingStores()) + 1)
            }
            let head = try log.head().position
            if next > head {
                await log.waitForEvents(after: head, timeout: .milliseconds(500))
                continue
            }
            try await pump(from: next, through: head, batchSize: options.batchSize, to: { self.servingStores() }, stopsOnFailure: false) { last in
                next = last + 1
                self.applied.advance(to: try self.lowestCheckpoint(of: self.servingStores()))
            }
        }
    }

    /// Catches the read models that are behind (`catchingUp`) up to the log's head in bulk batches, beside the
    /// following loop, again while the log grew by more than a batch meanwhile; then hands them to the
    /// following loop, which applies the last few events and makes them ready. A read model that meets an
    /// event it cannot apply stops alone.
    private func catchUpInBackground(progress: (@Sendable (RebuildProgress) -> Void)?) async throws {
        let behind = { @Sendable in
            self.state.withLock { state in
                state.stores.values.filter { state.phases[$0.projection.name] == .catchingUp && state.adoptions[$0.projection.name] == nil }
            }
        }
        let started = ContinuousClock.now
        let first = try lowestCheckpoint(of: behind())
        while !Task.isCancelled {
            let stores = behind()
            guard !stores.isEmpty else { break }
            let head = try log.head().position
            let from = try lowestCheckpoint(of: stores)
            if head - from <= UInt64(options.bulkBatchSize) { break }
            try await pump(from: from + 1, through: head, batchSize: options.bulkBatchSize, to: behind, stopsOnFailure: false) { last in
                let report = RebuildProgress(done: last - first, total: head - first, elapsed: ContinuousClock.now - started)
                self.state.withLock { $0.catchUpProgress = report }
                progress?(report)
            }
        }
        try Task.checkCancellation()
        state.withLock { state in
            for store in state.stores.values where state.phases[store.projection.name] == .catchingUp {
                state.adoptions[store.projection.name] = store
            }
            state.catchUpProgress = nil
        }
    }

    /// A batch read from the log and decoded.
    private struct DecodedBatch: Sendable {
        var events: [ProjectedEvent]
        /// Projections that cannot decode an event of the batch (see ``decode(_:for:)``).
        var failures: [ProjectionStopped]
        /// The position of the batch's last event.
        var last: UInt64
    }

    /// Reads, decodes and applies the events from `from` through `through` in batches. Batches are read and
    /// decoded (on every core) ahead of the stores, and each store applies them in order on its writer thread
    /// at its own pace: a store with little to do does not wait at every batch for the busiest one. At most
    /// `batchesInFlight` batches are decoded and not yet applied by every store.
    ///
    /// With `stopsOnFailure` (a rebuild), the first projection that cannot go on stops the whole run; otherwise
    /// it is marked stopped where it failed (the batches before stay applied, none after is) and the others go
    /// on. `applied` is called with each batch's last position once every store has applied it, in order.
    private func pump(
        from: UInt64, through: UInt64, batchSize: Int, to stores: @escaping @Sendable () -> [ReadModelStore], stopsOnFailure: Bool,
        applied: (UInt64) throws -> Void
    ) async throws {
        guard from <= through else { return }
        var upcoming = Task { try await self.readAndDecode(from: from, through: through, batchSize: batchSize, for: stores()) }
        var inFlight: [(last: UInt64, work: [Task<Void, any Error>])] = []
        var tails: [String: Task<Void, any Error>] = [:]
        defer {
            upcoming.cancel()
            for batch in inFlight { for work in batch.work { work.cancel() } }
        }
        var decodedEverything = false
        while true {
            // Wait for the oldest batches while too many are in flight, and for all of them at the end.
            while inFlight.count > (decodedEverything ? 0 : Self.batchesInFlight - 1) {
                let oldest = inFlight.removeFirst()
                for work in oldest.work { try await work.value }
                try applied(oldest.last)
            }
            if decodedEverything { return }
            guard let batch = try await upcoming.value else {
                decodedEverything = true
                continue
            }
            try Task.checkCancellation()
            let next = batch.last + 1
            upcoming = next <= through ? Task { try await self.readAndDecode(from: next, through: through, batchSize: batchSize, for: stores()) } : Task { nil }
            if stopsOnFailure, let failure = batch.failures.first { throw failure }
            var work: [Task<Void, any Error>] = []
            for store in stores() {
                let name = store.projection.name
                let previous = tails[name]
                let failure = batch.failures.first { $0.projection == name }
                let task = Task {
                    try await previous?.value
                    if !stopsOnFailure && self.isStopped(name) { return }
                    if let failure { return self.markStopped([failure]) }
                    do {
                        try await store.apply(batch.events, through: batch.last)
                    } catch let stopped as ProjectionStopped where !stopsOnFailure {
                        self.markStopped([stopped])
                    }
                }
                tails[name] = task
                work.append(task)
            }
            inFlight.append((batch.last, work))
        }
    }

    /// Decoded batches that may wait for the stores to apply them.
    private static let batchesInFlight = 4

    private func isStopped(_ name: String) -> Bool {
        state.withLock { state in
            if case .stopped = state.phases[name] { return true }
            return false
        }
    }

    private func readAndDecode(from: UInt64, through: UInt64, batchSize: Int, for stores: [ReadModelStore]) async throws -> DecodedBatch? {
        let raw = try log.readAll(from: from, limit: min(max(batchSize, 1), Int(through - from + 1)))
        guard let last = raw.last else { return nil }
        let (events, failures) = try await decodeInParallel(raw, for: stores)
        return DecodedBatch(events: events, failures: failures, last: last.position)
    }

    /// ``decode(_:for:)`` on every core: the batch is cut into one run of events per core, decoded side by
    /// side, and put back in log order. The earliest error wins, as it would decoding in order.
    private func decodeInParallel(_ raw: [RecordedEvent], for stores: [ReadModelStore]) async throws -> ([ProjectedEvent], [ProjectionStopped]) {
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, raw.count / 64))
        guard parts > 1 else { return try decode(raw, for: stores) }
        let size = (raw.count + parts - 1) / parts
        typealias Part = Result<([ProjectedEvent], [ProjectionStopped]), any Error>
        var results = [Part?](repeating: nil, count: parts)
        await withTaskGroup(of: (Int, Part).self) { group in
            for index in 0..<parts {
                let run = Array(raw[(index * size)..<min(raw.count, (index + 1) * size)])
                group.addTask { (index, Result { try self.decode(run, for: stores) }) }
            }
            for await (index, result) in group { results[index] = result }
        }
        var events: [ProjectedEvent] = []
        events.reserveCapacity(raw.count)
        var failures: [ProjectionStopped] = []
        for result in results {
            let (decoded, stopped) = try result!.get()
            events += decoded
            for failure in stopped where !failures.contains(where: { $0.projection == failure.projection }) { failures.append(failure) }
        }
        return (events, failures)
    }

    /// The read models that serve and are followed live: ready ones.
    private func servingStores() -> [ReadModelStore] {
        state.withLock { state in state.stores.values.filter { state.phases[$0.projection.name] == .ready } }
    }

    private func runningStores() -> [ReadModelStore] {
        state.withLock { state in
            state.stores.values.filter { store in
                if case .stopped = state.phases[store.projection.name] { return false }
                return true
            }
        }
    }

    /// Marks projections stopped, and records why in their stores (for `status` from another process).
    private func markStopped(_ failures: [ProjectionStopped]) {
        let stopped = state.withLock { state -> [(ReadModelStore, ProjectionStopped)] in
            failures.compactMap { failure in
                state.phases[failure.projection] = .stopped(failure)
                return state.stores[failure.projection].map { ($0, failure) }
            }
        }
        for (store, failure) in stopped { try? store.recordStop(failure) }
    }

    /// Decodes the events the `stores` read, and says which projections cannot go on: an event that cannot
    /// be decoded stops the projections that read its type (the others go on); an unknown type in a domain
    /// category is thrown, as it stops every projection.
    private func decode(_ raw: [RecordedEvent], for stores: [ReadModelStore]) throws -> ([ProjectedEvent], [ProjectionStopped]) {
        var failures: [ProjectionStopped] = []
        var failed = Set<String>()
        let wanted = stores.reduce(into: Set<String>()) { $0.formUnion($1.projection.eventTypes) }
        var decoded: [ProjectedEvent] = []
        decoded.reserveCapacity(raw.count)
        for event in raw {
            let known = EventRegistry.payloadType(named: event.type, schemaVersion: event.schemaVersion) != nil
            if !known && options.domainCategories.contains(event.category) {
                throw ProjectionStopped(projection: "every projection", position: event.position, eventType: event.type,
                                        reason: "event type \(event.type) v\(event.schemaVersion) in stream \(event.streamID) is not known to this build")
            }
            guard wanted.contains(event.type), known else { continue }
            do {
                let payload = try EventRegistry.decodePayload(type: event.type, schemaVersion: event.schemaVersion, payload: event.payload)
                decoded.append(ProjectedEvent(envelope: event, payload: payload))
            } catch {
                for store in stores where store.projection.eventTypes.contains(event.type) && !failed.contains(store.projection.name) {
                    failed.insert(store.projection.name)
                    failures.append(ProjectionStopped(projection: store.projection.name, position: event.position,
                                                      eventType: event.type, reason: "\(error)"))
                }
            }
        }
        return (decoded, failures)
    }

    /// The lowest checkpoint of the projections still running (a stopped one no longer holds the others back).
    private func lowestCheckpoint() throws -> UInt64 {
        try lowestCheckpoint(of: runningStores())
    }

    /// The lowest checkpoint of `stores`; the log's head when there are none.
    private func lowestCheckpoint(of stores: [ReadModelStore]) throws -> UInt64 {
        if stores.isEmpty { return try log.head().position }
        return try stores.map { try $0.checkpoint() }.min() ?? 0
    }

    // MARK: Status and reads

    /// Every projection's generation, checkpoint, lag and phase.
    public func status() throws -> [Status] {
        let head = try log.head().position
        let (stores, phases, rebuilding) = state.withLock { ($0.stores, $0.phases, $0.rebuilding) }
        return try stores.keys.sorted().map { name in
            let store = stores[name]!
            let checkpoint = try store.checkpoint()
            let phase = phases[name] ?? .catchingUp
            return Status(name: name, generation: store.generation, checkpoint: checkpoint,
                          lag: head > checkpoint ? head - checkpoint : 0, phase: phase,
                          rebuilding: phase == .catchingUp && rebuilding.contains(name))
        }
    }

    /// How far the background catch-up has got while it runs (every read model behind, together).
    public var catchUpProgress: RebuildProgress? { state.withLock { $0.catchUpProgress } }

    /// Records why the following loop ended (the service that runs it calls this), for `/health`.
    public func recordFollowerFailure(_ error: any Error) {
        state.withLock { $0.followerFailure = "\(error)" }
    }

    /// Why the following loop ended, when it failed.
    public var followerFailure: String? { state.withLock { $0.followerFailure } }

    /// The first projection that stopped, if any.
    public var stoppedError: ProjectionStopped? {
        state.withLock { state in
            state.phases.values.compactMap { if case .stopped(let error) = $0 { error } else { nil } }.first
        }
    }

    /// Waits until every projection has applied `position` (read-your-writes after a command), or the timeout.
    /// Returns whether it got there.
    @discardableResult
    /// Only the ready read models are waited for: one that is catching up answers ``ReadModelUnavailable`` when
    /// read, so with none ready there is nothing to wait for.
    public func waitUntilApplied(_ position: UInt64, timeout: Duration = .seconds(5)) async -> Bool {
        if !options.readOnly, servingStores().isEmpty { return true }
        return await applied.wait(until: position, timeout: timeout)
    }

    /// Runs `body` over `projection`'s tables in a short read transaction.
    ///
    /// Throws ``ReadModelUnavailable`` when the read model is not ready (still catching up or being rebuilt, or
    /// stopped at an event it cannot apply), unless the engine is read-only (status and audits read what is
    /// stored).
    public func read<T>(_ projection: any Projection.Type, _ body: (borrowing ReadModelReader) throws -> T) throws -> T {
        var attempt = 0
        while true {
            let (found, phase, rebuilding) = state.withLock { ($0.stores[projection.name], $0.phases[projection.name], $0.rebuilding.contains(projection.name)) }
            guard let store = found else {
                preconditionFailure("projection \(projection.name) is not run by this engine")
            }
            if !options.readOnly, phase != .ready {
                let checkpoint = (try? store.checkpoint()) ?? 0
                let head = (try? log.head().position) ?? checkpoint
                if case .stopped(let stop)? = phase {
                    throw ReadModelUnavailable(readModel: projection.name, checkpoint: checkpoint, head: head, stop: stop)
                }
                throw ReadModelUnavailable(readModel: projection.name, checkpoint: checkpoint, head: head, rebuilding: rebuilding,
                                           secondsLeft: catchUpProgress?.secondsLeft)
            }
            do {
                return try store.read(body)
            } catch let status as LMDBStatus where status.code == EBADF && attempt < 3 {
                // The generation was switched while this read began; read the new one.
                attempt += 1
            }
        }
    }

    /// Digest of each read model (`ReadModelStore.digest`), by projection name.
    public func digests() throws -> [String: String] {
        let stores = state.withLock { $0.stores }
        return try stores.mapValues { try $0.digest() }
    }

    /// Entries per table, by projection name.
    public func tableCounts() throws -> [String: [String: Int]] {
        let stores = state.withLock { $0.stores }
        return try stores.mapValues { try $0.counts() }
    }

    // MARK: Rebuild

    /// Rebuilds `names` (every projection when empty) from position 1 into new generations while the
    /// current ones keep serving, then switches each atomically.
    ///
    /// When this engine is following the log (`follow()` runs), the switch happens in the following loop,
    /// after the new generation has caught up with it; otherwise it happens here.
    public func rebuild(_ names: [String] = [], following: Bool, progress: (@Sendable (RebuildProgress) -> Void)? = nil) async throws {
        precondition(!options.readOnly, "a read-only engine rebuilds nothing")
        let selected = names.isEmpty ? projections : projections.filter { names.contains($0.name) }
        let unknown = Set(names).subtracting(projections.map { $0.name })
        guard unknown.isEmpty else {
            throw ProjectionStopped(projection: unknown.sorted().joined(separator: ","), position: 0, eventType: "-",
                                    reason: "no such projection; known: \(projections.map { $0.name }.sorted().joined(separator: ", "))")
        }
        var fresh: [ReadModelStore] = []
        for projection in selected {
            fresh.append(try ReadModelStore(projection: projection, root: root, generation: ReadModelStore.newGenerationName(),
                                          initialMapSize: options.initialMapSize))
        }
        var switched = false
        defer {
            // A rebuild that failed or was cancelled leaves the serving generations as they were.
            if !switched { for store in fresh { retire(store) } }
        }
        let head = try log.head().position
        let started = ContinuousClock.now
        let building = fresh
        try await pump(from: 1, through: head, batchSize: options.bulkBatchSize, to: { building }, stopsOnFailure: true) { last in
            progress?(RebuildProgress(done: last, total: head, elapsed: ContinuousClock.now - started))
        }
        switched = true
        if following {
            state.withLock { state in for store in fresh { state.adoptions[store.projection.name] = store } }
            while state.withLock({ !$0.adoptions.isEmpty }) { try await Task.sleep(for: .milliseconds(20)) }
        } else {
            for store in fresh { try switchTo(store) }
        }
    }

    /// Makes `store` current: writes `CURRENT`, swaps it in, retires the previous generation.
    private func switchTo(_ store: ReadModelStore) throws {
        try ReadModelStore.makeCurrent(store.generation, of: store.projection, root: root)
        let previous = state.withLock { state -> ReadModelStore? in
            let previous = state.stores[store.projection.name]
            state.stores[store.projection.name] = store
            state.phases[store.projection.name] = .ready
            return previous
        }
        if let previous, previous !== store {
            retire(previous)
        }
    }

    /// Closes a generation that no longer serves once readers that already hold it are done, and deletes it.
    private func retire(_ store: ReadModelStore) {
        store.close()
        try? FileManager.default.removeItem(at: store.folder)
    }

    /// Called by the following loop: catches rebuilt generations up to the live position and switches them in.
    /// Returns whether any was waiting.
    private func adoptRebuiltGenerations() async throws -> Bool {
        let pending = state.withLock { $0.adoptions }
        guard !pending.isEmpty else { return false }
        let through = try lowestCheckpoint(of: servingStores())
        for (name, store) in pending {
            // A read model caught up in the background is the one in place: if it cannot apply an event, it
            // stops alone. A rebuilt generation that fails is dropped; the serving one stays.
            let inPlace = state.withLock { $0.stores[name] === store }
            var next = try store.checkpoint() + 1
            do {
                while next <= through {
                    let raw = try log.readAll(from: next, limit: min(options.batchSize, Int(through - next + 1)))
                    guard let last = raw.last else { break }
                    let (decoded, failures) = try decode(raw, for: [store])
                    if let failure = failures.first { throw failure }
                    try await store.apply(decoded, through: last.position)
                    next = last.position + 1
                }
            } catch let stopped as ProjectionStopped where inPlace {
                markStopped([stopped])
                _ = state.withLock { $0.adoptions.removeValue(forKey: name) }
                continue
            }
            try switchTo(store)
            state.withLock { state in
                state.adoptions.removeValue(forKey: name)
                state.rebuilding.remove(name)
            }
        }
        return true
    }

    /// Adopts generations that another process (a command-line rebuild) made current.
    private func adoptGenerationsSwitchedElsewhere() throws {
        for projection in projections {
            guard let current = ReadModelStore.currentGeneration(of: projection, root: root),
                  let serving = state.withLock({ $0.stores[projection.name] }), serving.generation != current else { continue }
            let store = try ReadModelStore(projection: projection, root: root, generation: current, initialMapSize: options.initialMapSize)
            let previous = state.withLock { state -> ReadModelStore? in
                let previous = state.stores[projection.name]
                state.stores[projection.name] = store
                return previous
            }
            if let previous { previous.close() }
        }
    }
}

/// How far a catch-up or rebuild has got.
public struct RebuildProgress: Sendable {
    public var done: UInt64
    public var total: UInt64
    public var elapsed: Duration

    public init(done: UInt64, total: UInt64, elapsed: Duration) {
        self.done = done
        self.total = total
        self.elapsed = elapsed
    }

    /// Events per second so far.
    public var rate: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(done) / seconds : 0
    }

    /// Estimated time left, in seconds.
    public var secondsLeft: Double? {
        guard rate > 0, total >= done else { return nil }
        return Double(total - done) / rate
    }
}

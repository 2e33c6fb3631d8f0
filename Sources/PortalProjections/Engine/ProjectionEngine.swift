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
/// crash never applies an event twice or skips one. On start it catches every projection up before it
/// reports ready; then it follows the log.
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
    }

    public struct Options: Sendable {
        /// Events read and applied per transaction.
        public var batchSize = 2000
        /// Categories the portal's domain owns: an event there whose type this build does not know stops
        /// the engine instead of being skipped.
        public var domainCategories: Set<String> = []
        /// How often a following engine looks for a generation switched by another process (a rebuild run
        /// from the command line while the server runs).
        public var generationCheckInterval: Duration = .seconds(2)
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
        for projection in projections {
            var store: ReadModelStore?
            if let generation = ReadModelStore.currentGeneration(of: projection, root: root) {
                let existing = try ReadModelStore(projection: projection, root: root, generation: generation)
                if try existing.storedVersion() == projection.version {
                    store = existing
                } else {
                    existing.close()
                }
            }
            if store == nil {
                let generation = ReadModelStore.newGenerationName()
                store = try ReadModelStore(projection: projection, root: root, generation: generation)
                try ReadModelStore.makeCurrent(generation, of: projection, root: root)
            }
            let opened = store!
            try opened.clearStop()
            ReadModelStore.removeGenerations(of: projection, root: root, except: [opened.generation])
            state.withLock {
                $0.stores[projection.name] = opened
                $0.phases[projection.name] = .catchingUp
            }
        }
        applied.advance(to: try lowestCheckpoint())
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
        var next = from + 1
        while next <= head {
            try Task.checkCancellation()
            next = try await applyNextBatch(from: next, through: head)
            progress?(RebuildProgress(done: next - 1 - from, total: head - from, elapsed: ContinuousClock.now - started))
        }
        state.withLock { state in
            for (name, phase) in state.phases where phase == .catchingUp { state.phases[name] = .ready }
        }
    }

    /// Follows the log until cancelled, applying new events as they are committed.
    public func follow() async throws {
        precondition(!options.readOnly, "a read-only engine applies nothing")
        var next = try lowestCheckpoint() + 1
        var lastGenerationCheck = ContinuousClock.now
        while !Task.isCancelled {
            try await adoptRebuiltGenerations()
            if ContinuousClock.now - lastGenerationCheck > options.generationCheckInterval {
                lastGenerationCheck = ContinuousClock.now
                try adoptGenerationsSwitchedElsewhere()
                next = min(next, try lowestCheckpoint() + 1)
            }
            let head = try log.head().position
            if next > head {
                await log.waitForEvents(after: head, timeout: .milliseconds(500))
                continue
            }
            next = try await applyNextBatch(from: next, through: head)
        }
    }

    /// Reads one batch from `from`, decodes it once, applies it to every running store whose checkpoint is
    /// behind, and returns the next position to read.
    private func applyNextBatch(from: UInt64, through head: UInt64) async throws -> UInt64 {
        let raw = try log.readAll(from: from, limit: min(options.batchSize, Int(head - from + 1)))
        guard let last = raw.last else { return from }
        let (decoded, failures) = try decode(raw, for: runningStores())
        markStopped(failures)
        try await apply(decoded, through: last.position, to: runningStores())
        applied.advance(to: try lowestCheckpoint())
        return last.position + 1
    }

    /// Applies a decoded batch to `stores` side by side; a store that stops is marked and left behind.
    private func apply(_ decoded: [ProjectedEvent], through: UInt64, to stores: [ReadModelStore]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores {
                group.addTask {
                    do {
                        try await store.apply(decoded, through: through)
                    } catch let stopped as ProjectionStopped {
                        self.markStopped([stopped])
                    }
                }
            }
            try await group.waitForAll()
        }
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
        let running = runningStores()
        if running.isEmpty { return try log.head().position }
        return try running.map { try $0.checkpoint() }.min() ?? 0
    }

    // MARK: Status and reads

    /// Every projection's generation, checkpoint, lag and phase.
    public func status() throws -> [Status] {
        let head = try log.head().position
        let (stores, phases) = state.withLock { ($0.stores, $0.phases) }
        return try stores.keys.sorted().map { name in
            let store = stores[name]!
            let checkpoint = try store.checkpoint()
            return Status(name: name, generation: store.generation, checkpoint: checkpoint,
                          lag: head > checkpoint ? head - checkpoint : 0, phase: phases[name] ?? .catchingUp)
        }
    }

    /// The first projection that stopped, if any.
    public var stoppedError: ProjectionStopped? {
        state.withLock { state in
            state.phases.values.compactMap { if case .stopped(let error) = $0 { error } else { nil } }.first
        }
    }

    /// Waits until every projection has applied `position` (read-your-writes after a command), or the timeout.
    /// Returns whether it got there.
    @discardableResult
    public func waitUntilApplied(_ position: UInt64, timeout: Duration = .seconds(5)) async -> Bool {
        await applied.wait(until: position, timeout: timeout)
    }

    /// Runs `body` over `projection`'s tables in a short read transaction.
    public func read<T>(_ projection: any Projection.Type, _ body: (borrowing ReadModelReader) throws -> T) throws -> T {
        var attempt = 0
        while true {
            guard let store = state.withLock({ $0.stores[projection.name] }) else {
                preconditionFailure("projection \(projection.name) is not run by this engine")
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
            fresh.append(try ReadModelStore(projection: projection, root: root, generation: ReadModelStore.newGenerationName()))
        }
        var switched = false
        defer {
            // A rebuild that failed or was cancelled leaves the serving generations as they were.
            if !switched { for store in fresh { retire(store) } }
        }
        let head = try log.head().position
        let started = ContinuousClock.now
        var next: UInt64 = 1
        while next <= head {
            try Task.checkCancellation()
            let raw = try log.readAll(from: next, limit: min(options.batchSize, Int(head - next + 1)))
            guard let last = raw.last else { break }
            let (decoded, failures) = try decode(raw, for: fresh)
            if let failure = failures.first { throw failure }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for store in fresh { group.addTask { try await store.apply(decoded, through: last.position) } }
                try await group.waitForAll()
            }
            next = last.position + 1
            progress?(RebuildProgress(done: last.position, total: head, elapsed: ContinuousClock.now - started))
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
    private func adoptRebuiltGenerations() async throws {
        let pending = state.withLock { $0.adoptions }
        guard !pending.isEmpty else { return }
        let through = try lowestCheckpoint()
        for (name, store) in pending {
            var next = try store.checkpoint() + 1
            while next <= through {
                let raw = try log.readAll(from: next, limit: min(options.batchSize, Int(through - next + 1)))
                guard let last = raw.last else { break }
                let (decoded, failures) = try decode(raw, for: [store])
                if let failure = failures.first { throw failure }
                try await store.apply(decoded, through: last.position)
                next = last.position + 1
            }
            try switchTo(store)
            _ = state.withLock { $0.adoptions.removeValue(forKey: name) }
        }
    }

    /// Adopts generations that another process (a command-line rebuild) made current.
    private func adoptGenerationsSwitchedElsewhere() throws {
        for projection in projections {
            guard let current = ReadModelStore.currentGeneration(of: projection, root: root),
                  let serving = state.withLock({ $0.stores[projection.name] }), serving.generation != current else { continue }
            let store = try ReadModelStore(projection: projection, root: root, generation: current)
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

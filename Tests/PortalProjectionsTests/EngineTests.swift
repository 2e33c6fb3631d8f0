import Chronology
import EventLog
import Foundation
import PortalDomain
import Testing
@testable import PortalProjections

@Suite("Projection engine")
struct EngineTests {
    @Test("a read model built incrementally while events arrive equals one rebuilt from scratch, byte for byte")
    func incrementalEqualsRebuilt() async throws {
        let folder = TemporaryFolder()
        let log = try EventLog(directory: folder.log)
        var history = OrganisationHistory(seed: 7)
        try await history.append(to: log, count: 1500, organisations: 150)

        let live = engine(log, folder, batchSize: 37)
        try live.open()
        try await live.catchUp()
        let follower = Task { try await live.follow() }
        // More events while following, in small groups.
        try await history.append(to: log, count: 2500, organisations: 150)
        let head = try log.head().position
        #expect(await live.waitUntilApplied(head, timeout: .seconds(30)))
        follower.cancel()
        _ = try? await follower.value
        let incremental = try live.digests()[OrganisationDirectory.name]
        #expect(try live.status().first?.checkpoint == head)

        let other = TemporaryFolder()
        let rebuilt = ProjectionEngine(log: log, folder: other.projections, projections: [OrganisationDirectory.self])
        try rebuilt.open()
        try await rebuilt.catchUp()
        #expect(try rebuilt.digests()[OrganisationDirectory.name] == incremental)
        // The model is not trivially empty.
        #expect(try rebuilt.tableCounts()[OrganisationDirectory.name]?["organisations"] == 150)
        #expect(head >= 4000)
    }

    @Test("after a restart the engine resumes from its checkpoint and reaches the same read model")
    func resumesFromCheckpoint() async throws {
        let folder = TemporaryFolder()
        let log = try EventLog(directory: folder.log)
        var history = OrganisationHistory(seed: 11)
        try await history.append(to: log, count: 800, organisations: 60)
        do {
            let first = engine(log, folder)
            try first.open()
            try await first.catchUp()
            #expect(try first.status().first?.checkpoint == 800)
        }
        try await history.append(to: log, count: 400, organisations: 60)
        let second = engine(log, folder)
        try second.open()
        #expect(try second.status().first?.checkpoint == 800)
        #expect(try second.status().first?.lag == (try log.head().position) - 800)
        try await second.catchUp()
        let status = try #require(try second.status().first)
        #expect(status.checkpoint == (try log.head().position))
        #expect(status.lag == 0)
        #expect(status.phase == .ready)

        let clean = TemporaryFolder()
        let rebuilt = engine(log, clean)
        try rebuilt.open()
        try await rebuilt.catchUp()
        #expect(try rebuilt.digests() == (try second.digests()))
    }

    @Test("rebuild fills a new generation while the old one serves, then switches CURRENT and removes the old one")
    func rebuildWhileServing() async throws {
        let folder = TemporaryFolder()
        let log = try EventLog(directory: folder.log)
        var history = OrganisationHistory(seed: 3)
        try await history.append(to: log, count: 1000, organisations: 80)
        let live = engine(log, folder, batchSize: 100)
        try live.open()
        try await live.catchUp()
        let before = try #require(try live.status().first)
        let follower = Task { try await live.follow() }

        let writer = Task { [history] in
            var history = history
            try await history.append(to: log, count: 500, organisations: 80)
        }
        // Reads keep working during the rebuild: a reader task reads all along, and every progress report of
        // the rebuild reads too, while the new generation is being filled.
        let readerReads = ReadCounter()
        let reader = Task {
            while !Task.isCancelled {
                let count = try live.read(OrganisationDirectory.self) { try $0.count("organisations") }
                #expect(count > 0)
                readerReads.add(generation: "-")
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        while readerReads.count == 0 { try await Task.sleep(for: .milliseconds(1)) }
        let progress = ProgressRecorder()
        let readsWhileRebuilding = ReadCounter()
        try await live.rebuild(following: true) { report in
            progress.record(report)
            guard let count = try? live.read(OrganisationDirectory.self, { try $0.count("organisations") }), count > 0,
                  let serving = try? live.status().first?.generation else { return }
            readsWhileRebuilding.add(generation: serving)
        }
        try await writer.value
        reader.cancel()
        _ = try? await reader.value
        #expect(readerReads.count > 0)
        #expect(readsWhileRebuilding.count > 0, "no read was answered while the rebuild ran")
        #expect(readsWhileRebuilding.generations == [before.generation], "the old generation serves until the switch")
        #expect(readsWhileRebuilding.count == progress.count)
        let head = try log.head().position
        #expect(await live.waitUntilApplied(head, timeout: .seconds(30)))
        follower.cancel()
        _ = try? await follower.value

        let after = try #require(try live.status().first)
        #expect(after.generation != before.generation)
        let current = try String(contentsOf: folder.projections.appendingPathComponent("organisation-directory/CURRENT"), encoding: .utf8)
        #expect(current.trimmingCharacters(in: .whitespacesAndNewlines) == after.generation)
        let generations = try FileManager.default.contentsOfDirectory(atPath: folder.projections.appendingPathComponent("organisation-directory").path)
            .filter { $0.hasPrefix("g") }
        #expect(generations == [after.generation])
        #expect(progress.last?.done == progress.last?.total)

        let clean = TemporaryFolder()
        let rebuilt = engine(log, clean)
        try rebuilt.open()
        try await rebuilt.catchUp()
        #expect(try rebuilt.digests() == (try live.digests()))
    }

    @Test("a projection that meets an event it cannot apply stops there, naming the position and the type")
    func stopsOnBadEvent() async throws {
        let folder = TemporaryFolder()
        let log = try EventLog(directory: folder.log)
        var history = OrganisationHistory(seed: 5)
        try await history.append(to: log, count: 20, organisations: 5)
        // A change request for an organisation that was never registered: apply throws.
        let orphan = OrganisationDetailsChangeRequested(organisationID: "org-ghost", requestID: "cr-x", proposed: OrganisationHistory.details(1, 1))
        try await log.append(to: "organisation-org-ghost", events: [
            ProposedEvent(type: OrganisationDetailsChangeRequested.eventType, payload: try EventCoding.encode(orphan), actor: .system),
        ])
        try await history.append(to: log, count: 10, organisations: 5)

        let engine = engine(log, folder, batchSize: 8)
        try engine.open()
        try await engine.catchUp()
        let status = try #require(try engine.status().first)
        guard case .stopped(let error) = status.phase else {
            Issue.record("expected the projection to stop, got \(status.phase)")
            return
        }
        #expect(error.position == 21)
        #expect(error.eventType == "OrganisationDetailsChangeRequested")
        #expect(error.reason.contains("org-ghost was never registered"))
        // Nothing of the failed batch (positions 17…24) was kept, and nothing after it.
        #expect(status.checkpoint == 16)
    }

    @Test("a payload that does not decode stops the projections reading that type")
    func stopsOnUndecodablePayload() async throws {
        let folder = TemporaryFolder()
        let log = try EventLog(directory: folder.log)
        var history = OrganisationHistory(seed: 5)
        try await history.append(to: log, count: 5, organisations: 5)
        try await log.append(to: "organisation-org-bad", events: [
            ProposedEvent(type: OrganisationRegistered.eventType, payload: Data(#"{"bogus":1}"#.utf8), actor: .system),
        ])
        let engine = engine(log, folder)
        try engine.open()
        try await engine.catchUp()
        let error = try #require(engine.stoppedError)
        #expect(error.position == 6)
        #expect(error.eventType == "OrganisationRegistered")
    }

    @Test("an unknown event type in a domain category stops the engine; other categories are not the read models' business")
    func unknownTypes() async throws {
        let folder = TemporaryFolder()
        let log = try EventLog(directory: folder.log)
        try await log.append(to: "loop-1", events: [ProposedEvent(type: "LoopTicked", payload: Data("{}".utf8), actor: .system)])
        var history = OrganisationHistory(seed: 1)
        try await history.append(to: log, count: 3, organisations: 2)
        let quiet = engine(log, folder)
        try quiet.open()
        try await quiet.catchUp()
        #expect(quiet.stoppedError == nil)
        #expect(try quiet.status().first?.checkpoint == 4)

        try await log.append(to: "invoice-9", events: [ProposedEvent(type: "InvoiceTeleported", payload: Data("{}".utf8), actor: .system)])
        await #expect(throws: ProjectionStopped.self) { try await quiet.catchUp() }
        #expect(try quiet.status().first?.checkpoint == 4)
    }

    @Test("a read model built by another version of its projection is rebuilt when opened")
    func versionChange() async throws {
        let folder = TemporaryFolder()
        let log = try EventLog(directory: folder.log)
        var history = OrganisationHistory(seed: 2)
        try await history.append(to: log, count: 50, organisations: 10)
        let first = engine(log, folder)
        try first.open()
        try await first.catchUp()
        let oldGeneration = try #require(try first.status().first?.generation)
        first.close()

        let second = engine(log, folder, [OrganisationDirectoryV2.self])
        try second.open()
        let reopened = try #require(try second.status().first)
        #expect(reopened.generation != oldGeneration)
        #expect(reopened.checkpoint == 0)
        try await second.catchUp()
        #expect(try second.status().first?.checkpoint == 50)
    }
}

@Suite("Projection engine: storage")
struct EngineStorageTests {
    @Test("a read model that outgrows its map is grown and the batch applied again, not stopped")
    func mapGrowth() async throws {
        let folder = TemporaryFolder()
        let log = try EventLog(directory: folder.log)
        var history = OrganisationHistory(seed: 9)
        try await history.append(to: log, count: 600, organisations: 60)
        var options = ProjectionEngine.Options()
        options.initialMapSize = 128 << 10
        let small = ProjectionEngine(log: log, folder: folder.projections, projections: [PaddedChanges.self], options: options)
        try small.open()
        try await small.catchUp()
        #expect(small.stoppedError == nil)
        #expect(try small.status().first?.checkpoint == 600)
        // 600 rows of 2 KiB do not fit in 128 KiB.
        #expect(try small.tableCounts()[PaddedChanges.name]?["changes"] == 600)

        let other = TemporaryFolder()
        let roomy = ProjectionEngine(log: log, folder: other.projections, projections: [PaddedChanges.self])
        try roomy.open()
        try await roomy.catchUp()
        #expect(try roomy.digests() == (try small.digests()))
    }
}

@Suite("Projection engine: read-only inspection")
struct EngineInspectionTests {
    @Test("a read-only engine reports another engine's checkpoints and its recorded stop, and creates, removes and applies nothing")
    func readOnlyStatus() async throws {
        let folder = TemporaryFolder()
        let log = try EventLog(directory: folder.log)
        var history = OrganisationHistory(seed: 5)
        try await history.append(to: log, count: 20, organisations: 5)
        let orphan = OrganisationDetailsChangeRequested(organisationID: "org-ghost", requestID: "cr-x", proposed: OrganisationHistory.details(1, 1))
        try await log.append(to: "organisation-org-ghost", events: [
            ProposedEvent(type: OrganisationDetailsChangeRequested.eventType, payload: try EventCoding.encode(orphan), actor: .system),
        ])
        let running = engine(log, folder, [OrganisationDirectory.self, PaddedChanges.self], batchSize: 8)
        try running.open()
        try await running.catchUp()
        let stopped = try #require(running.stoppedError)
        let digests = try running.digests()
        running.close()

        var options = ProjectionEngine.Options()
        options.readOnly = true
        let inspector = ProjectionEngine(log: log, folder: folder.projections, projections: [OrganisationDirectory.self, PaddedChanges.self],
                                         options: options)
        try inspector.open()
        let statuses = Dictionary(uniqueKeysWithValues: try inspector.status().map { ($0.name, $0) })
        #expect(statuses[OrganisationDirectory.name]?.phase == .stopped(stopped))
        #expect(statuses[OrganisationDirectory.name]?.checkpoint == 16)
        #expect(statuses[PaddedChanges.name]?.phase == .ready)
        #expect(statuses[PaddedChanges.name]?.checkpoint == 21)
        #expect(try inspector.digests() == digests)
        inspector.close()

        // A projection without a generation is not created by a read-only open.
        let empty = ProjectionEngine(log: log, folder: TemporaryFolder().projections, projections: [OrganisationDirectory.self], options: options)
        try empty.open()
        #expect(try empty.status().isEmpty)

        // Opened again for writing, the stop is forgotten and the projection tried again (it is behind the log,
        // so it catches up before it serves); the one at the log's head serves at once.
        let again = engine(log, folder, [OrganisationDirectory.self, PaddedChanges.self], batchSize: 8)
        try again.open()
        let reopened = Dictionary(uniqueKeysWithValues: try again.status().map { ($0.name, $0.phase) })
        #expect(reopened[OrganisationDirectory.name] == .catchingUp)
        #expect(reopened[PaddedChanges.name] == .ready)
    }
}

/// Every organisation event as a 2 KiB row: a read model that outgrows a small map.
enum PaddedChanges: Projection {
    static let name = "padded-changes"
    static let version = 1
    static let tables = ["changes"]
    static let eventTypes = OrganisationDirectory.eventTypes
    static func apply(_ event: ProjectedEvent, to model: borrowing ReadModelWriter) throws {
        try model.putBytes([UInt8](repeating: UInt8(event.position % 251), count: 2048), "changes", ReadModelKey(.number(event.position)))
    }
}

/// The same projection at a later version.
enum OrganisationDirectoryV2: Projection {
    static let name = OrganisationDirectory.name
    static let version = 2
    static let tables = OrganisationDirectory.tables
    static let eventTypes = OrganisationDirectory.eventTypes
    static func apply(_ event: ProjectedEvent, to model: borrowing ReadModelWriter) throws {
        try OrganisationDirectory.apply(event, to: model)
    }
}

final class ProgressRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [RebuildProgress] = []
    func record(_ progress: RebuildProgress) { lock.lock(); reports.append(progress); lock.unlock() }
    var last: RebuildProgress? { lock.lock(); defer { lock.unlock() }; return reports.last }
    var count: Int { lock.lock(); defer { lock.unlock() }; return reports.count }
}

/// Reads that succeeded, with the generation that answered each.
final class ReadCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var answeredBy: [String] = []
    func add(generation: String) { lock.lock(); answeredBy.append(generation); lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return answeredBy.count }
    var generations: Set<String> { lock.lock(); defer { lock.unlock() }; return Set(answeredBy) }
}

import Chronology
import Foundation
import Synchronization
import Testing
@testable import EventLog

@Suite("Concurrent appends and group commit")
struct ConcurrencyTests {
    @Test("many tasks appending at once: positions gapless, every stream's versions consecutive, nothing lost")
    func concurrentAppenders() async throws {
        let folder = TemporaryFolder()
        let log = try openLog(folder)
        let tasks = 32
        let appendsPerTask = 40
        let ids = try await withThrowingTaskGroup(of: [UUID].self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var ids: [UUID] = []
                    for index in 0..<appendsPerTask {
                        // Half the tasks share streams and race with exact versions, retrying on conflict.
                        let stream = task % 2 == 0 ? "own-\(task)" : "shared-\(task % 4)"
                        let events = (0...(index % 3)).map { _ in sampleEvent("\(task)/\(index)") }
                        while true {
                            let version = try log.streamVersion(stream)
                            do {
                                try await log.append(to: stream, expectedVersion: .exact(version), events: events)
                                break
                            } catch is WrongExpectedVersion {
                                continue
                            }
                        }
                        ids += events.map(\.id)
                    }
                    return ids
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let all = try log.readAll(limit: .max)
        #expect(all.positions == Array(1...UInt64(ids.count)))
        #expect(Set(all.map(\.id)) == Set(ids))
        for stream in Set(all.map(\.streamID)) {
            let versions = try log.readStream(stream).map(\.streamVersion)
            #expect(versions == Array(1...UInt64(versions.count)), "stream \(stream)")
        }
        #expect(try log.verify().isIntact)
    }

    @Test("appends waiting while the writer is busy share one transaction (group commit)")
    func groupCommit() async throws {
        let folder = TemporaryFolder()
        let gate = BlockingClock(Timestamp(iso8601: "2026-11-16T09:00:00Z")!.date)
        let log = try openLog(folder, clock: gate)
        let writer = try #require(log.writer)
        let before = log.commitStatistics.commits

        // The first append holds the writer inside its transaction (it reads the clock there) …
        let first = Task { try await log.append(to: "g-0", events: [sampleEvent()]) }
        try await gate.waitUntilBlocked()
        // … while 19 more arrive and wait.
        let others = (1...19).map { index in Task { try await log.append(to: "g-\(index)", events: [sampleEvent()]) } }
        while writer.waitingCount < 19 { try await Task.sleep(for: .milliseconds(1)) }
        gate.release()

        _ = try await first.value
        for task in others { _ = try await task.value }
        #expect(log.commitStatistics.commits - before == 2)
        #expect(log.commitStatistics.events == 20)
        #expect(try log.readAll().positions == Array(1...20))
    }

    @Test("a refused append in a group commit does not affect the others in it")
    func refusalInsideGroup() async throws {
        let folder = TemporaryFolder()
        let gate = BlockingClock(Timestamp(iso8601: "2026-11-16T09:00:00Z")!.date)
        let log = try openLog(folder, clock: gate)
        let writer = try #require(log.writer)
        let first = Task { try await log.append(to: "h-0", events: [sampleEvent()]) }
        try await gate.waitUntilBlocked()
        let good = Task { try await log.append(to: "h-1", expectedVersion: .noStream, events: [sampleEvent()]) }
        while writer.waitingCount < 1 { try await Task.sleep(for: .milliseconds(1)) }
        let bad = Task { try await log.append(to: "h-1", expectedVersion: .noStream, events: [sampleEvent()]) }
        while writer.waitingCount < 2 { try await Task.sleep(for: .milliseconds(1)) }
        gate.release()
        _ = try await first.value
        #expect(try await good.value.positions == [2])
        await #expect(throws: WrongExpectedVersion(streamID: "h-1", expected: .noStream, actual: 1)) { try await bad.value }
        #expect(try log.head().position == 2)
    }
}

/// A clock whose first reading blocks until released: it holds the writer thread inside a transaction.
final class BlockingClock: WallClock, @unchecked Sendable {
    private let date: Date
    private let released = DispatchSemaphore(value: 0)
    private let readings = Mutex(0)

    init(_ date: Date) { self.date = date }

    func now() -> Date {
        let first = readings.withLock { count in
            count += 1
            return count == 1
        }
        if first { released.wait() }
        return date
    }

    /// Waits (without blocking a thread of the cooperative pool) until the writer is held.
    func waitUntilBlocked() async throws {
        while readings.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(1)) }
    }
    func release() { released.signal() }
}

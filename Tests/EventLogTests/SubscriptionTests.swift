import Foundation
import Testing
@testable import EventLog

@Suite("Subscriptions")
struct SubscriptionTests {
    @Test("backlog then live events under concurrent writers: every position exactly once, in order")
    func handoverUnderConcurrentWrites() async throws {
        let folder = TemporaryFolder()
        let log = try openLog(folder)
        for batch in 0..<10 {
            try await log.append(to: "backlog-\(batch)", events: (0..<50).map { _ in sampleEvent() })
        }
        let total = 500 + 8 * 150
        let subscriber = Task {
            var seen: [UInt64] = []
            for try await event in log.subscribe(from: 1, batchSize: 64) {
                seen.append(event.position)
                if seen.count == total { break }
            }
            return seen
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for index in 0..<50 {
                        try await log.append(to: "live-\(writer)", events: (0...(index % 5)).map { _ in sampleEvent() })
                        if index % 10 == 0 { try await Task.sleep(for: .milliseconds(1)) }
                    }
                }
            }
            try await group.waitForAll()
        }
        // 8 writers × (10 cycles of 1+2+3+4+5 events) = 8 × 150.
        #expect(try log.head().position == UInt64(total))
        let seen = try await subscriber.value
        #expect(seen == Array(1...UInt64(total)))
    }

    @Test("a subscription from a position starts there, and a category subscription sees only its category")
    func fromPositionAndCategory() async throws {
        let folder = TemporaryFolder()
        let log = try openLog(folder)
        for index in 0..<10 {
            try await log.append(to: index % 2 == 0 ? "invoice-\(index)" : "actuals-\(index)", events: [sampleEvent()])
        }
        var fromSix: [UInt64] = []
        for try await event in log.subscribe(from: 6) {
            fromSix.append(event.position)
            if event.position == 10 { break }
        }
        #expect(fromSix == [6, 7, 8, 9, 10])

        let invoices = Task {
            var seen: [String] = []
            for try await event in log.subscribe(from: 1, category: "invoice") {
                seen.append(event.streamID)
                if seen.count == 7 { break }
            }
            return seen
        }
        try await Task.sleep(for: .milliseconds(20))
        try await log.append(to: "actuals-99", events: [sampleEvent()])
        try await log.append(to: "invoice-99", events: [sampleEvent()])
        try await log.append(to: "invoice-100", events: [sampleEvent()])
        #expect(try await invoices.value == ["invoice-0", "invoice-2", "invoice-4", "invoice-6", "invoice-8", "invoice-99", "invoice-100"])
    }

    @Test("a caught-up subscription ends when its task is cancelled")
    func cancellation() async throws {
        let folder = TemporaryFolder()
        let log = try openLog(folder)
        try await log.append(to: "c-1", events: [sampleEvent()])
        let task = Task {
            var count = 0
            for try await _ in log.subscribe() { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        #expect(try await task.value == 1)
    }
}

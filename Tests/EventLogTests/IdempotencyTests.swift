import Foundation
import Testing
@testable import EventLog

@Suite("Idempotent appends")
struct IdempotencyTests {
    @Test("a retried append writes nothing and returns the stored positions, also after reopening")
    func retry() async throws {
        let folder = TemporaryFolder()
        let events = [sampleEvent("a"), sampleEvent("b")]
        do {
            let log = try openLog(folder)
            try await log.append(to: "other-1", events: [sampleEvent()])
            let first = try await log.append(to: "invoice-1", expectedVersion: .noStream, events: events)
            #expect(first.positions == [2, 3])
            let retry = try await log.append(to: "invoice-1", expectedVersion: .noStream, events: events)
            #expect(retry.positions == [2, 3])
            #expect(retry.streamVersions == ["invoice-1": 2])
            #expect(retry.wasAlreadyStored)
        }
        // The index is durable, not a cache.
        let log = try openLog(folder)
        let retry = try await log.append(to: "invoice-1", expectedVersion: .noStream, events: events)
        #expect(retry.wasAlreadyStored)
        #expect(retry.positions == [2, 3])
        #expect(try log.head().position == 3)
        #expect(try log.event(withID: events[1].id)?.position == 3)
    }

    @Test("an id reused with a different payload, type or stream is an error and writes nothing")
    func reuseWithOtherContents() async throws {
        let folder = TemporaryFolder()
        let log = try openLog(folder)
        let original = sampleEvent("original")
        try await log.append(to: "invoice-1", events: [original])

        var otherPayload = original
        otherPayload.payload = Data(#"{"text":"changed"}"#.utf8)
        var otherType = original
        otherType.type = "SomethingElse"
        for (stream, event, field) in [("invoice-1", otherPayload, "payload"), ("invoice-1", otherType, "type"),
                                       ("invoice-2", original, "stream")] {
            let error = await #expect(throws: EventLogError.self) { try await log.append(to: stream, events: [event]) }
            #expect(error?.isEventIDReused == true)
            #expect(error?.message.contains("different \(field)") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains(original.id.uuidString.lowercased()) == true)
        }
        #expect(try log.head().position == 1)
    }

    @Test("an append whose ids are partly stored is refused rather than half-applied")
    func partlyStored() async throws {
        let folder = TemporaryFolder()
        let log = try openLog(folder)
        let stored = sampleEvent("stored")
        try await log.append(to: "invoice-1", events: [stored])
        let error = await #expect(throws: EventLogError.self) {
            try await log.append(to: "invoice-1", events: [stored, sampleEvent("new")])
        }
        #expect(error?.message.contains("1 of the 2 events") == true)
        #expect(try log.head().position == 1)
    }

    @Test("concurrent retries of one append store it once")
    func concurrentRetries() async throws {
        let folder = TemporaryFolder()
        let log = try openLog(folder)
        let events = [sampleEvent("once")]
        let results = try await withThrowingTaskGroup(of: AppendResult.self) { group in
            for _ in 0..<20 { group.addTask { try await log.append(to: "invoice-1", events: events) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results.map(\.positions)) == [[1]])
        #expect(results.filter { !$0.wasAlreadyStored }.count == 1)
        #expect(try log.head().position == 1)
    }
}

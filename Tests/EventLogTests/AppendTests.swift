import Chronology
import Foundation
import Testing
@testable import EventLog

@Suite("Appending and reading")
struct AppendTests {
    @Test("an appended event reads back with every envelope field, also after reopening")
    func roundTripAndReopen() async throws {
        let folder = TemporaryFolder()
        let clock = ManualClock(Timestamp(iso8601: "2026-11-16T09:30:00.000125Z")!)
        let correlation = UUID()
        let causation = UUID()
        let proposed = ProposedEvent(
            id: UUID(), type: "InvoiceSubmitted", schemaVersion: 3, payload: Data(#"{"amount":"12.34"}"#.utf8),
            actor: EventActor(who: "user-7", actingAs: "payments@org-1"), correlationID: correlation, causationID: causation)
        do {
            let log = try openLog(folder, clock: clock)
            let result = try await log.append(to: "invoice-1", expectedVersion: .noStream, events: [proposed])
            #expect(result.positions == [1])
            #expect(result.streamVersions == ["invoice-1": 1])
            #expect(result.wasAlreadyStored == false)
        }
        let log = try openLog(folder)
        let stored = try #require(try log.readStream("invoice-1").first)
        #expect(stored.id == proposed.id)
        #expect(stored.streamID == "invoice-1")
        #expect(stored.streamVersion == 1)
        #expect(stored.position == 1)
        #expect(stored.type == "InvoiceSubmitted")
        #expect(stored.schemaVersion == 3)
        #expect(stored.recordedAt.iso8601 == "2026-11-16T09:30:00.000125Z")
        #expect(stored.actor == proposed.actor)
        #expect(stored.correlationID == correlation)
        #expect(stored.causationID == causation)
        #expect(stored.payload == proposed.payload)
        #expect(stored.category == "invoice")
        #expect(try log.head() == LogHead(position: 1, hash: stored.hash, recordedAt: stored.recordedAt))

        // The chain continues across the reopen.
        try await log.append(to: "invoice-1", expectedVersion: .exact(1), events: [sampleEvent()])
        #expect(try log.verify().verifiedCount == 2)
        #expect(try log.verify().isIntact)
    }

    @Test("positions are gapless across streams and versions count each stream's events")
    func positionsAndVersions() async throws {
        let folder = TemporaryFolder()
        let log = try openLog(folder)
        try await log.append(to: "a-1", events: [sampleEvent("1"), sampleEvent("2")])
        try await log.append(to: "b-1", events: [sampleEvent("3")])
        try await log.append(to: "a-1", events: [sampleEvent("4")])
        #expect(try log.readAll().positions == [1, 2, 3, 4])
        #expect(try log.readStream("a-1").map(\.streamVersion) == [1, 2, 3])
        #expect(try log.readStream("a-1").positions == [1, 2, 4])
        #expect(try log.streamVersion("a-1") == 3)
        #expect(try log.streamVersion("b-1") == 1)
        #expect(try log.streamVersion("c-1") == 0)
        #expect(try log.readStream("a-1", from: 2).positions == [2, 4])
        #expect(try log.readStream("a-1", from: 2, limit: 1).positions == [2])
        #expect(try log.readStreamBackward("a-1").map(\.streamVersion) == [3, 2, 1])
        #expect(try log.readStreamBackward("a-1", from: 2).map(\.streamVersion) == [2, 1])
        #expect(try log.readStreamBackward("a-1", limit: 1).map(\.streamVersion) == [3])
        #expect(try log.readStreamBackward("b-1").map(\.streamVersion) == [1])
        #expect(try log.readStreamBackward("zzz").isEmpty)
        #expect(try log.readAll(from: 3).positions == [3, 4])
        #expect(try log.event(at: 3)?.streamID == "b-1")
        #expect(try log.event(at: 9) == nil)
    }

    @Test("a stream whose id is a prefix of another's reads only its own events")
    func streamPrefixes() async throws {
        let folder = TemporaryFolder()
        let log = try openLog(folder)
        try await log.append(to: "invoice-1", events: [sampleEvent("one")])
        try await log.append(to: "invoice-10", events: [sampleEvent("ten")])
        try await log.append(to: "invoice-1", events: [sampleEvent("one again")])
        #expect(try log.readStream("invoice-1").positions == [1, 3])
        #expect(try log.readStreamBackward("invoice-1").positions == [3, 1])
        #expect(try log.readStream("invoice-10").positions == [2])
        #expect(try log.streamIDs(category: "invoice") == ["invoice-1", "invoice-10"])
    }

    @Test("category reads go through the index and see only that category, in position order")
    func categoryReads() async throws {
        let folder = TemporaryFolder()
        let log = try openLog(folder)
        try await log.append(to: "invoice-1", events: [sampleEvent()])
        try await log.append(to: "actuals-9-3", events: [sampleEvent()])
        try await log.append(to: "invoice-2", events: [sampleEvent()])
        try await log.append(to: "invoices-1", events: [sampleEvent()])
        try await log.append(to: "invoice", events: [sampleEvent()])
        #expect(try log.readCategory("invoice").positions == [1, 3, 5])
        #expect(try log.readCategory("invoice", from: 2).positions == [3, 5])
        #expect(try log.readCategory("invoice", limit: 1).positions == [1])
        #expect(try log.readCategory("actuals").map(\.streamID) == ["actuals-9-3"])
        #expect(try log.readCategory("invoices").positions == [4])
        #expect(try log.readCategory("nothing").isEmpty)
    }

    @Test("expected version: any, no-stream, exists and exact; a mismatch names stream, expected and actual")
    func expectedVersions() async throws {
        let folder = TemporaryFolder()
        let log = try openLog(folder)
        try await log.append(to: "s-1", expectedVersion: .noStream, events: [sampleEvent()])
        let noStream = await #expect(throws: WrongExpectedVersion.self) {
            try await log.append(to: "s-1", expectedVersion: .noStream, events: [sampleEvent()])
        }
        #expect(noStream == WrongExpectedVersion(streamID: "s-1", expected: .noStream, actual: 1))
        #expect(noStream?.description == "stream 's-1': expected version no stream, but it is at version 1")

        try await log.append(to: "s-1", expectedVersion: .exact(1), events: [sampleEvent()])
        let exact = await #expect(throws: WrongExpectedVersion.self) {
            try await log.append(to: "s-1", expectedVersion: .exact(1), events: [sampleEvent()])
        }
        #expect(exact == WrongExpectedVersion(streamID: "s-1", expected: .exact(1), actual: 2))

        await #expect(throws: WrongExpectedVersion.self) {
            try await log.append(to: "s-2", expectedVersion: .streamExists, events: [sampleEvent()])
        }
        try await log.append(to: "s-1", expectedVersion: .streamExists, events: [sampleEvent()])
        try await log.append(to: "s-1", expectedVersion: .any, events: [sampleEvent()])
        try await log.append(to: "s-3", expectedVersion: .exact(0), events: [sampleEvent()])
        #expect(try log.streamVersion("s-1") == 4)
        #expect(try log.head().position == 5)
    }

    @Test("a multi-stream append is all or nothing, and a condition entry asserts a version without writing")
    func multiStreamAtomicity() async throws {
        let folder = TemporaryFolder()
        let log = try openLog(folder)
        try await log.append(to: "periods-9", events: [sampleEvent("opened")])
        try await log.append(to: "invoice-1", events: [sampleEvent("created")])

        // The lock and the submission go together.
        let both = try await log.append([
            StreamAppend(streamID: "invoice-1", expectedVersion: .exact(1), events: [sampleEvent("submitted")]),
            StreamAppend(streamID: "periods-9", expectedVersion: .exact(1), events: [sampleEvent("locked")]),
        ])
        #expect(both.positions == [3, 4])
        #expect(both.streamVersions == ["invoice-1": 2, "periods-9": 2])

        // One stale expectation refuses the whole append.
        await #expect(throws: WrongExpectedVersion(streamID: "periods-9", expected: .exact(1), actual: 2)) {
            try await log.append([
                StreamAppend(streamID: "invoice-1", expectedVersion: .exact(2), events: [sampleEvent("held")]),
                StreamAppend(streamID: "periods-9", expectedVersion: .exact(1), events: [sampleEvent("opened next")]),
            ])
        }
        #expect(try log.head().position == 4)
        #expect(try log.streamVersion("invoice-1") == 2)

        // A condition only: the edit lands because the period stream is still at 2 …
        let edit = try await log.append([
            StreamAppend(streamID: "actuals-9-1", expectedVersion: .any, events: [sampleEvent("edit")]),
            .condition("periods-9", isAt: .exact(2)),
        ])
        #expect(edit.positions == [5])
        #expect(edit.streamVersions["periods-9"] == 2)
        #expect(try log.streamVersion("periods-9") == 2)
        // … and is refused once it has moved.
        try await log.append(to: "periods-9", events: [sampleEvent("moved")])
        await #expect(throws: WrongExpectedVersion.self) {
            try await log.append([
                StreamAppend(streamID: "actuals-9-1", expectedVersion: .any, events: [sampleEvent("late edit")]),
                .condition("periods-9", isAt: .exact(2)),
            ])
        }
        #expect(try log.readStream("actuals-9-1").count == 1)
    }

    @Test("invalid appends are refused with the field named and nothing written")
    func invalidAppends() async throws {
        let folder = TemporaryFolder()
        let log = try openLog(folder)
        let cases: [([StreamAppend], String)] = [
            ([StreamAppend(streamID: "", expectedVersion: .any, events: [sampleEvent()])], "stream id '' is empty"),
            ([StreamAppend(streamID: "has space", expectedVersion: .any, events: [sampleEvent()])], "contains a space"),
            ([StreamAppend(streamID: String(repeating: "a", count: 201), expectedVersion: .any, events: [sampleEvent()])], "the limit is 200"),
            ([StreamAppend(streamID: "x-1", expectedVersion: .any, events: [sampleEvent(type: "")])], "event type must be 1 to 200 bytes"),
            ([StreamAppend(streamID: "x-1", expectedVersion: .any, events: [sampleEvent()]),
              StreamAppend(streamID: "x-1", expectedVersion: .any, events: [sampleEvent()])], "appears twice in one append"),
        ]
        for (appends, message) in cases {
            let error = await #expect(throws: EventLogError.self) { try await log.append(appends) }
            #expect(error?.isInvalidEvent == true)
            #expect(error?.message.contains(message) == true, "\(error?.message ?? "") should mention \(message)")
        }
        let id = UUID()
        let duplicate = await #expect(throws: EventLogError.self) {
            try await log.append(to: "x-1", events: [sampleEvent(id: id), sampleEvent(id: id)])
        }
        #expect(duplicate?.message.contains("appears twice") == true)
        #expect(try log.head().position == 0)
    }

    @Test("recorded-at never goes backwards, even when the clock does")
    func recordedAtIsMonotonic() async throws {
        let folder = TemporaryFolder()
        let clock = ManualClock(Timestamp(iso8601: "2026-11-16T10:00:00Z")!)
        let log = try openLog(folder, clock: clock)
        try await log.append(to: "t-1", events: [sampleEvent()])
        clock.set(Timestamp(iso8601: "2026-11-16T09:00:00Z")!.date)
        try await log.append(to: "t-1", events: [sampleEvent()])
        clock.set(Timestamp(iso8601: "2026-11-16T11:00:00Z")!.date)
        try await log.append(to: "t-1", events: [sampleEvent()])
        #expect(try log.readAll().map(\.recordedAt.iso8601) == [
            "2026-11-16T10:00:00.000000Z", "2026-11-16T10:00:00.000000Z", "2026-11-16T11:00:00.000000Z",
        ])
    }

    @Test("a read-only log reads but refuses appends; a folder without a log is refused clearly")
    func readOnly() async throws {
        let folder = TemporaryFolder()
        do {
            let log = try openLog(folder)
            try await log.append(to: "r-1", events: [sampleEvent()])
        }
        let log = try openLog(folder) { $0.readOnly = true }
        #expect(try log.readStream("r-1").count == 1)
        let refused = await #expect(throws: EventLogError.self) { try await log.append(to: "r-1", events: [sampleEvent()]) }
        #expect(refused?.isReadOnly == true)

        let empty = TemporaryFolder()
        let missing = #expect(throws: EventLogError.self) { try openLog(empty) { $0.readOnly = true } }
        #expect(missing?.isNotALog == true)
    }

    @Test("one folder cannot be opened twice in one process; it can once the first is released")
    func singleOpenPerProcess() throws {
        let folder = TemporaryFolder()
        var first: EventLog? = try openLog(folder)
        #expect(throws: EventLogError.self) { try openLog(folder) }
        first?.close()
        first = nil
        _ = try openLog(folder)
    }
}

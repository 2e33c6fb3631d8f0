import ChildProcess
import CLMDB
import Foundation
import LMDB
import Synchronization
import Testing
@testable import EventLog

@Suite("Map growth and storage faults")
struct GrowthAndFaultTests {
    @Test("the map grows by itself when full, and every event stays readable")
    func mapGrowth() async throws {
        let folder = TemporaryFolder()
        let log = try openLog(folder) { $0.initialMapSize = 256 * 1024 }
        let sizeBefore = try log.statistics().mapSize
        let payload = String(repeating: "p", count: 4000)
        for batch in 0..<40 {
            try await log.append(to: "big-\(batch % 3)", events: (0..<10).map { _ in sampleEvent(payload) })
        }
        let stats = try log.statistics()
        #expect(stats.mapSize > sizeBefore)
        #expect(log.commitStatistics.mapGrowths > 0)
        #expect(stats.eventCount == 400)
        #expect(try log.verify().verifiedCount == 400)
        #expect(try log.readStream("big-1").count == 130)
    }

    @Test("an append that fails in storage returns an error and leaves the log exactly as before")
    func storageFailure() async throws {
        let folder = TemporaryFolder()
        let log = try openLog(folder)
        try await log.append(to: "invoice-1", events: [sampleEvent("before")])
        let headBefore = try log.head()
        let writer = try #require(log.writer)
        writer.injectedFault.withLock { $0 = LMDBStatus(code: ENOSPC, operation: "mdb_txn_commit") }

        let failed = sampleEvent("lost")
        let error = await #expect(throws: EventLogError.self) {
            try await log.append([
                StreamAppend(streamID: "invoice-1", expectedVersion: .exact(1), events: [failed]),
                StreamAppend(streamID: "periods-1", expectedVersion: .any, events: [sampleEvent("lock")]),
            ])
        }
        #expect(error?.isStorage == true)
        #expect(error?.message.contains("No space left on device") == true)
        #expect(error?.message.contains("the log is unchanged") == true)
        #expect(try log.head() == headBefore)
        #expect(try log.streamVersion("invoice-1") == 1)
        #expect(try log.streamVersion("periods-1") == 0)
        #expect(try log.event(withID: failed.id) == nil)
        #expect(try log.readCategory("periods").isEmpty)

        // The same append succeeds afterwards, as a retry would.
        let retried = try await log.append([
            StreamAppend(streamID: "invoice-1", expectedVersion: .exact(1), events: [failed]),
            StreamAppend(streamID: "periods-1", expectedVersion: .any, events: [sampleEvent("lock")]),
        ])
        #expect(retried.positions == [2, 3])
        #expect(try log.verify().isIntact)
    }

    @Test("the data folder is a standard LMDB environment: mdb_stat reads it")
    func mdbStatReadsTheFolder() async throws {
        let folder = TemporaryFolder()
        let log = try openLog(folder)
        try await log.append(to: "invoice-1", events: (0..<25).map { _ in sampleEvent() })
        log.close()
        let tool = try #require(["/usr/bin/mdb_stat", "/usr/local/bin/mdb_stat"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                "mdb_stat is missing: run the README's test command, which installs lmdb-utils")
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-s", "events", folder.url.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.contains("Entries: 25"), "\(text)")
    }
}

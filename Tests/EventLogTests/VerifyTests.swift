import Foundation
import LMDB
import Testing
@testable import EventLog

@Suite("Hash chain verification")
struct VerifyTests {
    /// Writes 100 events and closes the log.
    private func filledLog() async throws -> TemporaryFolder {
        let folder = TemporaryFolder()
        let log = try openLog(folder)
        for index in 0..<100 {
            try await log.append(to: "invoice-\(index % 7)", events: [sampleEvent("event \(index)")])
        }
        log.close()
        return folder
    }

    /// Changes the stored record at `position` directly through LMDB, as an attacker with file access could.
    private func tamper(_ folder: TemporaryFolder, at position: UInt64, _ change: (inout [UInt8]) -> Void) throws {
        let environment = try LMDBEnvironment(path: folder.url.path, databases: LogDatabases.names, options: .init())
        let events = environment.database("events")
        var record = try #require(try environment.read { txn in try txn.get(events, .bigEndian(position)).map { Array($0) } })
        change(&record)
        try environment.write { txn in try txn.put(events, .bigEndian(position), record) }
    }

    @Test("a clean log verifies: all N events")
    func clean() async throws {
        let folder = try await filledLog()
        let log = try openLog(folder)
        let result = try log.verify()
        #expect(result.isIntact)
        #expect(result.verifiedCount == 100)
        #expect(result.lastVerifiedHash == (try log.head().hash))
        #expect(try log.verify(from: 40).verifiedCount == 61)
    }

    @Test("a payload changed directly in LMDB fails verification at exactly that position")
    func payloadChanged() async throws {
        let folder = try await filledLog()
        try tamper(folder, at: 42) { record in
            // "event 41" → "event 4X": same length, different payload.
            let payloadEnd = record.count - 32 - 2
            record[payloadEnd] = UInt8(ascii: "X")
        }
        let log = try openLog(folder)
        let result = try log.verify()
        #expect(result.failure?.position == 42)
        #expect(result.failure?.reason.contains("hash mismatch") == true)
        #expect(result.verifiedCount == 41)
        #expect(try log.verify(from: 43).isIntact)
    }

    @Test("a payload changed with its own hash recomputed fails at that event: its leaf no longer matches the Merkle tree's node")
    func hashRecomputed() async throws {
        let folder = try await filledLog()
        let log = try openLog(folder)
        let previous = try #require(try log.event(at: 49)).hash
        log.close()
        try tamper(folder, at: 50) { record in
            record[record.count - 32 - 2] = UInt8(ascii: "Y")
            let body = Array(record[..<(record.count - 32)])
            let rehashed = body.withUnsafeBytes { RecordCodec.chainHash(previous: previous, body: $0) }
            record.replaceSubrange((record.count - 32)..., with: rehashed.bytes)
        }
        let reopened = try openLog(folder)
        let result = try reopened.verify()
        #expect(result.failure?.position == 50)
        #expect(result.failure?.reason.contains("Merkle tree's node over positions 49–50") == true, "\(result)")
        // From position 50 on, where the tree is not rebuilt, the broken link to the next event shows.
        #expect(try reopened.verify(from: 50).failure?.position == 51)
    }

    @Test("a stored hash changed directly in LMDB fails verification at that position")
    func hashChanged() async throws {
        let folder = try await filledLog()
        try tamper(folder, at: 100) { record in record[record.count - 1] ^= 0xff }
        let log = try openLog(folder)
        let result = try log.verify()
        #expect(result.failure?.position == 100)
        #expect(result.verifiedCount == 99)
    }
}

import Chronology
import Foundation
import LMDB
import PortalApplication
import PortalAudit
import Testing
@testable import EventLog

/// Verification of a log made by the portal's own commands (the invoice story), tampered with directly in LMDB
/// as someone with access to the files could.
@Suite("Audit: verification of an invoice story's log")
struct InvoiceChainTests {
    /// The invoice story's log, closed: its folder and its events.
    func storyLog() async throws -> (fixture: AuditFixture, folder: URL, events: [RecordedEvent]) {
        let fixture = try await AuditFixture.make()
        try await fixture.invoiceStory()
        let events = try fixture.log.readAll(from: 1, limit: 10_000)
        fixture.portal.close()
        return (fixture, fixture.folder.appendingPathComponent("log"), events)
    }

    /// Changes the record at `position` in LMDB and returns the original bytes.
    @discardableResult
    func tamper(_ folder: URL, at position: UInt64, _ change: (inout [UInt8]) -> Void) throws -> [UInt8] {
        let environment = try LMDBEnvironment(path: folder.path, databases: LogDatabases.names, options: .init())
        defer { environment.close() }
        let events = environment.database("events")
        let original = try #require(try environment.read { try $0.get(events, .bigEndian(position)).map { Array($0) } })
        var record = original
        change(&record)
        try environment.write { try $0.put(events, .bigEndian(position), record) }
        return original
    }

    func restore(_ folder: URL, at position: UInt64, _ record: [UInt8]) throws {
        try tamper(folder, at: position) { $0 = record }
    }

    /// `body` on the log opened read-only, as the audit commands open it; closed after.
    func withLog<T>(_ folder: URL, _ body: (EventLog) throws -> T) throws -> T {
        var options = EventLog.Options()
        options.readOnly = true
        let log = try EventLog(directory: folder, options: options)
        defer { log.close() }
        return try body(log)
    }

    @Test("verify passes on the clean log; a payload changed in LMDB (the hold reason) fails at exactly that event's position, a changed stored hash at that event's")
    func payloadAndHash() async throws {
        let (fixture, folder, events) = try await storyLog()
        _ = fixture
        let clean = try withLog(folder) { try $0.verify() }
        #expect(clean.isIntact)
        #expect(clean.verifiedCount == events.count)

        // "week 2 queried" → "week 9 queried": same length, the record is still well formed.
        let held = try #require(events.first { $0.type == "InvoiceHeld" })
        let original = try tamper(folder, at: held.position) { record in
            let text = Array(AuditFixture.holdReason.utf8)
            let start = record.indices.first { record[$0...].starts(with: text) }!
            record[start + 5] = UInt8(ascii: "9")
        }
        let tampered = try withLog(folder) { try $0.verify() }
        #expect(tampered.failure?.position == held.position)
        #expect(tampered.verifiedCount == Int(held.position) - 1)
        // The event reads back with the changed payload: only the chain tells.
        let payload = try withLog(folder) { try $0.event(at: held.position)?.payload }
        #expect(String(decoding: try #require(payload), as: UTF8.self).contains("week 9 queried"))
        try restore(folder, at: held.position, original)
        #expect(try withLog(folder) { try $0.verify() }.isIntact)

        let approved = try #require(events.first { $0.type == "InvoiceApproved" })
        try tamper(folder, at: approved.position) { record in record[record.count - 1] ^= 0x01 }
        let hashChanged = try withLog(folder) { try $0.verify() }
        #expect(hashChanged.failure?.position == approved.position)
        #expect(hashChanged.verifiedCount == Int(approved.position) - 1)
    }

    @Test("--from-digest: a digest kept after the approval fails at the position of any event at or before it that changed, and still verifies after the run grew the log")
    func fromDigest() async throws {
        let (fixture, folder, events) = try await storyLog()
        _ = fixture
        let approved = try #require(events.first { $0.type == "InvoiceApproved" })
        let digest = LogDigest(position: approved.position, hash: approved.hash.hex, recordedAt: approved.recordedAt)
        let grown = try withLog(folder) { try DigestCheck.check($0, against: digest) }
        #expect(grown.failure == nil)
        #expect(grown.grownBy == UInt64(events.count) - approved.position, "the payment run appended after the digest")
        #expect(grown.verifiedCount == events.count)
        for position in 1...approved.position {
            let original = try tamper(folder, at: position) { record in record[record.count - 32 - 2] ^= 0x01 }
            let check = try withLog(folder) { try DigestCheck.check($0, against: digest) }
            #expect(check.failure?.position == position, "payload changed at \(position): \(String(describing: check.failure))")
            try restore(folder, at: position, original)
        }
        // A stored hash changed at the digest's own position.
        let original = try tamper(folder, at: approved.position) { record in record[record.count - 1] ^= 0x80 }
        #expect(try withLog(folder) { try DigestCheck.check($0, against: digest) }.failure?.position == approved.position)
        try restore(folder, at: approved.position, original)
        // After the digest, a change is found by verifying what was appended since.
        let last = UInt64(events.count)
        try tamper(folder, at: last) { record in record[record.count - 32 - 2] ^= 0x01 }
        #expect(try withLog(folder) { try DigestCheck.check($0, against: digest) }.failure?.position == last)
    }
}

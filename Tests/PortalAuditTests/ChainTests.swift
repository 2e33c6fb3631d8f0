import Chronology
import Foundation
import LMDB
import PortalAudit
import Testing
@testable import EventLog

@Suite("Audit: digests and verification")
struct ChainTests {
    /// A closed log with `count` events in a temporary folder.
    func log(_ count: Int) async throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("portal-audit-chain-\(UUID().uuidString)")
        let log = try EventLog(directory: folder)
        for index in 0..<count {
            try await log.append(to: "invoice-\(index % 5)", events: [
                ProposedEvent(type: "InvoiceNoted", payload: Data("{\"index\":\(index)}".utf8), actor: .system),
            ])
        }
        log.close()
        return folder
    }

    func tamper(_ folder: URL, at position: UInt64) throws {
        let environment = try LMDBEnvironment(path: folder.path, databases: LogDatabases.names, options: .init())
        let events = environment.database("events")
        var record = try #require(try environment.read { try $0.get(events, .bigEndian(position)).map { Array($0) } })
        record[record.count - 32 - 2] ^= 0x01
        try environment.write { try $0.put(events, .bigEndian(position), record) }
    }

    @Test("a kept digest verifies while the log only grows after it")
    func grows() async throws {
        let folder = try await log(30)
        defer { try? FileManager.default.removeItem(at: folder) }
        let digest = try LogDigest(of: try EventLog(directory: folder))
        #expect(digest.position == 30)
        let log = try EventLog(directory: folder)
        for _ in 0..<10 { try await log.append(to: "invoice-1", events: [ProposedEvent(type: "InvoiceNoted", payload: Data("{}".utf8), actor: .system)]) }
        let check = try DigestCheck.check(log, against: digest)
        #expect(check.failure == nil)
        #expect(check.grownBy == 10)
        #expect(check.verifiedCount == 40)
        // The digest survives its own JSON form.
        #expect(try LogDigest.read(digest.json()) == digest)
    }

    @Test("a change at or before the digest fails the check at that position; after it, plain verification finds it")
    func changed() async throws {
        for position: UInt64 in [1, 17, 30] {
            let folder = try await log(40)
            defer { try? FileManager.default.removeItem(at: folder) }
            let digest = LogDigest(position: 30, hash: try #require(try EventLog(directory: folder).hash(at: 30)).hex, recordedAt: nil)
            try tamper(folder, at: position)
            let check = try DigestCheck.check(try EventLog(directory: folder), against: digest)
            #expect(check.failure?.position == position, "tampered at \(position): \(String(describing: check.failure))")
        }
        let folder = try await log(40)
        defer { try? FileManager.default.removeItem(at: folder) }
        let digest = LogDigest(position: 30, hash: try #require(try EventLog(directory: folder).hash(at: 30)).hex, recordedAt: nil)
        try tamper(folder, at: 35)
        #expect(try DigestCheck.check(try EventLog(directory: folder), against: digest).failure?.position == 35)
    }

    @Test("a digest of a longer log than the one checked reports removed events")
    func shorter() async throws {
        let folder = try await log(5)
        defer { try? FileManager.default.removeItem(at: folder) }
        let check = try DigestCheck.check(try EventLog(directory: folder), against: LogDigest(position: 9, hash: "00", recordedAt: nil))
        #expect(check.failure?.reason.contains("events were removed") == true)
    }
}

import Foundation
import Testing

@Suite("portal log (end to end)")
struct LogCommandTests {
    @Test("append from JSON, read the stream, read all, stats and verify through the real binary")
    func appendReadVerify() throws {
        let data = TemporaryFolder()
        let first = try PortalBinary.run(["log", "append", "--data", data.url.path, "--stream", "note-1",
                                          "--type", "NoteWritten", "--expected-version", "no-stream",
                                          #"{"reference":"INV-1","total":"12.34"}"#])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.contains("appended NoteWritten at position 1; note-1 is at version 1"))

        let id = UUID().uuidString
        let second = try PortalBinary.run(["log", "append", "--data", data.url.path, "--stream", "note-1",
                                           "--type", "NoteAmended", "--id", id, "--format", "json", "-"],
                                          input: #"{"reference":"INV-1"}"#)
        #expect(second.status == 0, "\(second.standardError)")
        #expect(second.standardOutput.contains(#""position":2"#))
        // The same id again is a no-op.
        let retry = try PortalBinary.run(["log", "append", "--data", data.url.path, "--stream", "note-1",
                                          "--type", "NoteAmended", "--id", id, "-"], input: #"{"reference":"INV-1"}"#)
        #expect(retry.standardOutput.contains("already stored"))

        let read = try PortalBinary.run(["log", "read", "note-1", "--data", data.url.path, "--format", "json"])
        let lines = read.standardOutput.split(separator: "\n")
        #expect(lines.count == 2)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["type"] as? String == "NoteWritten")
        // The event is the operator's own: no option names another actor.
        let user = String(cString: getpwuid(geteuid())!.pointee.pw_name)
        let actor = try #require(object["actor"] as? [String: Any])
        #expect(actor["who"] as? String == "system:operator:\(user)", "\(object)")
        #expect(actor["actingAs"] as? String == "system:operator")
        #expect((object["payload"] as? [String: Any])?["total"] as? String == "12.34")

        let all = try PortalBinary.run(["log", "read-all", "--data", data.url.path])
        #expect(all.standardOutput.contains("NoteAmended"))

        let stats = try PortalBinary.run(["log", "stats", "--data", data.url.path])
        #expect(stats.standardOutput.contains("events                2"))

        let verify = try PortalBinary.run(["log", "verify", "--data", data.url.path])
        #expect(verify.status == 0)
        #expect(verify.standardOutput.contains("OK: all 2 events verified"))
    }

    @Test("bad input is refused with the field named and nothing written")
    func badInput() throws {
        let data = TemporaryFolder()
        let notJSON = try PortalBinary.run(["log", "append", "--data", data.url.path, "--stream", "note-1", "--type", "X", "{oops"])
        #expect(notJSON.status != 0)
        #expect(notJSON.standardError.contains("the payload is not valid JSON"))
        let badStream = try PortalBinary.run(["log", "append", "--data", data.url.path, "--stream", "has space", "--type", "X", "{}"])
        #expect(badStream.standardError.contains("--stream 'has space' contains a space"))
        let badVersion = try PortalBinary.run(["log", "append", "--data", data.url.path, "--stream", "a-1", "--type", "X",
                                               "--expected-version", "soon", "{}"])
        #expect(badVersion.standardError.contains("--expected-version must be any, no-stream, exists or a number"))
        let conflict = try PortalBinary.run(["log", "append", "--data", data.url.path, "--stream", "a-1", "--type", "X",
                                             "--expected-version", "3", "{}"])
        #expect(conflict.status != 0)
        #expect(conflict.standardError.contains("stream 'a-1': expected version 3, but it is at version 0"))
        let missing = try PortalBinary.run(["log", "read-all", "--data", data.url.appendingPathComponent("nowhere").path])
        #expect(missing.status != 0)
        #expect(missing.standardError.contains("there is no event log in"))
        let stats = try PortalBinary.run(["log", "stats", "--data", data.url.path])
        #expect(stats.standardOutput.contains("events                0"))
    }

    @Test("log append refuses the portal's streams and a portal's data folder, and no one can append as another actor")
    func refusesThePortal() async throws {
        let plain = TemporaryFolder()
        let domain = try PortalBinary.run(["log", "append", "--data", plain.url.path, "--stream", "invoice-1", "--type", "InvoiceApproved",
                                           #"{"invoiceID":"1","date":"2026-12-14"}"#])
        #expect(domain.status != 0)
        #expect(domain.standardError.contains("--stream invoice-1 is in the portal's category 'invoice'"), "\(domain.standardError)")
        let impersonating = try PortalBinary.run(["log", "append", "--data", plain.url.path, "--stream", "note-1", "--type", "X",
                                                  "--actor", "payments-1", "--acting-as", "team:payments", "{}"])
        #expect(impersonating.status != 0)
        #expect(impersonating.standardError.contains("Unknown option '--actor'"), "\(impersonating.standardError)")

        // A portal's data folder (here a generated county's) is refused whatever the stream, and left untouched.
        let portal = try ProjectionCommandTests.county(events: 300, organisations: 2)
        func head() throws -> [Substring] {
            try PortalBinary.run(["log", "stats", "--data", portal.url.path]).standardOutput.split(separator: "\n").filter { $0.hasPrefix("head") }
        }
        let before = try head()
        #expect(before.count == 2)
        let refused = try PortalBinary.run(["log", "append", "--data", portal.url.path, "--stream", "note-1", "--type", "X", "{}"])
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("is a portal's log"), "\(refused.standardError)")
        let loop = try PortalBinary.run(["log", "append-loop", "--data", portal.url.path, "--count", "1"])
        #expect(loop.status != 0)
        #expect(loop.standardError.contains("is a portal's log"), "\(loop.standardError)")
        #expect(try head() == before)
    }
}

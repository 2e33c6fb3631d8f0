import EventLog
import Foundation
import Testing

@Suite("portal audit (end to end)")
struct AuditCommandTests {
    @Test("digest (table, JSON, CSV), then verify --from-digest after the log grew; history and who through the real binary")
    func digestAndVerify() async throws {
        let data = TemporaryFolder()
        let log = try EventLog(directory: data.url.appendingPathComponent("log"))
        for index in 0..<5 {
            try await log.append(to: "user-u\(index)", events: [ProposedEvent(
                type: "CouncilUserRegistered",
                payload: Data(#"{"person":{"email":"u\#(index)@council.example","forename":"U","surname":"\#(index)"},"team":"payments","userID":"u\#(index)"}"#.utf8),
                actor: EventActor(who: "system:bootstrap", actingAs: "system:bootstrap"))])
        }
        let digestFile = data.url.appendingPathComponent("digest.json")
        let digest = try PortalBinary.run(["audit", "digest", "--data", data.url.path, "--output", digestFile.path])
        #expect(digest.status == 0, "\(digest.standardError)")
        #expect(digest.standardOutput.contains("position 5"))
        let hash = try #require(digest.standardOutput.split(separator: "\n").first { $0.hasPrefix("hash") }?.split(separator: " ").last)
        let digestJSON = try PortalBinary.run(["audit", "digest", "--data", data.url.path, "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(digestJSON.standardOutput.utf8)) as? [String: Any], "\(digestJSON.standardOutput)")
        #expect((object["position"] as? NSNumber)?.intValue == 5)
        #expect(object["hash"] as? String == String(hash))
        let digestCSV = try PortalBinary.run(["audit", "digest", "--data", data.url.path, "--format", "csv"])
        #expect(digestCSV.standardOutput.split(separator: "\n").map(String.init).prefix(2).first == "position,hash,recordedAt")
        #expect(digestCSV.standardOutput.split(separator: "\n").dropFirst().first?.hasPrefix("5,\(hash),") == true)
        try await log.append(to: "user-u0", events: [ProposedEvent(type: "AccountSuspended", payload: Data(#"{"userID":"u0","at":"2027-01-01T00:00:00.000000Z"}"#.utf8),
                                                                   actor: EventActor(who: "account-suspension", actingAs: "system:account-suspension"))])
        let verify = try PortalBinary.run(["audit", "verify", "--data", data.url.path, "--from-digest", digestFile.path])
        #expect(verify.status == 0, "\(verify.standardOutput)\(verify.standardError)")
        #expect(verify.standardOutput.contains("the log grew by 1 events"))

        let who = try PortalBinary.run(["audit", "who", "system:bootstrap", "--data", data.url.path, "--format", "csv"])
        #expect(who.status == 0, "\(who.standardError)")
        #expect(who.standardOutput.split(separator: "\n").count == 6)
        // For Excel: a UTF-8 byte-order mark first, with --bom (CSV only).
        let withMark = try PortalBinary.run(["audit", "who", "system:bootstrap", "--data", data.url.path, "--format", "csv", "--bom"])
        #expect(withMark.standardOutput.hasPrefix("\u{FEFF}position,"))
        #expect(try PortalBinary.run(["audit", "who", "system:bootstrap", "--data", data.url.path, "--bom"]).status == 2)
        // A user by email (any letter case) or id; no user by that name is a lookup error, said plainly, exit status 2.
        let byEmail = try PortalBinary.run(["audit", "who", "U3@Council.example", "--data", data.url.path])
        #expect(byEmail.status == 0, "\(byEmail.standardError)")
        #expect(byEmail.standardOutput.hasPrefix("changes by u3 (U3@Council.example) from the beginning to now: 0 events"), "\(byEmail.standardOutput)")
        let nobody = try PortalBinary.run(["audit", "who", "payments@council.example", "--data", data.url.path])
        #expect(nobody.status == 2)
        #expect(nobody.standardError.contains("no user has the email address payments@council.example"), "\(nobody.standardError)")
        let nobodyJSON = try PortalBinary.run(["audit", "who", "u9", "--data", data.url.path, "--format", "json"])
        #expect(nobodyJSON.status == 2)
        let error = try #require(try JSONSerialization.jsonObject(with: Data(nobodyJSON.standardOutput.utf8)) as? [String: Any], "\(nobodyJSON.standardOutput)")
        #expect(error["error"] as? String == "no user has the id u9 in this log (give a user id, or an email address)")
        #expect((error["exitStatus"] as? NSNumber)?.intValue == 2)

        let bad = try PortalBinary.run(["audit", "as-of", "stream", "user-u0", "--data", data.url.path, "--at", "yesterday"])
        #expect(bad.status == 2)
        #expect(bad.standardError.contains("--at must be a UTC instant"))
        let badJSON = try PortalBinary.run(["audit", "trace", "not-a-request", "--data", data.url.path, "--format", "json"])
        #expect(badJSON.status == 2)
        let usage = try #require(try JSONSerialization.jsonObject(with: Data(badJSON.standardOutput.utf8)) as? [String: Any], "\(badJSON.standardOutput)")
        #expect((usage["error"] as? String)?.contains("the request id must be a UUID as the API returns it in X-Request-ID") == true)
        let unknownOption = try PortalBinary.run(["audit", "verify", "--data", data.url.path, "--frobnicate"])
        #expect(unknownOption.status == 2)
    }
}

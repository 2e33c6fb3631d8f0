import ChildProcess
import Foundation
import Synchronization
import Testing

/// The backup drill: `portal backup` of a data folder while the real server serves and writes, `portal restore`
/// into an empty folder, and everything a restore promises checked on the restored folder.
@Suite("portal backup and restore (real processes)")
struct BackupDrillTests {
    /// The mode bits of a file or folder.
    static func mode(_ url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// Every file and folder under `folder` with its mode, checked: folders 0700, files 0600.
    static func checkPrivate(_ folder: URL) throws {
        #expect(try mode(folder) == 0o700, "\(folder.path)")
        for case let path as String in FileManager.default.enumerator(atPath: folder.path) ?? .init() {
            let url = folder.appendingPathComponent(path)
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
            let actual = try mode(url)
            #expect(actual == (isFolder.boolValue ? 0o700 : 0o600), "\(path) is \(String(actual, radix: 8))")
        }
    }

    /// One acknowledged actual edit: when its answer came, the period's actuals version it made, the value.
    struct Edit: Sendable {
        var acknowledgedAt: Date
        var version: UInt64
        var actual: String
    }

    /// What the writer shares with the test: the edits acknowledged, and when to stop.
    final class Writes: Sendable {
        let edits = Mutex<[Edit]>([])
        let stop = Mutex(false)
        /// The first answer that was neither an edit nor a conflict: the drill stops and fails with it.
        let refusal = Mutex<String?>(nil)
        var count: Int { edits.withLock { $0.count } }

        /// Waits until `count` edits were acknowledged, failing (instead of waiting for ever) once an edit is refused.
        func wait(until wanted: Int) async throws {
            while count < wanted {
                if let refused = refusal.withLock({ $0 }) { throw DrillFailure(description: "an edit was refused: \(refused)") }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    struct DrillFailure: Error, CustomStringConvertible {
        let description: String
    }

    @Test("the drill: writes keep coming while the backup runs; the restore holds every write acknowledged before the backup began, logins (and a changed password, and a job's key) work, the chain verifies, remittances regenerate with their recorded SHA-256; files 0600, folders 0700")
    func drill() async throws {
        let server = try RunningServer()
        let work = TemporaryFolder()
        let provider = try await server.logIn("super-user-actuals@oasis.example")

        // Acknowledged before the backup: a password change and a job's key.
        let reader = try await server.logIn("read-only@oasis.example")
        let changed = try await server.send("POST", "/auth/password", token: reader,
                                            body: #"{"currentPassword":"Portal-demo-2026","newPassword":"Drill-pass-2031"}"#)
        #expect(changed.status == 200, "\(changed.text)")
        let helpdesk = try await server.logIn("helpdesk@council.example")
        let expiry = Calendar(identifier: .gregorian).date(byAdding: .day, value: 30, to: Date())!
        let day = ISO8601DateFormatter.string(from: expiry, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        let issued = try await server.send("POST", "/job-keys", token: helpdesk,
                                           body: #"{"job":"drill-remittances","scope":"remittances:regenerate","expiresOn":"\#(day)"}"#)
        let key = try #require(issued.json?["key"] as? String, "\(issued.text)")

        // The open period's lines to edit: oasis's third period, which the demo leaves open.
        let period = try #require(try await server.send("GET", "/services/oasis-hs/periods", token: provider).json?["openPeriod"] as? Int)
        let csv = try await server.send("GET", "/services/oasis-hs/periods/\(period)/actuals/csv", token: provider)
        let rows = csv.text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try #require(rows.first)
        let (cpliColumn, weekColumn) = (try #require(header.firstIndex(of: "cpli")), try #require(header.firstIndex(of: "week")))
        let lines = rows.dropFirst().filter { $0.count == header.count }.map { (cpli: $0[cpliColumn], week: $0[weekColumn]) }
        try #require(lines.count >= 4)

        // A writer that keeps editing actuals until told to stop, keeping every acknowledgement.
        let writes = Writes()
        let writer = Task {
            var number = 0
            while !writes.stop.withLock({ $0 }) {
                let line = lines[number % lines.count]
                let actual = "\(1 + number % 6).25" // within every unit's weekly bound (a week holds at most 7 nights)
                let answer = try await server.send("PATCH", "/services/oasis-hs/weeks/\(line.week)/actuals/\(line.cpli)", token: provider,
                                                   body: #"{"actual":"\#(actual)","comment":"drill edit \#(number)"}"#, headers: ["If-Match": "*"])
                if answer.status != 200 && answer.status != 409 {
                    writes.refusal.withLock { $0 = "\(answer.status) \(answer.text)" }
                    break
                }
                // An edit that changed the line made a new version (an edit equal to the line records nothing).
                if answer.status == 200, let etag = answer.header("ETag"), let version = UInt64(etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"W/"))) {
                    writes.edits.withLock { edits in
                        if version > (edits.last?.version ?? 0) {
                            edits.append(Edit(acknowledgedAt: Date(), version: version, actual: "\(1 + number % 6).2500"))
                        }
                    }
                }
                number += 1
            }
        }
        // Let writes flow, then back up while they go on.
        try await writes.wait(until: 20)
        let backup = work.url.appendingPathComponent("backup")
        let backupBegan = Date()
        let backedUp = try await Task.detached { try PortalBinary.run(["backup", backup.path, "--data", server.data.path]) }.value
        let countAtEnd = writes.count
        try await writes.wait(until: countAtEnd + 5)
        writes.stop.withLock { $0 = true }
        try await writer.value
        #expect(backedUp.status == 0, "\(backedUp.standardError)")
        #expect(backedUp.standardOutput.contains("each verified against manifest.json"), "\(backedUp.standardOutput)")
        try Self.checkPrivate(backup)
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: backup.appendingPathComponent("manifest.json"))) as? [String: Any])
        let files = try #require(manifest["files"] as? [[String: Any]]).compactMap { $0["path"] as? String }
        #expect(files.contains("log/data.mdb") && files.contains("credentials/data.mdb"), "\(files)")
        #expect(!files.contains { $0.hasPrefix("sessions/") || $0.hasPrefix("projections/") || $0.hasSuffix("lock.mdb") }, "\(files)")
        server.stop()

        // Restore into a new folder and check it.
        let restored = work.url.appendingPathComponent("restored")
        let restore = try PortalBinary.run(["restore", backup.path, "--data", restored.path])
        #expect(restore.status == 0, "\(restore.standardError)")
        try Self.checkPrivate(restored)
        let verify = try PortalBinary.run(["log", "verify", "--data", restored.path])
        #expect(verify.status == 0, "\(verify.standardOutput) \(verify.standardError)")
        // The Merkle tree's nodes came with the events (a copy without them verified the chain but failed every proof).
        #expect(verify.standardOutput.contains("stored nodes equal to the records'") && !verify.standardOutput.contains("(0 stored nodes"),
                "\(verify.standardOutput)")

        let acknowledgedBefore = writes.edits.withLock { $0 }.filter { $0.acknowledgedAt < backupBegan }
        #expect(acknowledgedBefore.count >= 20)
        let stream = try PortalBinary.run(["log", "read", "actuals-oasis-hs-\(period)", "--data", restored.path, "--format", "json"])
        let events = stream.standardOutput.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        var byVersion: [UInt64: String] = [:]
        for event in events {
            if let version = (event["version"] as? NSNumber)?.uint64Value, let payload = event["payload"] as? [String: Any] {
                byVersion[version] = payload["actual"] as? String
            }
        }
        for edit in acknowledgedBefore {
            #expect(byVersion[edit.version] == edit.actual, "the edit acknowledged as version \(edit.version) is missing from the restore")
        }

        let regenerated = try PortalBinary.run(["audit", "remittance", "regenerate", "demo-run-1", "--data", restored.path,
                                                "--output", work.url.appendingPathComponent("remittances").path])
        #expect(regenerated.status == 0, "\(regenerated.standardOutput) \(regenerated.standardError)")

        let again = try RunningServer(demo: false, data: restored)
        _ = try await again.logIn("auditor@council.example")
        _ = try await again.logIn("read-only@oasis.example", password: "Drill-pass-2031")
        let runs = try await again.send("GET", "/payment-runs", headers: ["X-API-Key": key])
        #expect(runs.status == 200, "\(runs.text)")
        again.stop()
    }

    @Test("a truncated, altered, incomplete or padded backup is refused naming the file with the expected and the actual size or SHA-256; a non-empty folder is refused; nothing is restored")
    func refusals() async throws {
        let server = try RunningServer()
        let work = TemporaryFolder()
        let backup = work.url.appendingPathComponent("backup")
        let made = try PortalBinary.run(["backup", backup.path, "--data", server.data.path])
        try #require(made.status == 0, "\(made.standardError)")
        server.stop()
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: backup.appendingPathComponent("manifest.json"))) as? [String: Any])
        let sizes = Dictionary(uniqueKeysWithValues: try #require(manifest["files"] as? [[String: Any]]).map { ($0["path"] as! String, ($0["size"] as! NSNumber).intValue) })

        func copyOfBackup(_ name: String) throws -> URL {
            let copy = work.url.appendingPathComponent(name)
            try FileManager.default.copyItem(at: backup, to: copy)
            return copy
        }
        func refusedRestore(_ source: URL, _ name: String) throws -> String {
            let target = work.url.appendingPathComponent("target-\(name)")
            let result = try PortalBinary.run(["restore", source.path, "--data", target.path])
            #expect(result.status == 1)
            #expect(!FileManager.default.fileExists(atPath: target.path), "a refused restore left \(target.path)")
            return result.standardError
        }

        let truncated = try copyOfBackup("truncated")
        let log = truncated.appendingPathComponent("log/data.mdb")
        let logSize = try #require(sizes["log/data.mdb"])
        try FileHandle(forWritingTo: log).truncate(atOffset: UInt64(logSize / 2))
        let truncatedError = try refusedRestore(truncated, "truncated")
        #expect(truncatedError.contains("log/data.mdb: expected \(logSize) bytes, found \(logSize / 2) (truncated)"), "\(truncatedError)")

        let altered = try copyOfBackup("altered")
        let credentials = altered.appendingPathComponent("credentials/data.mdb")
        var bytes = try Data(contentsOf: credentials)
        bytes[bytes.count / 2] ^= 0xff
        try bytes.write(to: credentials)
        let alteredError = try refusedRestore(altered, "altered")
        #expect(alteredError.contains("credentials/data.mdb: expected SHA-256 "), "\(alteredError)")
        #expect(alteredError.contains("(altered)"), "\(alteredError)")

        let incomplete = try copyOfBackup("incomplete")
        try FileManager.default.removeItem(at: incomplete.appendingPathComponent("manifest.json"))
        #expect(try refusedRestore(incomplete, "incomplete").contains("has no manifest.json"))

        let padded = try copyOfBackup("padded")
        try Data("x".utf8).write(to: padded.appendingPathComponent("log/extra.bin"))
        #expect(try refusedRestore(padded, "padded").contains("log/extra.bin: not in the manifest"))

        let occupied = work.url.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: occupied.appendingPathComponent("notes.txt"))
        let intoOccupied = try PortalBinary.run(["restore", backup.path, "--data", occupied.path])
        #expect(intoOccupied.status == 1 && intoOccupied.standardError.contains("is not empty (it holds notes.txt)"), "\(intoOccupied.standardError)")
        #expect(try String(contentsOf: occupied.appendingPathComponent("notes.txt"), encoding: .utf8) == "keep me")

        let over = try PortalBinary.run(["backup", backup.path, "--data", server.data.path])
        #expect(over.status == 1 && over.standardError.contains("is not empty"), "a backup never overwrites another: \(over.standardError)")
    }
}

import ChildProcess
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Going live: portal init, staff add beside a server, one server per data folder, settings, graceful stop, JSON logs (real processes)")
struct GoLiveCommandTests {
    static var osUser: String {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "uid-\(geteuid())" }
        return String(cString: name)
    }

    /// The envelope's `who` of a `portal log read --format json` line.
    static func who(_ event: [String: Any]?) -> String? { (event?["actor"] as? [String: Any])?["who"] as? String }

    /// The JSON lines `portal log read STREAM --format json` prints.
    static func events(_ stream: String, _ data: URL) throws -> [[String: Any]] {
        let read = try PortalBinary.run(["log", "read", stream, "--data", data.path, "--format", "json"])
        #expect(read.status == 0, "\(read.standardError)")
        return read.standardOutput.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    /// The first password `portal init` or `portal staff add` printed (the line after the one that announces it).
    static func firstPassword(_ output: String) -> String? {
        let lines = output.split(separator: "\n")
        guard let index = lines.firstIndex(where: { $0.contains("first password, shown once") }), index + 1 < lines.count else { return nil }
        return lines[index + 1].trimmingCharacters(in: .whitespaces)
    }

    @Test("portal init records the settings and the first helpdesk user as the operator with a reason, prints the first password once (R-ACC-1 at the first login), and refuses a folder with a history writing nothing; staff add works beside a running server, which holds the folder: a second server or a writing command is refused naming it, read-only commands work, and a killed server's lock is released")
    func initStaffAndOneServerPerFolder() async throws {
        let folder = TemporaryFolder()
        let data = folder.url.appendingPathComponent("data")
        let operatorWho = "system:operator:\(Self.osUser)"

        let initialised = try PortalBinary.run([
            "init", "--data", data.path, "--policy", "lancashire", "--period-anchor", "2025-04-07",
            "--helpdesk-email", "Ann.Smith@council.example", "--helpdesk-name", "Ann Smith", "--bcrypt-cost", "4"])
        #expect(initialised.status == 0, "\(initialised.standardOutput)\(initialised.standardError)")
        let password = try #require(Self.firstPassword(initialised.standardOutput), "\(initialised.standardOutput)")
        #expect(initialised.standardOutput.components(separatedBy: password).count == 2, "the password is printed once")

        let settings = try Self.events("deployment-settings", data)
        #expect(settings.count == 1)
        #expect(Self.who(settings.first) == operatorWho, "\(settings)")
        #expect((settings.first?["actor"] as? [String: Any])?["actingAs"] as? String == "system:operator")
        #expect("\(settings.first?["payload"] ?? "")".contains("reason"), "\(settings)")
        let user = try Self.events("user-staff-ann.smith", data)
        #expect(user.map { $0["type"] as? String } == ["CouncilUserRegistered", "FirstPasswordIssued"], "\(user)")
        #expect(user.allSatisfy { Self.who($0) == operatorWho })
        #expect("\(user.first?["payload"] ?? "")".contains("go-live"), "the reason is recorded: \(user)")
        let who = try PortalBinary.run(["audit", "who", operatorWho, "--data", data.path, "--format", "json"])
        #expect(who.status == 0, "\(who.standardError)")
        #expect(who.standardOutput.contains("DeploymentConfigured") && who.standardOutput.contains("CouncilUserRegistered"), "\(who.standardOutput)")
        #expect(!who.standardOutput.contains(password) && !initialised.standardError.contains(password))

        // A folder with a history: refused, naming it, nothing written.
        let headBefore = try Self.events("user-staff-ann.smith", data).count
        let again = try PortalBinary.run([
            "init", "--data", data.path, "--policy", "lancashire", "--period-anchor", "2025-04-07",
            "--helpdesk-email", "bob@council.example", "--helpdesk-name", "Bob Jones", "--bcrypt-cost", "4"])
        #expect(again.status != 0)
        #expect(again.standardError.contains(data.path) && again.standardError.contains("already has a history"), "\(again.standardError)")
        #expect(try Self.events("user-staff-bob", data).isEmpty && (try Self.events("user-staff-ann.smith", data).count) == headBefore)

        // The first login must change the password (R-ACC-1).
        let server = try ServeProcess(data: data)
        let login = try await server.send("POST", "/auth/login", body: #"{"email":"ann.smith@council.example","password":"\#(password)"}"#)
        #expect(login.status == 200, "\(login.text)")
        #expect(login.json?["mustChangePassword"] as? Bool == true, "\(login.text)")

        // One server per folder: a second one, and any writing command, are refused at once naming the first.
        let second = try PortalBinary.run(["serve", "--data", data.path, "--port", "0"])
        #expect(second.status != 0)
        #expect(second.standardError.contains("pid \(server.pid)") && second.standardError.contains("portal serve"), "\(second.standardError)")
        let append = try PortalBinary.run(["log", "append", "--data", data.path, "--stream", "note-1", "--type", "Note", #"{"a":1}"#])
        #expect(append.status != 0)
        #expect(append.standardError.contains("pid \(server.pid)"), "\(append.standardError)")
        let catchUp = try PortalBinary.run(["projections", "catch-up", "--data", data.path])
        #expect(catchUp.status != 0 && catchUp.standardError.contains("pid \(server.pid)"), "\(catchUp.standardError)")
        #expect(try PortalBinary.run(["audit", "verify", "--data", data.path]).status == 0, "read-only commands still work")
        #expect(try PortalBinary.run(["projections", "status", "--data", data.path]).status == 0)

        // Council staff from the shell while the server runs; the server logs them in.
        let added = try PortalBinary.run([
            "staff", "add", "--data", data.path, "--email", "pat@council.example", "--name", "Pat Lee", "--team", "payments",
            "--reason", "recovery test: a payments officer", "--bcrypt-cost", "4"])
        #expect(added.status == 0, "\(added.standardOutput)\(added.standardError)")
        let patPassword = try #require(Self.firstPassword(added.standardOutput), "\(added.standardOutput)")
        let patLogin = try await server.send("POST", "/auth/login", body: #"{"email":"pat@council.example","password":"\#(patPassword)"}"#)
        #expect(patLogin.status == 200, "\(patLogin.text)")
        let pat = try Self.events("user-staff-pat", data)
        #expect(Self.who(pat.first) == operatorWho)
        #expect("\(pat.first?["payload"] ?? "")".contains("recovery test"))
        let noReason = try PortalBinary.run(["staff", "add", "--data", data.path, "--email", "x@council.example", "--name", "X Y",
                                             "--team", "billing", "--reason", " "])
        #expect(noReason.status != 0 && noReason.standardError.contains("reason"), "\(noReason.standardError)")
        let badTeam = try PortalBinary.run(["staff", "add", "--data", data.path, "--email", "x@council.example", "--name", "X Y",
                                            "--team", "wizards", "--reason", "test"])
        #expect(badTeam.status != 0 && badTeam.standardError.contains("--team"), "\(badTeam.standardError)")

        // The operating system releases a killed server's lock.
        _ = server.stop(SIGKILL)
        let restarted = try ServeProcess(data: data)
        #expect(restarted.stop().status == 0)
    }

    @Test("settings come from the file, the environment and flags (flags win), each with its source; an unknown key or a wrong type is refused naming it")
    func configuration() throws {
        let folder = TemporaryFolder()
        let file = folder.url.appendingPathComponent("portal.json")
        try Data(#"{"port": 9001, "bind": "127.0.0.2", "logFormat": "json", "trustProxy": true}"#.utf8).write(to: file)
        let check = try PortalBinary.run(["config", "check", "--config", file.path, "--bind", "127.0.0.3", "--format", "json"],
                                         environment: ["PORTAL_PORT": "9002", "PORTAL_LOG_LEVEL": "debug"])
        #expect(check.status == 0, "\(check.standardError)")
        var rows: [String: [String: String]] = [:]
        for line in check.standardOutput.split(separator: "\n") {
            let row = try #require((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: String])
            rows[row["key"]!] = row
        }
        #expect(rows["port"]?["value"] == "9002" && rows["port"]?["source"] == "environment PORTAL_PORT", "\(rows)")
        #expect(rows["bind"]?["value"] == "127.0.0.3" && rows["bind"]?["source"] == "flag --bind")
        #expect(rows["logFormat"]?["value"] == "json" && rows["logFormat"]?["source"] == "file \(file.standardizedFileURL.path)")
        #expect(rows["trustProxy"]?["value"] == "true")
        #expect(rows["logLevel"]?["value"] == "debug")
        #expect(rows["maximumBodySize"]?["source"] == "default")

        try Data(#"{"port": 9001, "colour": "blue"}"#.utf8).write(to: file)
        let unknown = try PortalBinary.run(["config", "check", "--config", file.path])
        #expect(unknown.status != 0 && unknown.standardError.contains("unknown key 'colour'"), "\(unknown.standardError)")
        try Data(#"{"port": "eighty"}"#.utf8).write(to: file)
        let wrongType = try PortalBinary.run(["config", "check", "--config", file.path])
        #expect(wrongType.status != 0 && wrongType.standardError.contains("port") && wrongType.standardError.contains("file"), "\(wrongType.standardError)")
        let wrongEnvironment = try PortalBinary.run(["config", "check"], environment: ["PORTAL_TRUST_PROXY": "maybe"])
        #expect(wrongEnvironment.status != 0 && wrongEnvironment.standardError.contains("PORTAL_TRUST_PROXY"), "\(wrongEnvironment.standardError)")
        let outOfRange = try PortalBinary.run(["config", "check", "--port", "70000"])
        #expect(outOfRange.status != 0 && outOfRange.standardError.contains("--port"), "\(outOfRange.standardError)")
        // serve refuses the same, before touching the data folder.
        let data = folder.url.appendingPathComponent("data")
        let serve = try PortalBinary.run(["serve", "--data", data.path, "--config", file.path])
        #expect(serve.status != 0 && serve.standardError.contains("port"), "\(serve.standardError)")
        #expect(!FileManager.default.fileExists(atPath: data.path))
    }

    @Test("SIGTERM while writes come in: the server stops accepting, finishes what it acknowledged, closes LMDB and exits 0; every acknowledged write is in the log; the JSON log has one line per request (route pattern, status, duration, request id) and no secret")
    func gracefulStopAndJSONLogs() async throws {
        let folder = TemporaryFolder()
        let data = folder.url.appendingPathComponent("data")
        let server = try ServeProcess(data: data, ["--demo", "--log-format", "json"])
        let helpdesk = try await server.logInDemo("helpdesk@council.example")
        let acknowledged = Acknowledged()
        let firstPasswords = Acknowledged()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for number in 0..<200 {
                        let id = "sig-\(writer)-\(number)"
                        let answer: ServeProcess.Answer
                        do {
                            answer = try await server.send("POST", "/council-users", token: helpdesk, body: """
                                {"userID":"\(id)","team":"billing","person":{"forename":"Sig","surname":"Term","email":"\(id)@council.example"}}
                                """)
                        } catch {
                            return // the server stopped listening
                        }
                        guard answer.status == 201 else { return }
                        acknowledged.add(id)
                        if let password = answer.json?["firstPassword"] as? String { firstPasswords.add(password) }
                    }
                }
            }
            group.addTask {
                while acknowledged.count < 12 { try await Task.sleep(for: .milliseconds(5)) }
                kill(server.pid, SIGTERM)
            }
            try await group.waitForAll()
        }
        let (status, log) = server.stop()
        #expect(status == 0, "\(log.suffix(2000))")
        let ids = acknowledged.values
        #expect(ids.count >= 12)
        let users = try PortalBinary.run(["log", "read-all", "--category", "user", "--data", data.path, "--format", "json"])
        #expect(users.status == 0, "\(users.standardError)")
        for id in ids { #expect(users.standardOutput.contains("\"user-\(id)\""), "acknowledged \(id) is in the log") }

        let lines = log.split(separator: "\n").map(String.init)
        let objects = lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        #expect(objects.count == lines.count, "every log line is one JSON object: \(lines.filter { !$0.hasPrefix("{") }.prefix(3))")
        let requests = objects.filter { $0["message"] as? String == "request" }
        let registration = try #require(requests.first { $0["route"] as? String == "/council-users" && $0["method"] as? String == "POST" }, "\(requests.prefix(3))")
        #expect(registration["status"] as? String == "201")
        #expect(Double(registration["duration_ms"] as? String ?? "") != nil)
        #expect((registration["hb.request.id"] as? String)?.isEmpty == false)
        #expect(requests.contains { $0["route"] as? String == "/auth/login" })
        for secret in ["Portal-demo-2026", "135246", helpdesk] + firstPasswords.values {
            #expect(!log.contains(secret), "no secret in the log")
        }
        let messages = objects.compactMap { $0["message"] as? String }
        for step in ["shutting down", "server stopped", "read models closed", "log and credential store closed", "data folder released"] {
            #expect(messages.contains { $0.hasPrefix(step) }, "the log says \(step)")
        }
    }
}

/// Strings collected by concurrent tasks.
final class Acknowledged: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []

    func add(_ item: String) { lock.withLock { items.append(item) } }
    var values: [String] { lock.withLock { items } }
    var count: Int { lock.withLock { items.count } }
}

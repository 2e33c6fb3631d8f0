import ChildProcess
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real `portal serve` on a loopback port over a given data folder, with its standard error kept (its log
/// lines), driven over HTTP; stopped with SIGTERM, SIGKILL, or when released.
final class ServeProcess: @unchecked Sendable {
    let process = ChildProcess()
    let base: URL
    let standardOutput: String
    private let errors: ReadAll
    private var stopped = false

    /// Starts `portal serve --data DATA --port 0 ARGUMENTS` and waits for its "listening on" line; throws with
    /// what it printed when it exits first.
    init(data: URL, _ arguments: [String] = [], environment: [String: String] = [:]) throws {
        process.executableURL = PortalBinary.url
        process.arguments = ["serve", "--data", data.path, "--port", "0", "--bcrypt-cost", "4"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        let errorPipe = Pipe()
        process.standardOutput = output
        process.standardError = errorPipe
        errors = ReadAll(errorPipe.fileHandleForReading)
        try process.run()
        var seen = ""
        while true {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if let line = seen.split(separator: "\n").first(where: { $0.contains("listening on http://") }),
               let range = line.range(of: "http://") {
                base = URL(string: String(line[range.lowerBound...]).trimmingCharacters(in: .whitespaces))!
                standardOutput = seen
                // Keep draining standard output so the server never blocks on a full pipe.
                Thread { while !output.fileHandleForReading.availableData.isEmpty {} }.start()
                return
            }
        }
        process.waitUntilExit()
        throw DidNotListen(output: seen, errors: String(decoding: errors.wait(), as: UTF8.self), status: process.terminationStatus)
    }

    struct DidNotListen: Error, CustomStringConvertible {
        var output: String
        var errors: String
        var status: Int32
        var description: String { "portal serve exited with status \(status) before listening: \(output)\(errors)" }
    }

    var pid: Int32 { process.processIdentifier }

    /// Sends `signal` and waits for the exit; returns the exit status and everything it wrote on standard error.
    func stop(_ signal: Int32 = SIGTERM) -> (status: Int32, log: String) {
        guard !stopped else { return (process.terminationStatus, "") }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        stopped = true
        return (process.terminationStatus, String(decoding: errors.wait(), as: UTF8.self))
    }

    deinit {
        if !stopped {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
        var array: [[String: Any]]? { (try? JSONSerialization.jsonObject(with: body)) as? [[String: Any]] }
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    func send(_ method: String, _ path: String, token: String? = nil, body: String? = nil, headers: [String: String] = [:]) async throws -> Answer {
        var request = URLRequest(url: URL(string: path, relativeTo: base)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields["\(name)"] = "\(value)" }
        return Answer(status: http.statusCode, headers: fields, body: data)
    }

    /// The demo's two login steps.
    func logInDemo(_ email: String) async throws -> String {
        let first = try await send("POST", "/auth/login", body: #"{"email":"\#(email)","password":"Portal-demo-2026"}"#)
        let challenge = try #require(first.json?["challengeToken"] as? String, "\(first.status) \(first.text)")
        let second = try await send("POST", "/auth/login/passcode", body: #"{"challengeToken":"\#(challenge)","passcode":"135246"}"#)
        return try #require(second.json?["token"] as? String, "\(second.status) \(second.text)")
    }

    /// Waits until `/health` says every read model is ready.
    func waitUntilReady() async throws {
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            if let health = try? await send("GET", "/health"), health.json?["ready"] as? Bool == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the read models were not ready within 180 s")
    }
}

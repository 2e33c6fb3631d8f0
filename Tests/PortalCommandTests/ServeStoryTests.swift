import ChildProcess
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real `portal serve --demo` on a loopback port (a ``ServeProcess`` in a folder of its own), driven over
/// HTTP as a provider and the council would.
final class RunningServer: @unchecked Sendable {
    let folder = TemporaryFolder()
    let server: ServeProcess
    var base: URL { server.base }

    /// The data folder the server serves.
    let data: URL

    /// Starts `portal serve --demo --port 0` (without `--demo` when `demo` is false; on `data` when given) and
    /// waits for its "listening on" line. The server listens before its read models have caught up with the demo's
    /// events (they do in the background): call ``waitUntilReady()`` before reading lists.
    init(arguments: [String] = [], demo: Bool = true, data: URL? = nil) throws {
        self.data = data ?? folder.url.appendingPathComponent("data")
        server = try ServeProcess(data: self.data, (demo ? ["--demo"] : []) + arguments)
    }

    /// Stops the server (SIGTERM) and waits for it to exit.
    func stop() {
        _ = server.stop()
    }

    typealias Answer = ServeProcess.Answer

    func send(_ method: String, _ path: String, token: String? = nil, body: String? = nil, headers: [String: String] = [:]) async throws -> Answer {
        try await server.send(method, path, token: token, body: body, headers: headers)
    }

    /// Waits until `/health` says every read model is ready (they catch up in the background after the start).
    func waitUntilReady() async throws { try await server.waitUntilReady() }

    /// Logs in by the two steps with the demo password (or `password`) and passcode.
    func logIn(_ email: String, password: String = "Portal-demo-2026") async throws -> String {
        let first = try await send("POST", "/auth/login", body: #"{"email":"\#(email)","password":"\#(password)"}"#)
        let challenge = try #require(first.json?["challengeToken"] as? String, "\(first.status) \(first.text)")
        let second = try await send("POST", "/auth/login/passcode", body: #"{"challengeToken":"\#(challenge)","passcode":"135246"}"#)
        return try #require(second.json?["token"] as? String, "\(second.status) \(second.text)")
    }
}

@Suite("portal serve: the real server on a loopback port")
struct ServeStoryTests {
    @Test("A provider agrees an ISO, edits actuals by CSV, invoices and submits; Payments holds, releases, approves and pays; the provider's remittance CSV adds up")
    func providerStory() async throws {
        let server = try RunningServer()
        #expect(try await server.send("GET", "/health").status == 200)
        try await server.waitUntilReady()
        let provider = try await server.logIn("super-user-actuals@oasis.example")

        // Agree the published ISO, with the ETag read first.
        let published = try #require(try await server.send("GET", "/contract-documents?status=published", token: provider).array)
        let iso = try #require(published.first?["isoID"] as? String)
        let cpli = try #require((published.first?["cplis"] as? [[String: Any]])?.first?["cpliID"] as? String)
        let document = try await server.send("GET", "/contract-documents/\(iso)", token: provider)
        let etag = try #require(document.header("ETag"))
        let agreed = try await server.send("POST", "/contract-documents/\(iso)/agree", token: provider, headers: ["If-Match": etag])
        #expect(agreed.status == 200, "\(agreed.text)")
        #expect(agreed.json?["status"] as? String == "agreed")

        // The open period's CSV now holds the agreed CPLI; change its first week and import the file back.
        let periods = try await server.send("GET", "/services/oasis-hs/periods", token: provider)
        let period = try #require(periods.json?["openPeriod"] as? Int)
        let exported = try await server.send("GET", "/services/oasis-hs/periods/\(period)/actuals/csv", token: provider)
        #expect(exported.status == 200)
        var lines = exported.text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        let actualColumn = try #require(header.firstIndex(of: "actual"))
        let commentColumn = try #require(header.firstIndex(of: "comment"))
        let row = try #require(lines.firstIndex { $0.contains(",\(cpli),") })
        var cells = lines[row].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let week = cells[header.firstIndex(of: "week")!]
        cells[actualColumn] = "1.5"
        cells[commentColumn] = "client in hospital two days"
        lines[row] = cells.joined(separator: ",")
        let imported = try await server.send("POST", "/organisations/oasis/periods/\(period)/actuals-imports", token: provider,
                                             body: lines.joined(separator: "\n"), headers: ["Content-Type": "text/csv"])
        #expect(imported.status == 201, "\(imported.text)")
        #expect((imported.json?["imported"] as? [String: Any])?["linesRecorded"] as? Int == 1)

        // The same file again is a duplicate and applies nothing (R-ACT-10): said so while it would change nothing,
        // refused once it would undo an edit made since.
        let again = try await server.send("POST", "/organisations/oasis/periods/\(period)/actuals-imports", token: provider,
                                          body: lines.joined(separator: "\n"), headers: ["Content-Type": "text/csv"])
        #expect(again.status == 200, "\(again.text)")
        #expect(again.json?["duplicateOf"] as? String == (imported.json?["imported"] as? [String: Any])?["importID"] as? String)
        #expect(again.json?["applied"] as? Bool == false)
        let visits = try await server.send("PATCH", "/services/oasis-hs/weeks/\(week)/actuals/\(cpli)", token: provider,
                                           body: #"{"visits":3}"#, headers: ["Content-Type": "application/json", "If-Match": "*"])
        #expect(visits.status == 200, "\(visits.text)")
        let undoing = try await server.send("POST", "/organisations/oasis/periods/\(period)/actuals-imports", token: provider,
                                            body: lines.joined(separator: "\n"), headers: ["Content-Type": "text/csv"])
        #expect(undoing.status == 409)
        #expect(undoing.json?["rule"] as? String == "R-ACT-10")

        // The council's payments team sees the new figure in the week view.
        let payments = try await server.logIn("payments@council.example")
        let view = try #require(try await server.send("GET", "/services/oasis-hs/weeks/\(week)/actuals", token: payments).json)
        let line = try #require((view["lines"] as? [[String: Any]])?.first { $0["cpliID"] as? String == cpli })
        #expect(line["actual"] as? String == "1.5000")
        #expect(line["comment"] as? String == "client in hospital two days")
        #expect(line["isRecorded"] as? Bool == true)

        // Another provider cannot see it.
        let other = try await server.logIn("super-user-actuals@riverside.example")
        #expect(try await server.send("GET", "/services/oasis-hs/weeks/\(week)/actuals", token: other).status == 404)
        let metrics = try await server.send("GET", "/metrics")
        #expect(metrics.text.contains("portal_append_duration_seconds_count{command=\"import-actuals\",outcome=\"committed\"}"))

        // The provider invoices the period: the wizard's lines, an invoice, submitted (the period locks).
        let proposal = try #require(try await server.send("GET", "/services/oasis-hs/periods/\(period)/invoice-proposal", token: provider).json)
        let proposedLines = try #require(proposal["lines"] as? [[String: Any]])
        #expect(proposedLines.contains { $0["cpliID"] as? String == cpli })
        // Dated today (UTC, never later than the deployment's London date); the period (the last before
        // today's, which the demo leaves open) has ended.
        let today = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        let created = try await server.send("POST", "/invoices", token: provider, body:
            #"{"invoiceID":"inv-story","serviceID":"oasis-hs","period":\#(period),"reference":"OASIS-STORY-\#(period)","invoiceDate":"\#(today)"}"#)
        #expect(created.status == 201, "\(created.text)")
        let invoiceTotal = try #require(created.json?["total"] as? String)
        let lineAmounts = try #require(created.json?["lines"] as? [[String: Any]]).compactMap { $0["amount"] as? String }
        #expect(Self.pence(invoiceTotal) == lineAmounts.map(Self.pence).reduce(0, +))
        let submitted = try await server.send("POST", "/invoices/inv-story/submit", token: provider, headers: ["If-Match": try #require(created.header("ETag"))])
        #expect(submitted.json?["status"] as? String == "submitted", "\(submitted.text)")
        let locked = try await server.send("GET", "/services/oasis-hs/periods", token: provider)
        let lock = (locked.json?["locks"] as? [[String: Any]])?.first { $0["period"] as? Int == period }
        #expect(lock?["invoiceID"] as? String == "inv-story")

        // The provider may not approve its own invoice; the Payments Team holds, releases, approves and pays.
        #expect(try await server.send("POST", "/invoices/inv-story/approve", token: provider, headers: ["If-Match": "*"]).status == 403)
        // The queue holds the demo's held and submitted invoices, then this one: oldest first.
        let queue = try #require(try await server.send("GET", "/payments/queue", token: payments).array)
        #expect(queue.last?["invoiceID"] as? String == "inv-story")
        #expect(queue.allSatisfy { ["submitted", "on-hold"].contains($0["status"] as? String ?? "") })
        var invoiceETag = try #require(try await server.send("GET", "/invoices/inv-story", token: payments).header("ETag"))
        let steps: [(String, String?, String)] = [("hold", #"{"reason":"checking the hospital days"}"#, "on-hold"), ("release", nil, "submitted"),
                                                  ("approve", nil, "approved")]
        for (step, body, status) in steps {
            let answer = try await server.send("POST", "/invoices/inv-story/\(step)", token: payments, body: body, headers: ["If-Match": invoiceETag])
            let reached = answer.json?["status"] as? String
            #expect(reached == status, "\(step): \(answer.text)")
            invoiceETag = try #require(answer.header("ETag"))
        }
        let run = try await server.send("POST", "/payment-runs", token: payments, body:
            #"{"paymentRunID":"run-story","paymentDate":"\#(today)","reference":"BACS-STORY"}"#, headers: ["Idempotency-Key": "run-story-1"])
        #expect(run.status == 201, "\(run.text)")
        let retried = try await server.send("POST", "/payment-runs", token: payments, body:
            #"{"paymentRunID":"run-story","paymentDate":"\#(today)","reference":"BACS-STORY"}"#, headers: ["Idempotency-Key": "run-story-1"])
        #expect(retried.status == 201)
        #expect(retried.body == run.body)
        #expect(try await server.send("GET", "/invoices/inv-story", token: provider).json?["status"] as? String == "paid")

        // The provider downloads the remittance CSV: its lines add up to the invoice total.
        let csv = try await server.send("GET", "/payment-runs/run-story/remittances/oasis/csv", token: provider)
        #expect(csv.status == 200)
        #expect(csv.header("Content-Type")?.hasPrefix("text/csv") == true)
        let rows = csv.text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let columns = try #require(rows.first)
        let amountColumn = try #require(columns.firstIndex { $0.lowercased().contains("amount") }, "\(columns)")
        let documentColumn = try #require(columns.firstIndex { $0.lowercased().contains("reference") || $0.lowercased().contains("document") }, "\(columns)")
        let invoiceRows = rows.dropFirst().filter { $0.count == columns.count && $0.contains("OASIS-STORY-\(period)") }
        #expect(invoiceRows.count == lineAmounts.count, "\(csv.text)")
        #expect(invoiceRows.map { Self.pence($0[amountColumn]) }.reduce(0, +) == Self.pence(invoiceTotal), "\(csv.text)")
        #expect(!invoiceRows.isEmpty && invoiceRows.allSatisfy { !$0[documentColumn].isEmpty })
        #expect(csv.text.contains(invoiceTotal), "the remittance states the total \(invoiceTotal)")
        #expect(try await server.send("GET", "/payment-runs/run-story/remittances/oasis/csv", token: other).status == 404)
    }

    @Test("--demo hashes the demo's printed secrets at a low bcrypt cost (seconds to seed); a password changed while serving gets --bcrypt-cost")
    func demoHashCost() async throws {
        let server = try RunningServer(arguments: ["--bcrypt-cost", "6"])
        let token = try await server.logIn("read-only@oasis.example")
        let changed = try await server.send("POST", "/auth/password", token: token,
                                            body: #"{"currentPassword":"Portal-demo-2026","newPassword":"Changed-pass-2031"}"#)
        #expect(changed.status == 200, "\(changed.text)")
        let credentials = try Data(contentsOf: server.folder.url.appendingPathComponent("data/credentials/data.mdb"))
        #expect(credentials.range(of: Data("$04$".utf8)) != nil, "the demo's accounts are hashed at cost 4")
        #expect(credentials.range(of: Data("$06$".utf8)) != nil, "the password changed while serving is hashed at --bcrypt-cost")
    }

    /// Pence of an amount written `12.34` or `-3.50`.
    static func pence(_ text: String) -> Int {
        let negative = text.hasPrefix("-")
        let parts = text.trimmingCharacters(in: CharacterSet(charactersIn: "-\" ")).split(separator: ".")
        let value = (Int(parts.first ?? "0") ?? 0) * 100 + (parts.count > 1 ? Int(parts[1].prefix(2).padding(toLength: 2, withPad: "0", startingAt: 0)) ?? 0 : 0)
        return negative ? -value : value
    }
}

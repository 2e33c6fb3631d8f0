import Chronology
import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PortalApplication
import PortalDomain
import PortalHTTP
import Testing

@Suite("Views served from the read models")
struct ReadModelViewTests {
    @Test("R-ACT-1: the week and period views from the actuals calendar read model equal the views folded from the log, after edits")
    func calendarEqualsLog() async throws {
        let test = try await HTTPTestPortal.demo()
        let (week, period) = RouteTour.openWeek(test)
        let paths = ["/services/oasis-hs/weeks/\(week)/actuals", "/services/oasis-hs/periods/\(period)/actuals"]
        let fromModels = try await test.run { client in
            let token = try await client.token("super-user-actuals@oasis")
            for (cpli, actual) in [("cpli-oasis-1", "3.75"), ("cpli-oasis-1", "4.25")] {
                let edit = try await client.send(.patch, "/services/oasis-hs/weeks/\(week)/actuals/\(cpli)", token: token,
                                                 json: #"{"actual":"\#(actual)","comment":"shorter visits"}"#, headers: ["If-Match": "*"])
                try #require(edit.status == 200, "\(edit.text)")
            }
            _ = try await client.send(.post, "/services/oasis-hs/weeks/\(week)/confirmation", token: token, headers: ["If-Match": "*"])
            var answers: [APIClient.Answer] = []
            for path in paths { answers.append(try await client.send(.get, path, token: token)) }
            return answers
        }
        // The same portal without read models answers from the log.
        let logOnly = PortalAPI(portal: test.portal, sessions: test.sessions)
        let app = PortalServer.application(logOnly, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let fromLog = try await app.test(.router) { client in
            let direct = APIClient(client: client, portal: test)
            let token = try await direct.token("super-user-actuals@oasis")
            var answers: [APIClient.Answer] = []
            for path in paths { answers.append(try await direct.send(.get, path, token: token)) }
            return answers
        }
        for (models, log) in zip(fromModels, fromLog) {
            #expect(models.status == 200)
            #expect(models.etag == log.etag)
            let modelLines = try #require(models.json?["lines"] as? [[String: Any]])
            let logLines = try #require(log.json?["lines"] as? [[String: Any]])
            func key(_ line: [String: Any]) -> String { "\(line["cpliID"] ?? "")|\(line["week"] ?? "")" }
            #expect(modelLines.count == logLines.count)
            let byKey = Dictionary(uniqueKeysWithValues: logLines.map { (key($0), $0) })
            for line in modelLines {
                let other = try #require(byKey[key(line)])
                let left = try JSONSerialization.data(withJSONObject: line, options: .sortedKeys)
                let right = try JSONSerialization.data(withJSONObject: other, options: .sortedKeys)
                #expect(left == right, "\(key(line)): \(String(decoding: left, as: UTF8.self)) vs \(String(decoding: right, as: UTF8.self))")
            }
            #expect(models.json?["confirmedWeeks"] as? [String] == log.json?["confirmedWeeks"] as? [String])
        }
        let edited = try #require((fromModels[0].json?["lines"] as? [[String: Any]])?.first { $0["cpliID"] as? String == "cpli-oasis-1" })
        #expect(edited["actual"] as? String == "4.2500")
        #expect(fromModels[0].json?["confirmedWeeks"] as? [String] == [week])
    }

    /// Sorted-key JSON of a value, for comparing answers.
    static func canonical(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }

    /// A list route, the record route of each element, and the log's stream category of the records.
    struct ListCase: Sendable {
        var list: String
        var record: @Sendable (_ element: [String: Any]) -> String?
        var category: String
    }

    static let lists: [ListCase] = [
        ListCase(list: "/organisations", record: { ($0["organisationID"] as? String).map { "/organisations/\($0)" } }, category: "organisation"),
        ListCase(list: "/contracts", record: { (($0["contract"] as? [String: Any])?["contractID"] as? String).map { "/contracts/\($0)" } }, category: "contract"),
        ListCase(list: "/contract-documents", record: { ($0["isoID"] as? String).map { "/contract-documents/\($0)" } }, category: "iso"),
        ListCase(list: "/cplis", record: { ($0["cpliID"] as? String).map { "/cplis/\($0)" } }, category: "cpli"),
        ListCase(list: "/invoices", record: { ($0["invoiceID"] as? String).map { "/invoices/\($0)" } }, category: "invoice"),
        ListCase(list: "/claims", record: { (($0["claim"] as? [String: Any])?["claimID"] as? String).map { "/claims/\($0)" } }, category: "claim"),
        ListCase(list: "/credit-notes", record: { (($0["creditNote"] as? [String: Any])?["creditNoteID"] as? String).map { "/credit-notes/\($0)" } },
                 category: "creditnote"),
        ListCase(list: "/conversations", record: { (($0["conversation"] as? [String: Any])?["conversationID"] as? String).map { "/conversations/\($0)" } },
                 category: "conversation"),
    ]

    @Test("Every list served from the read models equals the log: each element is exactly its record's own answer (folded from its stream, with its ETag version), and the list holds every record of its kind the actor may see, no more")
    func listsEqualLog() async throws {
        let test = try await HTTPTestPortal.demo(clients: 8, invoices: true)
        let today = test.portal.context(for: .system(job: "test")).today
        let history = DemoCouncil.history(today: today, calendar: test.portal.configuration.calendar)
        try await test.run { client in
            // A credit note too: oasis's paid first period corrected downwards.
            let superUser = try await client.token("super-user-actuals@oasis")
            let correction = try await client.send(.post, "/services/oasis-hs/periods/\(history[0].number)/paid-corrections", token: superUser, json:
                #"{"cpliID":"cpli-oasis-1","week":"\#(history[0].firstDay.iso8601)","actual":"1","comment":"visits not made","documentID":"cn-list","reference":"OAS-CN-LIST"}"#,
                headers: ["If-Match": "*"])
            try #require(correction.json?["outcome"] as? String == "credit-note", "\(correction.text)")

            for actingAs in ["auditor", "super-user-actuals@oasis", "read-only@riverside"] {
                let token = try await client.token(actingAs)
                for listCase in Self.lists {
                    let list = try await client.send(.get, listCase.list, token: token)
                    let elements = try #require(list.array, "\(listCase.list) as \(actingAs): \(list.status) \(list.text.prefix(200))")
                    var listed: Set<String> = []
                    for element in elements {
                        let path = try #require(listCase.record(element), "\(listCase.list): \(element)")
                        listed.insert(path)
                        let record = try await client.send(.get, path, token: token)
                        #expect(record.status == 200, "\(path) as \(actingAs)")
                        #expect(try Self.canonical(element) == Self.canonical(try #require(record.json)), "\(listCase.list) vs \(path) as \(actingAs)")
                        if let version = element["version"] as? Int {
                            #expect(record.etag == "\"\(version)\"", "\(path): the list's version is the record's ETag")
                        }
                    }
                    #expect(listed.count == elements.count, "\(listCase.list) lists a record twice")
                    // Every record of the kind in the log that the actor may read is listed.
                    var visible: Set<String> = []
                    for streamID in try test.portal.log.streamIDs(category: listCase.category, limit: 10_000) {
                        let id = String(streamID.dropFirst(listCase.category.count + 1))
                        let prefix = listCase.record(["organisationID": id, "contract": ["contractID": id], "isoID": id, "cpliID": id, "invoiceID": id,
                                                      "claim": ["claimID": id], "creditNote": ["creditNoteID": id], "conversation": ["conversationID": id]])!
                        if try await client.send(.get, prefix, token: token).status == 200 { visible.insert(prefix) }
                    }
                    #expect(listed == visible, "\(listCase.list) as \(actingAs): listed \(listed.subtracting(visible).sorted()), missing \(visible.subtracting(listed).sorted())")
                    if actingAs == "auditor" { #expect(!listed.isEmpty, "\(listCase.list) has nothing to compare") }
                }
            }
            // Per-organisation lists: services and contacts, and the council's accounts.
            let auditor = try await client.token("auditor")
            var users: Set<String> = []
            var services: Set<String> = []
            for organisation in ["oasis", "riverside"] {
                for element in try #require(try await client.send(.get, "/organisations/\(organisation)/services", token: auditor).array) {
                    let path = "/services/\(element["serviceID"] as? String ?? "")"
                    services.insert(path)
                    #expect(try Self.canonical(element) == Self.canonical(try #require(try await client.send(.get, path, token: auditor).json)), "\(path)")
                }
                for element in try #require(try await client.send(.get, "/organisations/\(organisation)/contacts", token: auditor).array) {
                    let path = "/users/\(element["userID"] as? String ?? "")"
                    users.insert(path)
                    #expect(try Self.canonical(element) == Self.canonical(try #require(try await client.send(.get, path, token: auditor).json)), "\(path)")
                }
            }
            for element in try #require(try await client.send(.get, "/council-users", token: auditor).array) {
                let path = "/users/\(element["userID"] as? String ?? "")"
                users.insert(path)
                #expect(try Self.canonical(element) == Self.canonical(try #require(try await client.send(.get, path, token: auditor).json)), "\(path)")
            }
            #expect(services == Set(try test.portal.log.streamIDs(category: "service").map { "/services/\($0.dropFirst(8))" }))
            #expect(users == Set(try test.portal.log.streamIDs(category: "user").map { "/users/\($0.dropFirst(5))" }))
            // The Payments queue holds exactly the submitted and held invoices, each as its record.
            let queue = try #require(try await client.send(.get, "/payments/queue", token: auditor).array)
            let waiting = try #require(try await client.send(.get, "/invoices?status=submitted,on-hold", token: auditor).array)
            #expect(Set(try queue.map(Self.canonical)) == Set(try waiting.map(Self.canonical)))
            #expect(queue.count == 2)
        }
    }

    @Test("R-INV-3: the Payments queue is oldest submission first; a hold or a release does not move an invoice in it")
    func queueOrderHoldsThroughHoldAndRelease() async throws {
        let test = try await HTTPTestPortal.demo(clients: 8, invoices: true)
        let today = test.portal.context(for: .system(job: "test")).today
        let history = DemoCouncil.history(today: today, calendar: test.portal.configuration.calendar)
        let first = DemoCouncil.invoiceID("oasis", history[1].number).rawValue
        let second = DemoCouncil.invoiceID("riverside", history[1].number).rawValue
        try await test.run { client in
            let payments = try await client.token("team:payments")
            func order() async throws -> [String] {
                try #require(try await client.send(.get, "/payments/queue", token: payments).array).compactMap { $0["invoiceID"] as? String }
            }
            #expect(try await order() == [first, second])
            // Each step makes the invoice the latest changed; the queue keeps the order of submission.
            for (invoice, step) in [(first, "release"), (second, "hold"), (first, "hold"), (second, "release")] {
                let body = step == "hold" ? #"{"reason":"a second look"}"# : nil
                let answer = try await client.send(.post, "/invoices/\(invoice)/\(step)", token: payments, json: body, headers: ["If-Match": "*"])
                try #require(answer.status == 200, "\(step) \(invoice): \(answer.text)")
                #expect(try await order() == [first, second], "after \(step) of \(invoice)")
            }
            // A returned invoice leaves the queue; resubmitted, it joins at the end.
            let provider = try await client.token("super-user-actuals@oasis")
            #expect(try await client.send(.post, "/invoices/\(first)/return", token: payments, json: #"{"reason":"wrong rate"}"#,
                                          headers: ["If-Match": "*"]).status == 200)
            #expect(try await order() == [second])
            #expect(try await client.send(.post, "/invoices/\(first)/correct", token: provider, headers: ["If-Match": "*"]).status == 200)
            let resubmitted = try await client.send(.post, "/invoices/\(first)/submit", token: provider, headers: ["If-Match": "*"])
            #expect(resubmitted.status == 200, "\(resubmitted.text)")
            #expect(try await order() == [second, first])
        }
    }

    @Test("Lists need the read models: a server without them answers 503, never folding every stream")
    func listsNeedReadModels() async throws {
        let test = try await HTTPTestPortal.demo(withReadModels: false)
        try await test.run { client in
            let token = try await client.token("auditor")
            let answer = try await client.send(.get, "/invoices", token: token)
            #expect(answer.status == 503)
            #expect(answer.headers[.contentType] == "application/problem+json")
            #expect(try await client.send(.get, "/invoices/nothing", token: token).status == 404, "single records still fold their stream")
        }
    }
}

import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections
import Testing

@Suite("Read models that cannot serve yet, or at all: 503 naming them, while logins, single records and writes work")
struct ReadModelAvailabilityTests {
    /// Serves `test`'s portal with `readModels` in place of its own, through the real router.
    static func serve<T: Sendable>(_ test: HTTPTestPortal, _ readModels: PortalReadModels,
                                   _ body: @Sendable (APIClient) async throws -> T) async throws -> T {
        let api = PortalAPI(portal: test.portal, sessions: test.sessions, readModels: readModels)
        let app = PortalServer.application(api, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        return try await app.test(.router) { client in try await body(APIClient(client: client, portal: test)) }
    }

    static func readModel(_ answer: APIClient.Answer) -> [String: any Sendable]? {
        answer.json?["readModel"] as? [String: any Sendable]
    }

    /// Polls `/health` until `done` holds for it, for at most three minutes (a loaded machine).
    static func waitForHealth(_ client: APIClient, _ done: ([String: any Sendable]) -> Bool) async throws -> [String: any Sendable] {
        let deadline = ContinuousClock.now + .seconds(180)
        while ContinuousClock.now < deadline {
            if let health = try await client.send(.get, "/health").json, done(health) { return health }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("/health did not get there in time")
        return try #require(try await client.send(.get, "/health").json)
    }

    static func phases(_ health: [String: any Sendable]) -> [String: String] {
        let models = health["readModels"] as? [[String: any Sendable]] ?? []
        return Dictionary(uniqueKeysWithValues: models.compactMap { model in
            (model["name"] as? String).map { ($0, model["phase"] as? String ?? "?") }
        })
    }

    @Test("start without downtime: read models of a new version are rebuilt in the background; until then their lists answer 503 with Retry-After naming the read model and its progress, while logins, single records and writes work")
    func rebuildInTheBackground() async throws {
        let test = try await HTTPTestPortal.demo()
        // New read models over the same log, as after an upgrade that changed every projection: nothing built yet.
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("portal-rebuild-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let fresh = PortalReadModels(log: test.portal.log, dataFolder: elsewhere)
        try fresh.open()
        defer { fresh.close() }

        try await Self.serve(test, fresh) { client in
            let helpdesk = try await client.token("team:helpdesk")
            let health = try #require(try await client.send(.get, "/health").json)
            #expect(health["status"] as? String == "starting")
            #expect(health["ready"] as? Bool == false)
            #expect(Set(Self.phases(health).values) == ["rebuilding"], "\(health)")

            let list = try await client.send(.get, "/council-users", token: helpdesk)
            #expect(list.status == 503)
            #expect(list.headers[HTTPField.Name("Retry-After")!].flatMap(Int.init) != nil, "a 503 says when to retry")
            let problem = try #require(Self.readModel(list), "\(list.text)")
            #expect(problem["name"] as? String == "contacts")
            #expect(problem["phase"] as? String == "rebuilding")
            #expect((problem["logHead"] as? Int).map { $0 > 0 } == true)
            #expect(list.text.contains("contacts"))

            // A write and a single record, from the log.
            let registered = try await client.send(.post, "/council-users", token: helpdesk, json: """
                {"userID":"staff-during-rebuild","team":"billing","person":{"forename":"Rita","surname":"Rebuild","email":"rita@council.example"}}
                """)
            #expect(registered.status == 201, "\(registered.text)")
            let single = try await client.send(.get, "/users/staff-during-rebuild", token: helpdesk)
            #expect(single.status == 200, "\(single.text)")

            // The background catch-up, then the lists, with the write made meanwhile.
            let following = Task { try await fresh.engine.follow() }
            defer { following.cancel() }
            let ready = try await Self.waitForHealth(client) { $0["ready"] as? Bool == true }
            #expect(Set(Self.phases(ready).values) == ["ready"])
            let after = try await client.send(.get, "/council-users", token: helpdesk)
            #expect(after.status == 200, "\(after.text)")
            #expect(after.text.contains("staff-during-rebuild"))
        }
    }

    @Test("defence in depth: an event stored straight into the log (no application, no domain) that one read model cannot apply stops that one alone; /health names it with the position and type; its lists answer 503 naming them; the others carry on")
    func readModelThatCannotApplyStopsAlone() async throws {
        let test = try await HTTPTestPortal.demo()
        // Well-formed, so it passes any check of its shape, but it approves an invoice that was never created.
        let stored = try await test.portal.log.append(to: "invoice-inv-ghost", events: [ProposedEvent(
            id: UUID(), type: InvoiceApproved.eventType, schemaVersion: 1,
            payload: Data(#"{"invoiceID":"inv-ghost","date":"2026-05-01"}"#.utf8),
            actor: EventActor(who: "intruder", actingAs: "team:payments"))])
        let position = try #require(stored.positions.first)
        let stopping = Set(PortalReadModels.all.filter { $0.eventTypes.contains(InvoiceApproved.eventType) }.map { $0.name })
        #expect(stopping.contains("invoices"))

        try await test.run { client in
            let health = try await Self.waitForHealth(client) { health in
                Self.phases(health)["invoices"] == "stopped"
            }
            #expect(health["status"] as? String == "degraded")
            let models = try #require(health["readModels"] as? [[String: any Sendable]])
            let invoices = try #require(models.first { $0["name"] as? String == "invoices" })
            #expect(invoices["stoppedAt"] as? Int == Int(position))
            #expect(invoices["eventType"] as? String == "InvoiceApproved")
            for (name, phase) in Self.phases(health) where !stopping.contains(name) {
                #expect(phase == "ready", "\(name) carries on")
            }

            let payments = try await client.token("team:payments")
            let list = try await client.send(.get, "/invoices", token: payments)
            #expect(list.status == 503, "\(list.text)")
            #expect(list.headers[HTTPField.Name("Retry-After")!] != nil)
            let problem = try #require(Self.readModel(list), "\(list.text)")
            #expect(problem["name"] as? String == "invoices")
            #expect(problem["phase"] as? String == "stopped")
            #expect(problem["stoppedAt"] as? Int == Int(position))
            #expect(problem["eventType"] as? String == "InvoiceApproved")

            // The others carry on: a write after the bad event reaches the contacts read model.
            let helpdesk = try await client.token("team:helpdesk")
            let registered = try await client.send(.post, "/council-users", token: helpdesk, json: """
                {"userID":"staff-after-stop","team":"billing","person":{"forename":"Sam","surname":"Later","email":"sam@council.example"}}
                """)
            #expect(registered.status == 201, "\(registered.text)")
            let staff = try await client.send(.get, "/council-users", token: helpdesk)
            #expect(staff.status == 200, "\(staff.text)")
            #expect(staff.text.contains("staff-after-stop"))
        }
    }
}

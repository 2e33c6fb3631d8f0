import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections
import Synchronization
import Testing

@Suite("/health and /metrics")
struct OperationsTests {
    @Test("/metrics counts requests by route and status and times appends; /health reports each read model's lag")
    func metricsAndHealth() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let token = try await client.token("super-user-actuals@oasis")
            _ = try await client.send(.get, "/organisations/oasis", token: token)
            _ = try await client.send(.get, "/organisations/nowhere", token: token)
            let (week, _) = RouteTour.openWeek(test)
            let edit = try await client.send(.patch, "/services/oasis-hs/weeks/\(week)/actuals/cpli-oasis-1", token: token,
                                             json: #"{"actual":"4.75","comment":"a short visit"}"#, headers: ["If-Match": "*"])
            #expect(edit.status == 200)
            let metrics = try await client.send(.get, "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.text.contains(#"hb_requests{http_route="/organisations/{organisationID}",http_request_method="GET",http_response_status_code="200"}"#))
            #expect(metrics.text.contains(#"hb_requests{http_route="/organisations/{organisationID}",http_request_method="GET",http_response_status_code="404"}"#))
            #expect(metrics.text.contains(#"portal_append_duration_seconds_count{command="record-actual",outcome="committed"}"#))
            #expect(metrics.text.contains(#"portal_commands_total{command="record-actual",outcome="committed"}"#))

            let readModels = try #require(test.api.readModels)
            _ = await readModels.engine.waitUntilApplied(try test.head())
            let health = try await client.send(.get, "/health")
            #expect(health.status == 200)
            let models = try #require(health.json?["readModels"] as? [[String: Any]])
            #expect(Set(models.compactMap { $0["name"] as? String }) == Set(PortalReadModels.all.map { $0.name }))
            #expect(models.allSatisfy { $0["lag"] as? Int == 0 })
            #expect(health.json?["logHead"] as? Int == Int(try test.head()))
            #expect(metrics.text.contains("portal_projection_lag_events"))
        }
    }

    /// The value of a Prometheus sample line `name{labels} value`, 0 when absent.
    static func sample(_ exposition: String, _ series: String) -> Double {
        for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1)) ?? 0
        }
        return 0
    }

    @Test("portal_append_duration_seconds times only appends, by outcome: a refused command and a command that changes nothing add no sample, and are counted by outcome in portal_commands_total")
    func appendLatencyTimesOnlyAppends() async throws {
        // Metrics of this server only: other tests running beside it record commands too.
        let test = try await HTTPTestPortal.demo(metrics: .isolated())
        try await test.run { client in
            let token = try await client.token("super-user-actuals@oasis")
            let (week, _) = RouteTour.openWeek(test)
            let path = "/services/oasis-hs/weeks/\(week)/actuals/cpli-oasis-1"
            let appended = #"portal_append_duration_seconds_count{command="record-actual",outcome="committed"}"#
            func counts() async throws -> (appends: Double, committed: Double, unchanged: Double, refused: Double) {
                let text = try await client.send(.get, "/metrics").text
                return (Self.sample(text, appended), Self.sample(text, #"portal_commands_total{command="record-actual",outcome="committed"}"#),
                        Self.sample(text, #"portal_commands_total{command="record-actual",outcome="unchanged"}"#),
                        Self.sample(text, #"portal_commands_total{command="record-actual",outcome="refused"}"#))
            }
            let edit = #"{"actual":"2.75","comment":"shorter visits"}"#
            let start = try await counts()
            #expect(try await client.send(.patch, path, token: token, json: edit, headers: ["If-Match": "*"]).status == 200)
            let afterEdit = try await counts()
            #expect(afterEdit.appends == start.appends + 1)
            #expect(afterEdit.committed == start.committed + 1)
            // The same values again: allowed, nothing appended, so nothing timed.
            let same = try await client.send(.patch, path, token: token, json: edit, headers: ["If-Match": "*"])
            #expect(same.json?["changed"] as? Bool == false)
            let afterSame = try await counts()
            #expect(afterSame.appends == afterEdit.appends)
            #expect(afterSame.unchanged == afterEdit.unchanged + 1)
            // Refused by a rule: counted as refused, not timed.
            #expect(try await client.send(.patch, path, token: token, json: #"{"actual":"0","comment":""}"#, headers: ["If-Match": "*"]).status == 422)
            let afterRefusal = try await counts()
            #expect(afterRefusal.appends == afterEdit.appends)
            #expect(afterRefusal.refused == afterSame.refused + 1)
        }
    }

    @Test("Every response carries X-Request-ID, the id on the request's log lines; a 500 names only it")
    func requestID() async throws {
        let test = try await HTTPTestPortal.demo()
        let captured = CapturedLog()
        // The real router with one extra route that fails as an unexpected error would.
        struct Boom: Error, CustomStringConvertible { var description: String { "the disk caught fire at sector 7" } }
        let router = PortalServer.router(test.api)
        router.get("/test/boom") { _, _ -> Response in throw Boom() }
        let app = Application(router: router, logger: captured.logger())
        let failedID = try await app.test(.router) { client -> String in
            let ok = try await client.execute(uri: "/health", method: .get)
            let first = try #require(ok.headers[HTTPField.Name("X-Request-ID")!])
            let missing = try await client.execute(uri: "/organisations/oasis", method: .get)
            #expect(missing.status == .unauthorized)
            let second = try #require(missing.headers[HTTPField.Name("X-Request-ID")!])
            #expect(first != second)
            let boom = try await client.execute(uri: "/test/boom", method: .get)
            #expect(boom.status == .internalServerError)
            #expect(boom.headers[.contentType] == "application/problem+json")
            let id = try #require(boom.headers[HTTPField.Name("X-Request-ID")!])
            let body = String(buffer: boom.body)
            #expect(body.contains(id), "\(body)")
            #expect(!body.contains("fire"), "the 500 tells nothing of the error itself")
            return id
        }
        let failure = try #require(captured.lines.withLock { $0 }.first { $0.contains("request failed") })
        #expect(failure.contains("fire"), "the error itself goes to the log")
        #expect(failure.contains(failedID), "the log line carries the request id the caller got")
    }

    @Test("the request id a caller gets in X-Request-ID is the correlation id of every event its request wrote: a write's and a login's")
    func requestIDIsTheCorrelationID() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let helpdesk = try await client.token("team:helpdesk")
            let before = try test.portal.log.head().position
            let created = try await client.send(
                .post, "/organisations/oasis/contacts", token: helpdesk,
                json: #"{"userID":"oasis-traced","requestID":"cr-traced","person":{"forename":"Tra","surname":"Ced","email":"traced@oasis.example"},"role":"read-only"}"#)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.headers[HTTPField.Name("X-Request-ID")!].flatMap(UUID.init(uuidString:)), "a UUID")
            let written = try test.portal.log.readAll(from: before + 1, limit: 100)
            #expect(!written.isEmpty)
            #expect(written.allSatisfy { $0.correlationID == id }, "\(written.map(\.correlationID))")
            let login = test.login("read-only@oasis")
            let wrong = try await client.send(.post, "/auth/login", json: #"{"email":"\#(login.email)","password":"Not-the-password-1"}"#)
            let loginID = try #require(wrong.headers[HTTPField.Name("X-Request-ID")!].flatMap(UUID.init(uuidString:)))
            let failed = try #require(try test.portal.log.readAll(from: before + 1, limit: 100).last)
            #expect(failed.type == "LoginFailed")
            #expect(failed.correlationID == loginID)
        }
    }
}

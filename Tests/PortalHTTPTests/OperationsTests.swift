import Foundation
import HTTPTypes
import Hummingbird
import PortalHTTP
import PortalProjections
import Testing

@Suite("/health and /metrics")
struct OperationsTests {
    @Test("/metrics counts requests by route and status and times appends; /health reports each read model's lag")
    func metricsAndHealth() async throws {
        let test = try await HTTPTestPortal.demo(withReadModels: true)
        try await test.run { client in
            let token = try await client.token("super-user-actuals@oasis")
            _ = try await client.send(.get, "/organisations/oasis", token: token)
            _ = try await client.send(.get, "/organisations/nowhere", token: token)
            let (week, _) = RouteTour.openWeek(test)
            let edit = try await client.send(.put, "/services/oasis-hs/weeks/\(week)/actuals/cpli-oasis-1", token: token,
                                             json: #"{"actual":"4.75","comment":"a short visit"}"#, headers: ["If-Match": "*"])
            #expect(edit.status == 200)
            let metrics = try await client.send(.get, "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.text.contains(#"hb_requests{http_route="/organisations/{organisationID}",http_request_method="GET",http_response_status_code="200"}"#))
            #expect(metrics.text.contains(#"hb_requests{http_route="/organisations/{organisationID}",http_request_method="GET",http_response_status_code="404"}"#))
            #expect(metrics.text.contains(#"portal_append_duration_seconds_count{command="record-actual"}"#))

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
}

import HTTPTypes
import Hummingbird
import Foundation
import Testing

@Suite("R-ROLE over HTTP")
struct RoleMatrixTests {
    @Test("R-ROLE: every provider role, council team and the auditor against every route, GETs included: the exact status R-ROLE and the tour's state give each (the route's success or a named domain answer when allowed, 403 when refused, nothing written)")
    func roleByRoute() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let facts = try await RouteTour.prepare(test, client)
            let routes = RouteTour.cases(test, facts)
            for actingAs in Actors.all { _ = try await client.token(actingAs) } // logging in writes a security fact
            var mismatches: [String] = []
            for route in routes {
                for (index, actingAs) in Actors.all.enumerated() {
                    let expected = route.expectedStatus(actingAs)
                    let before = try test.head()
                    let answer = try await RouteTour.send(route, as: actingAs, index: index, client)
                    let label = "\(route.method) \(route.path) as \(actingAs): \(answer.status) (expected \(expected)) \(answer.text.prefix(160))"
                    if answer.status != expected { mismatches.append(label) }
                    if expected == 403 {
                        #expect(answer.json?["type"] as? String == "urn:portal:problem:forbidden", "\(label)")
                        #expect(answer.rule?.hasPrefix("R-ROLE") == true, "\(label)")
                    }
                    if expected >= 400 || route.method == .get {
                        #expect(try test.head() == before, "a refused request or a read wrote to the log — \(label)")
                    }
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.count) outcomes differ from R-ROLE:\n\(mismatches.joined(separator: "\n"))")
            // Every route of the router is in the tour.
            let toured = Set(routes.map { "\($0.method.rawValue) \($0.route)" })
            let registered = Set(PortalServerRoutes.all(test).filter { !$0.hasPrefix("POST /auth/") })
            #expect(registered.subtracting(toured).isEmpty, "routes missing from the matrix: \(registered.subtracting(toured).sorted())")
        }
    }

    @Test("R-ROLE-3: a council team edits only its own work — Payments may not publish an ISO; Brokerage may not register a contract")
    func teamsStayInTheirLane() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let payments = try await client.token("team:payments")
            let publish = RouteTour.cases(test).first { $0.route == "/contract-documents" && $0.method == .post }!
            let refused = try await client.send(.post, "/contract-documents", token: payments, json: publish.body(99))
            #expect(refused.status == 403)
            #expect(refused.rule == "R-ROLE-3")
            let brokerage = try await client.token("team:service-brokerage")
            let contract = RouteTour.cases(test).first { $0.route == "/contracts" && $0.method == .post }!
            let refusedContract = try await client.send(.post, "/contracts", token: brokerage, json: contract.body(98))
            #expect(refusedContract.status == 403)
        }
    }
}

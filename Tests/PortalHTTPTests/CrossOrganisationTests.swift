import HTTPTypes
import Hummingbird
import Foundation
import Testing

@Suite("R-ROLE-2 over HTTP: a provider never sees another organisation's data")
struct CrossOrganisationTests {
    @Test("R-ROLE-2: riverside's super user asking for any of oasis's resources gets 404 and writes nothing")
    func otherOrganisationIsNotFound() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let facts = try await RouteTour.prepare(test, client)
            // Every route whose path names an oasis record (organisation, service, contract, user, ISO, CPLI,
            // actuals, periods, imports, change requests).
            let routes = RouteTour.cases(test, facts).filter { route in
                (["oasis", "-tour", "-other"].contains { route.path.contains($0) } && !route.path.hasPrefix("/cplis?"))
                    || ["/invoices", "/claims", "/contract-invoices", "/conversations"].contains(route.path) && route.method == .post
            }
            #expect(routes.count >= 50)
            _ = try await client.token("super-user-actuals@riverside") // logging in writes a security fact
            for route in routes {
                let before = try test.head()
                let answer = try await RouteTour.send(route, as: "super-user-actuals@riverside", index: 50, client)
                #expect(answer.status == 404, "\(route.method) \(route.path): \(answer.status) \(answer.text.prefix(200))")
                #expect(answer.json?["type"] as? String == "urn:portal:problem:not-found")
                #expect(!answer.text.contains("Oasis Care"), "a 404 must not describe the other organisation's record")
                #expect(try test.head() == before)
            }
        }
    }

    @Test("R-ROLE-2: oasis's users get 404 for riverside's records, and lists hold only their own organisation's rows")
    func listsAreScoped() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let oasis = try await client.token("read-only@oasis")
            for path in ["/organisations/riverside", "/services/riverside-hs", "/contracts/riverside-contract", "/cplis/cpli-riverside-1",
                         "/contract-documents/iso-riverside-1", "/contract-documents/iso-riverside-1/pdf", "/users/riverside-super-user-actuals",
                         "/organisations/riverside/contacts", "/organisations/riverside/services", "/services/riverside-hs/periods",
                         "/users/council-payments"] {
                #expect(try await client.send(.get, path, token: oasis).status == 404, "\(path)")
            }
            let organisations = try #require(try await client.send(.get, "/organisations", token: oasis).array)
            #expect(organisations.map { $0["organisationID"] as? String } == ["oasis"])
            let cplis = try #require(try await client.send(.get, "/cplis", token: oasis).array)
            #expect(!cplis.isEmpty)
            #expect(cplis.allSatisfy { $0["organisationID"] as? String == "oasis" })
            let csv = try await client.send(.get, "/cplis?format=csv", token: oasis).text
            #expect(csv.contains("cpli-oasis-1"))
            #expect(!csv.contains("riverside"))
            let documents = try #require(try await client.send(.get, "/contract-documents", token: oasis).array)
            #expect(!documents.isEmpty)
            #expect(documents.allSatisfy { $0["organisationID"] as? String == "oasis" })
            // Council staff and the auditor see both providers.
            let auditor = try await client.token("auditor")
            let all = try #require(try await client.send(.get, "/organisations", token: auditor).array)
            #expect(Set(all.compactMap { $0["organisationID"] as? String }) == ["oasis", "riverside"])
        }
    }
}

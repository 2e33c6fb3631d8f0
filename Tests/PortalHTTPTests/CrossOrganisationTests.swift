import Chronology
import Foundation
import HTTPTypes
import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
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

    @Test("R-ROLE-2: every list a provider reads holds only its own organisation's rows — invoices, claims, conversations, credit notes, contracts, CPLIs, contract documents, the helpdesk queue, remittances — and council lists (Payments queue, payment runs, staff, scheduled payments due) refuse providers")
    func everyListIsScoped() async throws {
        let test = try await HTTPTestPortal.demo(clients: 8, invoices: true)
        let today = test.portal.context(for: .system(job: "test")).today
        let history = DemoCouncil.history(today: today, calendar: test.portal.configuration.calendar)
        try await test.run { client in
            // Both providers get a remittance and a pending change request; oasis a credit note.
            let payments = try await client.token("team:payments")
            let run = try await client.send(.post, "/payment-runs", token: payments, json:
                #"{"paymentRunID":"run-scope","paymentDate":"\#(today.iso8601)","reference":"BACS-SCOPE"}"#)
            try #require(run.status == 201, "\(run.text)")
            let oasis = try await client.token("super-user-actuals@oasis")
            let riverside = try await client.token("super-user-actuals@riverside")
            let credit = try await client.send(.post, "/services/oasis-hs/periods/\(history[0].number)/paid-corrections", token: oasis, json:
                #"{"cpliID":"cpli-oasis-1","week":"\#(history[0].firstDay.iso8601)","actual":"1","comment":"visits not made","documentID":"cn-scope","reference":"OAS-CN-SCOPE"}"#,
                headers: ["If-Match": "*"])
            try #require(credit.json?["outcome"] as? String == "credit-note", "\(credit.text)")
            for (token, organisation) in [(oasis, "oasis"), (riverside, "riverside")] {
                let answer = try await client.send(.post, "/organisations/\(organisation)/change-requests", token: token,
                                                   json: #"{"requestID":"cr-scope-\#(organisation)","details":\#(RouteTour.details)}"#, headers: ["If-Match": "*"])
                try #require(answer.status == 200, "\(answer.text)")
            }
            // Each list, with where its rows name their organisation.
            let lists: [(String, ([String: Any]) -> String?)] = [
                ("/invoices", { $0["organisationID"] as? String }),
                ("/invoices?status=submitted,on-hold,approved,paid,returned,unsubmitted", { $0["organisationID"] as? String }),
                ("/claims", { ($0["claim"] as? [String: Any])?["organisationID"] as? String }),
                ("/conversations", { ($0["conversation"] as? [String: Any])?["organisationID"] as? String }),
                ("/credit-notes", { ($0["creditNote"] as? [String: Any])?["organisationID"] as? String }),
                ("/contracts", { ($0["contract"] as? [String: Any])?["organisationID"] as? String }),
                ("/cplis", { $0["organisationID"] as? String }),
                ("/contract-documents", { $0["organisationID"] as? String }),
                ("/organisations", { $0["organisationID"] as? String }),
                ("/helpdesk/queue", { $0["organisationID"] as? String }),
            ]
            let auditor = try await client.token("auditor")
            for (path, owner) in lists {
                let everyone = try #require(try await client.send(.get, path, token: auditor).array, "\(path)")
                let owners = Set(everyone.compactMap(owner))
                for (token, organisation) in [(oasis, "oasis"), (riverside, "riverside")] {
                    let rows = try #require(try await client.send(.get, path, token: token).array, "\(path) as \(organisation)")
                    #expect(rows.allSatisfy { owner($0) == organisation }, "\(path) as \(organisation) shows another organisation's rows")
                    #expect(rows.count == everyone.filter { owner($0) == organisation }.count, "\(path) as \(organisation) misses its own rows")
                    // Asking for the other organisation by name gives nothing either.
                    let other = organisation == "oasis" ? "riverside" : "oasis"
                    let separator = path.contains("?") ? "&" : "?"
                    if ["/invoices", "/claims", "/credit-notes", "/contracts", "/cplis", "/contract-documents"].contains(path) {
                        let named = try #require(try await client.send(.get, "\(path)\(separator)organisationID=\(other)", token: token).array)
                        #expect(named.isEmpty, "\(path)?organisationID=\(other) as \(organisation)")
                    }
                }
                if ["/invoices", "/contracts", "/cplis", "/contract-documents", "/organisations", "/helpdesk/queue"].contains(path) {
                    #expect(owners == ["oasis", "riverside"], "\(path): the council sees both providers' rows, so scoping is tested: \(owners)")
                } else {
                    #expect(owners.contains("oasis"), "\(path): oasis has rows, so riverside's empty view is tested")
                }
            }
            // Remittances per provider: its own, and 404 for the other's.
            for (token, organisation, other) in [(oasis, "oasis", "riverside"), (riverside, "riverside", "oasis")] {
                let own = try #require(try await client.send(.get, "/organisations/\(organisation)/remittances", token: token).array)
                #expect(!own.isEmpty && own.allSatisfy { $0["organisationID"] as? String == organisation })
                let theirs = try await client.send(.get, "/organisations/\(other)/remittances", token: token)
                #expect(theirs.status == 404)
                #expect(!theirs.text.contains(other == "oasis" ? "Oasis" : "Riverside"))
                #expect(try await client.send(.get, "/services/\(other)-hs/period-board", token: token).status == 404)
                #expect(try await client.send(.get, "/credit-notes/cn-scope", token: token).status == (organisation == "oasis" ? 200 : 404))
            }
            // Council screens refuse every provider role outright.
            for path in ["/payments/queue", "/payment-runs", "/council-users", "/payments/scheduled-due"] {
                for role in ProviderRole.allCases {
                    let answer = try await client.send(.get, path, token: try await client.token("\(role.rawValue)@oasis"))
                    #expect(answer.status == 403, "\(path) as \(role)")
                    #expect(answer.rule == "R-ROLE-2", "\(path) as \(role): \(answer.text)")
                }
                #expect(try await client.send(.get, path, token: auditor).status == 200, "\(path)")
            }
        }
    }
}

import Chronology
import Foundation
import HTTPTypes
import PortalDomain
import PortalHTTP
import Testing

/// The JSON twins of the Payments Team's and the auditor's pages: the worklist with filters, search and cursor
/// pages; an invoice's history from the log; the payment run's preview and a run made exactly as previewed;
/// conversation messages with their authors; the contract served at /openapi.yaml.
@Suite("Payments Team and audit over JSON (R-INV-3, R-PAY-2)")
struct PaymentsTeamAPITests {
    @Test("R-INV-3: the worklist lists submitted and held invoices with who held each and why; filters, search and cursor pages narrow it; an unknown parameter is refused naming it")
    func worklist() async throws {
        let test = try await HTTPTestPortal.demo(invoices: true)
        try await test.run { client in
            let payments = try await client.token("team:payments")
            let all = try await client.send(.get, "/payments/worklist", token: payments)
            #expect(all.status == 200, "\(all.text)")
            let items = try #require(all.json?["items"] as? [[String: any Sendable]])
            #expect(all.json?["matching"] as? Int == items.count)
            let references = items.compactMap { ($0["invoice"] as? [String: any Sendable])?["reference"] as? String }
            #expect(Set(references) == ["OASIS-P7", "RIVERSIDE-P7"], "the demo's held and submitted invoices")
            let held = try #require(items.first { ($0["invoice"] as? [String: any Sendable])?["reference"] as? String == "OASIS-P7" })
            #expect(held["heldBy"] as? String == test.login("team:payments").userID.rawValue)
            #expect((held["holdReason"] as? String)?.isEmpty == false)
            #expect(held["providerName"] as? String == "Oasis Care and Support")

            let riverside = try await client.send(.get, "/payments/worklist?organisationID=riverside", token: payments)
            #expect((riverside.json?["items"] as? [Any])?.count == 1)
            let byClient = try await client.send(.get, "/payments/worklist?q=oasis%20OA0001", token: payments)
            #expect(byClient.json?["matching"] as? Int == 1, "a provider's name and a client reference together find one invoice")
            let onHold = try await client.send(.get, "/payments/worklist?status=on-hold", token: payments)
            #expect(onHold.json?["matching"] as? Int == 1)

            let first = try await client.send(.get, "/payments/worklist?limit=1", token: payments)
            let cursor = try #require(first.json?["next"] as? String)
            let second = try await client.send(.get, "/payments/worklist?limit=1&after=\(cursor)", token: payments)
            #expect(second.json?["next"] == nil, "the second of two is the last page")
            let firstID = ((first.json?["items"] as? [[String: any Sendable]])?.first?["invoice"] as? [String: any Sendable])?["invoiceID"] as? String
            let secondID = ((second.json?["items"] as? [[String: any Sendable]])?.first?["invoice"] as? [String: any Sendable])?["invoiceID"] as? String
            #expect(firstID != nil && secondID != nil && firstID != secondID)

            let unknown = try await client.send(.get, "/payments/worklist?organisation=riverside", token: payments)
            #expect(unknown.status == 400 && unknown.problemFields == ["organisation"], "\(unknown.text)")
            let negative = try await client.send(.get, "/payments/worklist?minimumDaysWaiting=-1", token: payments)
            #expect(negative.status == 422 && negative.problemFields == ["minimumDaysWaiting"])
            let badCursor = try await client.send(.get, "/payments/worklist?after=not-a-cursor", token: payments)
            #expect(badCursor.status == 422 && badCursor.problemFields == ["after"])
            let provider = try await client.send(.get, "/payments/worklist", token: try await client.token("super-user-actuals@oasis"))
            #expect(provider.status == 403)
        }
    }

    @Test("An invoice's history from the log: each step with who, acting as what, and every field changed; another provider gets 404")
    func history() async throws {
        let test = try await HTTPTestPortal.demo(invoices: true)
        try await test.run { client in
            let own = try await client.send(.get, "/invoices/inv-oasis-p7/history", token: try await client.token("read-only@oasis"))
            #expect(own.status == 200, "\(own.text)")
            let steps = try #require(own.array)
            #expect(steps.map { $0["type"] as? String } == ["InvoiceCreated", "InvoiceSubmitted", "InvoiceHeld"])
            let hold = try #require(steps.last)
            #expect(hold["actingAs"] as? String == "team:payments")
            let changes = try #require(hold["changes"] as? [[String: any Sendable]])
            let status = try #require(changes.first { $0["field"] as? String == "status" })
            #expect(status["before"] as? String == "submitted" && status["after"] as? String == "on-hold")
            let other = try await client.send(.get, "/invoices/inv-oasis-p7/history", token: try await client.token("super-user-actuals@riverside"))
            #expect(other.status == 404)
        }
    }

    @Test("R-PAY-2: a preview says what a run would pay; the run with its digest pays exactly that, and a stale digest pays nothing (409)")
    func previewThenRun() async throws {
        let test = try await HTTPTestPortal.demo(invoices: true)
        try await test.run { client in
            let payments = try await client.token("team:payments")
            let today = test.api.today.iso8601
            let preview = try await client.send(.get, "/payment-runs/preview?paymentDate=\(today)&reference=DEC-1", token: payments)
            #expect(preview.status == 200, "\(preview.text)")
            let digest = try #require(preview.json?["digest"] as? String)
            let providers = try #require(preview.json?["providers"] as? [[String: any Sendable]])
            #expect(!providers.isEmpty)
            let headBefore = try test.head()
            let stale = String(repeating: "0", count: 64)
            let refused = try await client.send(.post, "/payment-runs", token: payments,
                                                json: #"{"paymentDate":"\#(today)","reference":"DEC-1","previewed":"\#(stale)"}"#)
            #expect(refused.status == 409 && refused.problemFields == ["previewed"], "\(refused.text)")
            #expect(try test.head() == headBefore, "nothing written")
            let runID = try #require(preview.json?["paymentRunID"] as? String)
            let made = try await client.send(.post, "/payment-runs", token: payments,
                                             json: #"{"paymentRunID":"\#(runID)","paymentDate":"\#(today)","reference":"DEC-1","previewed":"\#(digest)"}"#)
            #expect(made.status == 201, "\(made.text)")
            #expect(made.headers[.location] == "/payment-runs/\(runID)")
            let again = try await client.send(.get, "/payment-runs/preview?paymentDate=\(today)&reference=DEC-2", token: payments)
            #expect(again.status == 409, "nothing is left to pay: \(again.text)")
            let serverMade = try await client.send(.get, "/payment-runs/preview?paymentDate=\(today)&reference=X", token: try await client.token("super-user-actuals@oasis"))
            #expect(serverMade.status == 403)
        }
    }

    @Test("A conversation's messages carry who posted each, acting as what, and when")
    func messageAuthors() async throws {
        let test = try await HTTPTestPortal.demo(invoices: true)
        try await test.run { client in
            let list = try await client.send(.get, "/conversations", token: try await client.token("team:payments"))
            let conversation = try #require(list.array?.first)
            let id = try #require((conversation["conversation"] as? [String: any Sendable])?["conversationID"] as? String)
            let one = try await client.send(.get, "/conversations/\(id)", token: try await client.token("team:payments"))
            let messages = try #require(one.json?["messages"] as? [[String: any Sendable]])
            #expect(!messages.isEmpty)
            for message in messages {
                #expect(message["postedBy"] is String && message["actingAs"] is String && message["postedAt"] is String, "\(message)")
            }
        }
    }

    @Test("/openapi.yaml serves Schemas/openapi.yaml's bytes, without a token")
    func contract() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let served = try await client.send(.get, "/openapi.yaml")
            #expect(served.status == 200)
            #expect(served.body == (try Data(contentsOf: OpenAPIContractTests.openAPI)))
        }
    }
}

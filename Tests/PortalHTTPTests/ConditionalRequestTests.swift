import HTTPTypes
import Hummingbird
import Foundation
import Testing

@Suite("Optimistic concurrency and idempotency over HTTP")
struct ConditionalRequestTests {
    @Test("ETag is the stream version; a change without If-Match is 428, with a stale one 412, and neither writes")
    func ifMatch() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let (week, _) = RouteTour.openWeek(test)
            let token = try await client.token("super-user-actuals@oasis")
            let view = "/services/oasis-hs/weeks/\(week)/actuals"
            let path = "\(view)/cpli-oasis-1"
            let etag = try #require(try await client.send(.get, view, token: token).etag)
            let before = try test.head()
            #expect(try await client.send(.patch, path, token: token, json: #"{"actual":"3.5","comment":"shorter"}"#).status == 428)
            #expect(try await client.send(.patch, path, token: token, json: #"{"actual":"3.5","comment":"shorter"}"#,
                                          headers: ["If-Match": "\"999\""]).status == 412)
            #expect(try await client.send(.patch, path, token: token, json: #"{"actual":"3.5"}"#, headers: ["If-Match": "yesterday"]).status == 400)
            #expect(try test.head() == before)

            let first = try await client.send(.patch, path, token: token, json: #"{"actual":"3.5","comment":"shorter"}"#, headers: ["If-Match": etag])
            #expect(first.status == 200)
            let next = try #require(first.etag)
            #expect(next != etag)
            #expect(try await client.send(.get, view, token: token).etag == next)
            // The old ETag no longer holds: a second writer who read before the first change is refused.
            let stale = try await client.send(.patch, path, token: token, json: #"{"actual":"4","comment":"other"}"#, headers: ["If-Match": etag])
            #expect(stale.status == 412)
            let line = try await client.send(.get, view, token: token).text
            #expect(line.contains("shorter") && !line.contains("other"))
        }
    }

    @Test("Idempotency-Key: a retried POST returns the first answer and writes nothing; the key with another body is refused")
    func idempotencyKey() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let procurement = try await client.token("team:procurement")
            let body = #"{"organisationID":"again","details":\#(RouteTour.details)}"#
            let first = try await client.send(.post, "/organisations", token: procurement, json: body, headers: ["Idempotency-Key": "reg-again-1"])
            #expect(first.status == 201)
            let afterFirst = try test.head()
            let retry = try await client.send(.post, "/organisations", token: procurement, json: body, headers: ["Idempotency-Key": "reg-again-1"])
            #expect(retry.status == 201)
            #expect(retry.body == first.body)
            #expect(try test.head() == afterFirst)
            let without = try await client.send(.post, "/organisations", token: procurement, json: body)
            #expect(without.status == 409, "without the key the second registration is a duplicate")
            let reused = try await client.send(.post, "/organisations", token: procurement,
                                               json: body.replacingOccurrences(of: "again", with: "other"), headers: ["Idempotency-Key": "reg-again-1"])
            #expect(reused.status == 422)
            #expect(reused.problemFields == ["Idempotency-Key"])
            #expect(try test.head() == afterFirst)
        }
    }

    @Test("R-ISO-2: an ISO renders as a PDF; contract documents filter by status and updated-since")
    func contractDocumentFilters() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let token = try await client.token("read-only@oasis")
            let pdf = try await client.send(.get, "/contract-documents/iso-oasis-1/pdf", token: token)
            #expect(pdf.status == 200)
            #expect(pdf.headers[.contentType] == "application/pdf")
            #expect(pdf.text.hasPrefix("%PDF-1.4"))
            #expect(try ContractDocumentPDFTests.poppler("pdftotext", ["-enc", "UTF-8"], pdf: pdf.body).contains("CPLI cpli-oasis-1"))
            let published = try #require(try await client.send(.get, "/contract-documents?status=published", token: token).array)
            #expect(published.map { $0["isoID"] as? String } == ["iso-oasis-3"])
            let rejected = try #require(try await client.send(.get, "/contract-documents?status=rejected", token: token).array)
            #expect(rejected.map { $0["rejectionReason"] as? String } == ["the client's address is wrong"])
            let future = try #require(try await client.send(.get, "/contract-documents?updatedSince=2999-01-01", token: token).array)
            #expect(future.isEmpty)
            let past = try #require(try await client.send(.get, "/contract-documents?updatedSince=2000-01-01", token: token).array)
            #expect(past.count == 3)
            #expect(try await client.send(.get, "/contract-documents?status=lost", token: token).status == 422)
        }
    }
}

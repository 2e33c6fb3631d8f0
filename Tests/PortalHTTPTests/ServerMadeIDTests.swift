import Foundation
import HTTPTypes
import PortalDomain
import PortalHTTP
import Testing

/// A create request may leave its record's id to the server: the answer's `Location` names the id made, and a
/// retry with the same `Idempotency-Key` names the same record.
@Suite("Server-made ids on create")
struct ServerMadeIDTests {
    @Test("An organisation, a contract and a service registered without ids get ids from the server, named by Location; a retry names the same")
    func register() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let procurement = try await client.token("team:procurement")
            let details = #"{"name":"Hollybank Care","addressLines":["1 Holly Bank","Norwich"],"postcode":"NR1 1AA","telephone":"01603 000000","email":"office@hollybank.example"}"#
            let first = try await client.send(.post, "/organisations", token: procurement, json: #"{"details":\#(details)}"#,
                                              headers: ["Idempotency-Key": "hollybank-1"])
            #expect(first.status == 201, "\(first.text)")
            let location = try #require(first.headers[.location])
            #expect(location.hasPrefix("/organisations/org-") && location.count == "/organisations/org-".count + 12)
            let id = String(location.dropFirst("/organisations/".count))
            #expect(first.json?["organisationID"] as? String == id)
            let again = try await client.send(.post, "/organisations", token: procurement, json: #"{"details":\#(details)}"#,
                                              headers: ["Idempotency-Key": "hollybank-1"])
            #expect(again.headers[.location] == location, "a retry names the same organisation")
            let other = try await client.send(.post, "/organisations", token: procurement, json: #"{"details":\#(details)}"#)
            #expect(other.status == 201 && other.headers[.location] != location, "without a key, each create makes a new record")

            let contract = try await client.send(.post, "/contracts", token: procurement, json: """
                {"organisationID":"\(id)","name":"Hollybank block","contractType":"block-2013","paymentBasis":"invoiced","startDate":"2026-04-06"}
                """)
            #expect(contract.status == 201, "\(contract.text)")
            let contractID = try #require(contract.headers[.location]).replacingOccurrences(of: "/contracts/", with: "")
            #expect(contractID.hasPrefix("contract-"))
            let service = try await client.send(.post, "/services", token: procurement, json: """
                {"organisationID":"\(id)","contractID":"\(contractID)","details":\(details),"startDate":"2026-04-06"}
                """)
            #expect(service.status == 201, "\(service.text)")
            #expect(service.headers[.location]?.hasPrefix("/services/svc-") == true)
            let bad = try await client.send(.post, "/organisations", token: procurement, json: #"{"organisationID":"no spaces","details":\#(details)}"#)
            #expect(bad.status == 422 && bad.problemFields == ["organisationID"], "a given id is still checked")
        }
    }
}

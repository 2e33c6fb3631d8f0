import Chronology
import Foundation
import HTTPTypes
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections
import Testing

/// The JSON twins of a provider's pages (issue 17): what needs the provider's attention (the home page) and the
/// choices of a new conversation (the entity chosen from the provider's own records, never the internal team);
/// the PDF and CPLI CSV downloads that the pages serve with the same bytes.
@Suite("A provider's screens over JSON (R-ISO-1, R-ACT-6, R-INV-3, R-CNV-1, R-CNV-2)")
struct ProviderScreensAPITests {
    @Test("R-ISO-1, R-PER-2, R-ACT-6, R-INV-3: the attention of a provider lists the ISOs to agree, each service's open period with its over-20% lines, invoices not submitted and returned with the reason, open conversations; another provider gets 404")
    func attention() async throws {
        let test = try await HTTPTestPortal.demo(invoices: true)
        try await test.run { client in
            let oasis = try await client.token("super-user-actuals@oasis")
            let first = try await client.send(.get, "/organisations/oasis/attention", token: oasis)
            #expect(first.status == 200, "\(first.text)")
            let documents = try #require(first.json?["contractDocumentsToAgree"] as? [[String: any Sendable]])
            #expect(first.json?["contractDocumentsToAgreeCount"] as? Int == 1 && documents.first?["isoID"] as? String == "iso-oasis-3",
                    "the demo leaves the last ISO published: \(documents)")
            let services = try #require(first.json?["services"] as? [[String: any Sendable]])
            let service = try #require(services.first)
            let open = try #require(service["openPeriod"] as? Int, "oasis's last history period is not invoiced, so it is open")
            #expect((service["exceptionLines"] as? [Any])?.isEmpty == true, "the demo's actuals have no line over 20%")
            let unsubmitted = (first.json?["unsubmittedInvoices"] as? [[String: any Sendable]])?.compactMap { $0["reference"] as? String }
            #expect(unsubmitted == ["OASIS-CLAIMS-1"], "the claim's contract-level invoice is not submitted: \(String(describing: unsubmitted))")
            #expect((first.json?["returnedInvoices"] as? [Any])?.isEmpty == true)
            #expect(first.json?["openConversations"] as? Int == 1)
            let awaiting = try #require(first.json?["conversationsAwaitingReply"] as? Int)
            // The council writes to oasis: one more conversation ends with the council's message.
            let asked = try await client.send(.post, "/conversations", token: try await client.token("team:payments"), json: """
                {"conversationID":"conv-ask-oasis","organisationID":"oasis","type":"query","relatedTo":"provider","entityID":"oasis","team":"payments","subject":"Bank details","body":"Please confirm your bank details."}
                """)
            #expect(asked.status == 201, "\(asked.text)")
            let after = try await client.send(.get, "/organisations/oasis/attention", token: oasis)
            #expect(after.json?["openConversations"] as? Int == 2 && after.json?["conversationsAwaitingReply"] as? Int == awaiting + 1, "\(after.text)")
            let answered = try await client.send(.post, "/conversations/conv-ask-oasis/messages", token: oasis, json: #"{"body":"Confirmed."}"#,
                                                 headers: ["If-Match": "*"])
            #expect(answered.status == 200, "\(answered.text)")
            let replied = try await client.send(.get, "/organisations/oasis/attention", token: oasis)
            #expect(replied.json?["conversationsAwaitingReply"] as? Int == awaiting, "answered: no longer waiting for the provider")

            // A week over 20% (R-ACT-6): 8 hours against 5.25 planned.
            let week = test.portal.configuration.calendar.period(PeriodNumber(open)).firstDay.iso8601
            let edit = try await client.send(.patch, "/services/oasis-hs/weeks/\(week)/actuals/cpli-oasis-1", token: oasis,
                                             json: #"{"actual":"8","visits":8,"comment":"extra care after a fall"}"#,
                                             headers: ["If-Match": "*"])
            #expect(edit.status == 200, "\(edit.text)")
            let second = try await client.send(.get, "/organisations/oasis/attention", token: oasis)
            let lines = try #require(((second.json?["services"] as? [[String: any Sendable]])?.first?["exceptionLines"]) as? [[String: any Sendable]])
            #expect(lines.map { $0["cpliID"] as? String } == ["cpli-oasis-1"] && (lines.first?["weeks"] as? [String]) == [week], "\(lines)")

            // Riverside's third period was returned, with the Payments Team's reason.
            let riverside = try await client.send(.get, "/organisations/riverside/attention", token: try await client.token("read-only@riverside"))
            let returned = try #require(riverside.json?["returnedInvoices"] as? [[String: any Sendable]])
            #expect(returned.first?["returnReason"] as? String == "two lines use last year's rate", "\(riverside.text)")
            let other = try await client.send(.get, "/organisations/oasis/attention", token: try await client.token("read-only@riverside"))
            #expect(other.status == 404, "R-ROLE-2: \(other.text)")
            let council = try await client.send(.get, "/organisations/oasis/attention", token: try await client.token("team:payments"))
            #expect(council.status == 200)
        }
    }

    @Test("R-CNV-1, R-CNV-2: a new conversation's entities are the provider's own records of the kind asked for; a provider is never offered the internal team, and every entity offered is accepted")
    func conversationEntities() async throws {
        let test = try await HTTPTestPortal.demo(invoices: true)
        try await test.run { client in
            let oasis = try await client.token("super-user-actuals@oasis")
            let clients = try await client.send(.get, "/organisations/oasis/conversation-entities?relatedTo=client", token: oasis)
            #expect(clients.status == 200, "\(clients.text)")
            let entities = try #require(clients.json?["entities"] as? [[String: any Sendable]])
            let references = entities.compactMap { $0["entityID"] as? String }
            #expect(!references.isEmpty && references.allSatisfy { $0.hasPrefix("OA") }, "oasis's clients only: \(references)")
            #expect(references == references.sorted { $0.localizedStandardCompare($1) == .orderedAscending }, "in the clients' natural order")
            let teams = try #require(clients.json?["teams"] as? [String])
            #expect(!teams.contains("z-information-messaging") && teams.contains("service-brokerage"), "\(teams)")
            let types = try #require(clients.json?["types"] as? [String])
            #expect(types.contains("death-notification") && !types.contains("returned-invoice"), "types that may be about a client: \(types)")

            let provider = try await client.send(.get, "/organisations/oasis/conversation-entities?relatedTo=provider", token: oasis)
            #expect((provider.json?["entities"] as? [[String: any Sendable]])?.map { $0["entityID"] as? String } == ["oasis"])
            let invoices = try await client.send(.get, "/organisations/oasis/conversation-entities?relatedTo=invoice", token: oasis)
            let invoiceIDs = ((invoices.json?["entities"] as? [[String: any Sendable]]) ?? []).compactMap { $0["entityID"] as? String }
            #expect(invoiceIDs.contains("inv-oasis-p7") && !invoiceIDs.contains { $0.contains("riverside") }, "\(invoiceIDs)")
            let brokerage = try await client.send(.get, "/organisations/oasis/conversation-entities?relatedTo=client", token: try await client.token("team:service-brokerage"))
            #expect(brokerage.json?["teams"] as? [String] == ["service-brokerage"], "council staff start conversations as their own team")

            // Every entity offered is one the command accepts; the internal team is refused all the same.
            let entity = try #require(references.first)
            let started = try await client.send(.post, "/conversations", token: oasis, json: """
                {"conversationID":"conv-offered","organisationID":"oasis","type":"death-notification","relatedTo":"client","entityID":"\(entity)","team":"service-brokerage","subject":"Sad news","body":"The client died on Friday."}
                """)
            #expect(started.status == 201, "\(started.text)")
            let internalTeam = try await client.send(.post, "/conversations", token: oasis, json: """
                {"conversationID":"conv-internal","organisationID":"oasis","type":"query","relatedTo":"client","entityID":"\(entity)","team":"z-information-messaging","subject":"Q","body":"Q"}
                """)
            #expect(internalTeam.status == 422 && internalTeam.rule == "R-CNV-2", "\(internalTeam.text)")

            // A read-only user reads the same choices (the page shows them) and may start nothing (R-ROLE).
            let readOnly = try await client.token("read-only@oasis")
            let seen = try await client.send(.get, "/organisations/oasis/conversation-entities?relatedTo=client", token: readOnly)
            #expect(seen.status == 200 && (seen.json?["entities"] as? [[String: any Sendable]])?.count == entities.count, "\(seen.text)")
            let refused = try await client.send(.post, "/conversations", token: readOnly, json: """
                {"conversationID":"conv-read-only","organisationID":"oasis","type":"query","relatedTo":"client","entityID":"\(entity)","team":"service-brokerage","subject":"Q","body":"Q"}
                """)
            #expect(refused.status == 403 && refused.rule?.hasPrefix("R-ROLE") == true, "\(refused.text)")
            let notWritten = try await client.send(.get, "/conversations/conv-read-only", token: oasis)
            #expect(notWritten.status == 404, "nothing was written: \(notWritten.text)")

            let missing = try await client.send(.get, "/organisations/oasis/conversation-entities", token: oasis)
            #expect(missing.status == 400 && missing.problemFields == ["relatedTo"], "\(missing.text)")
            let wrong = try await client.send(.get, "/organisations/oasis/conversation-entities?relatedTo=planet", token: oasis)
            #expect(wrong.status == 422 && wrong.problemFields == ["relatedTo"], "\(wrong.text)")
            let unknown = try await client.send(.get, "/organisations/oasis/conversation-entities?relatedTo=client&team=x", token: oasis)
            #expect(unknown.status == 400 && unknown.problemFields == ["team"], "\(unknown.text)")
            let other = try await client.send(.get, "/organisations/oasis/conversation-entities?relatedTo=client",
                                              token: try await client.token("super-user-actuals@riverside"))
            #expect(other.status == 404, "R-ROLE-2")
        }
    }

    @Test("R-ISO-2, R-ISO-3: the pages' downloads are the API's: an ISO's PDF and the CPLI list's CSV, the same bytes for the same reader")
    func downloads() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let oasis = try await client.token("read-only@oasis")
            let actor = try test.portal.actor(forUser: test.login("read-only@oasis").userID)
            let pdf = try await client.send(.get, "/contract-documents/iso-oasis-1/pdf", token: oasis)
            #expect(pdf.status == 200 && pdf.headers[.contentType] == "application/pdf")
            #expect(pdf.body == Data(try test.api.contractDocumentPDF("iso-oasis-1", for: actor).bytes))
            let models = try await test.api.readModelsAtHead()
            let csv = try await client.send(.get, "/cplis?format=csv", token: oasis)
            #expect(csv.status == 200)
            #expect(csv.text == (try models.cplis.csv(of: "oasis", service: nil, ReadScope(actor))), "the page's CSV (the organisation's) is the API's")
            let otherPDF = try await client.send(.get, "/contract-documents/iso-riverside-1/pdf", token: oasis)
            #expect(otherPDF.status == 404, "R-ROLE-2: another organisation's ISO: \(otherPDF.text)")
            #expect(throws: (any Error).self, "another organisation's ISO is not found") {
                _ = try test.api.contractDocumentPDF("iso-riverside-1", for: actor)
            }
        }
    }
}

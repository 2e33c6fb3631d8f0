import Foundation
import HTTPTypes
import Hummingbird
import PortalHTTP
import Testing

@Suite("Bad input over HTTP: a clear problem naming the field, never a 500, nothing applied")
struct BadInputTests {
    /// An actor allowed on `route` (the first of its allowed set in the matrix order).
    static func allowedActor(_ route: RouteCase) -> String {
        Actors.all.first { route.allowed?.contains($0) ?? true }!
    }

    @Test("Malformed JSON and wrong types on every JSON write route: 400 naming the field, log unchanged")
    func malformedAndWrongTypes() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let facts = try await RouteTour.prepare(test, client)
            let writes = RouteTour.cases(test, facts).filter { $0.method != .get && $0.contentType == "application/json" && $0.body(0) != nil }
            #expect(writes.count >= 14)
            for route in writes {
                let token = try await client.token(Self.allowedActor(route))
                let before = try test.head()
                let malformed = try await client.send(route.method, route.path, token: token, body: Data("{\"oops\": ".utf8),
                                                      headers: ["If-Match": "*", "Content-Type": "application/json"])
                #expect(malformed.status == 400, "\(route.path): \(malformed.text)")
                #expect(malformed.headers[.contentType] == "application/problem+json")
                // Every field of the body replaced by a value of another JSON type (a number for text, arrays and
                // objects; text for a number): the first one decoded is named as having the wrong type.
                let sample = try #require(route.body(7))
                let object = try #require(try JSONSerialization.jsonObject(with: Data(sample.utf8)) as? [String: Any])
                let wrong = try JSONSerialization.data(withJSONObject: object.mapValues { value -> Any in value is NSNumber ? "forty-two" : 42 })
                let wrongTypes = try await client.send(route.method, route.path, token: token, body: wrong,
                                                       headers: ["If-Match": "*", "Content-Type": "application/json"])
                #expect(wrongTypes.status == 400, "\(route.path): \(wrongTypes.text)")
                #expect(wrongTypes.problemFields.count == 1 && object.keys.contains(wrongTypes.problemFields.first ?? ""),
                        "\(route.path): \(wrongTypes.text)")
                let empty = try await client.send(route.method, route.path, token: token, headers: ["If-Match": "*"])
                #expect(empty.status == 400, "\(route.path): \(empty.text)")
                #expect(try test.head() == before, "\(route.path) wrote despite bad input")
            }
        }
    }

    @Test("R-ACT-2: over-precise, too large, negative and mistyped quantities on an actual edit are 422 or 400 naming the field")
    func actualValues() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let (week, _) = RouteTour.openWeek(test)
            let token = try await client.token("super-user-actuals@oasis")
            let path = "/services/oasis-hs/weeks/\(week)/actuals/cpli-oasis-1"
            let before = try test.head()
            let cases: [(String, Int, String)] = [
                (#"{"actual":"4.12345"}"#, 422, "actual"),
                (#"{"actual":"-1"}"#, 422, "actual"),
                (#"{"actual":"4","missed":"0.00001"}"#, 422, "missed"),
                (#"{"actual":"lots"}"#, 422, "actual"),
                // 15 digits times 10^4 overflowed Int64 before the limit was checked, and crashed the server.
                (#"{"actual":"999999999999999"}"#, 422, "actual"),
                (#"{"actual":"4","extra":"99999999999999999999"}"#, 422, "extra"),
                (#"{"actual":4.5}"#, 400, "actual"),
                (#"{"actual":"4","visits":"seven"}"#, 400, "visits"),
                (#"{"actual":"4","abortedVisits":[{"date":"2026-13-01","length":"1","noticeHours":"2","time":"day","cause":"cancelled"}]}"#, 422,
                 "abortedVisits[0].date"),
                (#"{"actual":"0","comment":""}"#, 422, "comment"),
            ]
            for (body, status, field) in cases {
                let answer = try await client.send(.patch, path, token: token, json: body, headers: ["If-Match": "*"])
                #expect(answer.status == status, "\(body): \(answer.text)")
                #expect(answer.problemFields.contains(field), "\(body): \(answer.text)")
            }
            // Unknown ids in the path.
            let unknownCPLI = try await client.send(.patch, "/services/oasis-hs/weeks/\(week)/actuals/cpli-nobody", token: token,
                                                    json: #"{"actual":"1"}"#, headers: ["If-Match": "*"])
            #expect([404, 422].contains(unknownCPLI.status), "\(unknownCPLI.text)")
            let unknownService = try await client.send(.patch, "/services/nowhere/weeks/\(week)/actuals/cpli-oasis-1", token: token,
                                                       json: #"{"actual":"1"}"#, headers: ["If-Match": "*"])
            #expect(unknownService.status == 404)
            let notMonday = try await client.send(.patch, "/services/oasis-hs/weeks/2026-11-18/actuals/cpli-oasis-1", token: token,
                                                  json: #"{"actual":"1"}"#, headers: ["If-Match": "*"])
            #expect(notMonday.status == 404)
            #expect(try test.head() == before)
        }
    }

    @Test("Bad values on register, contact and contract document routes: 422 naming the field, unknown references refused")
    func registerValues() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let procurement = try await client.token("team:procurement")
            let brokerage = try await client.token("team:service-brokerage")
            let superUser = try await client.token("super-user-actuals@oasis")
            let before = try test.head()
            let contract = #"{"contractID":"k-x","organisationID":"oasis","name":"X","contractType":"weird","paymentBasis":"invoiced","startDate":"2026-04-06"}"#
            let badType = try await client.send(.post, "/contracts", token: procurement, json: contract)
            #expect(badType.status == 422)
            #expect(badType.problemFields == ["contractType"])
            let unknownOrganisation = try await client.send(.post, "/contracts", token: procurement,
                json: contract.replacingOccurrences(of: "weird", with: "block-2013").replacingOccurrences(of: "\"oasis\"", with: "\"ghost\""))
            #expect(unknownOrganisation.status == 422)
            #expect(unknownOrganisation.problemFields == ["organisationID"])
            let badID = try await client.send(.post, "/organisations", token: procurement,
                                              json: #"{"organisationID":"has spaces","details":\#(RouteTour.details)}"#)
            #expect(badID.status == 422)
            #expect(badID.problemFields == ["organisationID"])

            let iso = #"{"isoID":"iso-bad","organisationID":"oasis","serviceID":"oasis-hs","clientReference":"B1","clientName":"Client B1","cplis":[{"cpliID":"cpli-bad","serviceType":"home-support-contract-rate","unit":"hours","plannedPerWeek":"7.5","rate":"19.255555","startDate":"2026-04-06"}]}"#
            let overPrecise = try await client.send(.post, "/contract-documents", token: brokerage, json: iso)
            #expect(overPrecise.status == 422)
            #expect(overPrecise.problemFields == ["cplis[0].rate"])
            let unknownService = try await client.send(.post, "/contract-documents", token: brokerage,
                json: iso.replacingOccurrences(of: "19.255555", with: "19.25").replacingOccurrences(of: "\"oasis-hs\"", with: "\"ghost-hs\""))
            #expect(unknownService.status == 422)
            #expect(unknownService.problemFields == ["serviceID"])

            let badRole = try await client.send(.post, "/organisations/oasis/contacts", token: superUser, json:
                #"{"userID":"oasis-x","requestID":"x-1","person":{"forename":"X","surname":"Y","email":"x@oasis.example"},"role":"boss"}"#)
            #expect(badRole.status == 422)
            #expect(badRole.problemFields == ["role"])
            #expect(badRole.rule == "R-ROLE")
            let badEmail = try await client.send(.post, "/organisations/oasis/contacts", token: superUser, json:
                #"{"userID":"oasis-x","requestID":"x-1","person":{"forename":"X","surname":"Y","email":"not-an-email"},"role":"reports"}"#)
            #expect(badEmail.status == 422)
            #expect(badEmail.problemFields == ["email"])
            let noReason = try await client.send(.post, "/contract-documents/iso-oasis-3/reject", token: superUser, json: #"{"reason":"  "}"#,
                                                 headers: ["If-Match": "*"])
            #expect(noReason.status == 422)
            #expect(noReason.rule == "R-ISO-1")
            #expect(try test.head() == before)
        }
    }

    @Test("Bad values on invoice, claim, payment and conversation routes: 422 naming the field, unknown ids refused, nothing applied")
    func partTwoValues() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let (week, period) = RouteTour.openWeek(test)
            let superUser = try await client.token("super-user-actuals@oasis")
            let payments = try await client.token("team:payments")
            let before = try test.head()
            let unknownService = try await client.send(.post, "/invoices", token: superUser, json:
                #"{"invoiceID":"inv-x","serviceID":"ghost-hs","period":\#(period),"reference":"X-1","invoiceDate":"2026-11-20"}"#)
            #expect(unknownService.status == 422, "\(unknownService.text)")
            #expect(unknownService.problemFields == ["service"])
            let badDate = try await client.send(.post, "/invoices", token: superUser, json:
                #"{"invoiceID":"inv-x","serviceID":"oasis-hs","period":\#(period),"reference":"X-1","invoiceDate":"20/11/2026"}"#)
            #expect(badDate.status == 422)
            #expect(badDate.problemFields == ["invoiceDate"])
            let noPeriod = try await client.send(.post, "/invoices", token: superUser, json:
                #"{"invoiceID":"inv-x","serviceID":"oasis-hs","period":0,"reference":"X-1","invoiceDate":"2026-11-20"}"#)
            #expect(noPeriod.status == 422)
            #expect(noPeriod.problemFields == ["period"])
            #expect(try await client.send(.post, "/invoices/ghost/submit", token: superUser, headers: ["If-Match": "*"]).status == 404)
            let overPrecise = try await client.send(.post, "/claims", token: superUser, json:
                #"{"claimID":"c-x","contractID":"oasis-contract","dateOfClaim":"\#(RouteTour.lastDay(test, period))","items":[{"cpliID":"cpli-oasis-1","absenceFrom":"\#(week)","absenceTo":"\#(week)","precedingStay":"hospital","hours":"2.00001"}]}"#)
            #expect(overPrecise.status == 422)
            #expect(overPrecise.problemFields == ["items[0].hours"])
            let midPeriod = try await client.send(.post, "/claims", token: superUser, json:
                #"{"claimID":"c-x","contractID":"oasis-contract","dateOfClaim":"\#(week)","items":[{"cpliID":"cpli-oasis-1","absenceFrom":"\#(week)","absenceTo":"\#(week)","precedingStay":"hospital","hours":"2"}]}"#)
            #expect(midPeriod.status == 422)
            #expect(midPeriod.rule == "R-OOC-3")
            let badRun = try await client.send(.post, "/payment-runs", token: payments, json:
                #"{"paymentRunID":"run-x","paymentDate":"2026-11-20","reference":"R","invoiceIDs":["ghost"]}"#)
            #expect([404, 409, 422].contains(badRun.status), "\(badRun.text)")
            let badAttachment = try await client.send(.post, "/conversations", token: superUser, json:
                #"{"conversationID":"cv-x","organisationID":"oasis","type":"query","relatedTo":"service","entityID":"oasis-hs","team":"billing","subject":"S","body":"B","attachments":[{"fileName":"a.txt","mediaType":"text/plain","content":"%%%"}]}"#)
            #expect(badAttachment.status == 422)
            #expect(badAttachment.problemFields == ["attachments[0].content"])
            let toZ = try await client.send(.post, "/conversations", token: superUser, json:
                #"{"conversationID":"cv-x","organisationID":"oasis","type":"query","relatedTo":"service","entityID":"oasis-hs","team":"z-information-messaging","subject":"S","body":"B"}"#)
            #expect(toZ.status == 422)
            #expect(toZ.rule == "R-CNV-2")
            let unknownEntity = try await client.send(.post, "/conversations", token: superUser, json:
                #"{"conversationID":"cv-x","organisationID":"oasis","type":"query","relatedTo":"service","entityID":"riverside-hs","team":"billing","subject":"S","body":"B"}"#)
            #expect([404, 422].contains(unknownEntity.status), "\(unknownEntity.text)")
            #expect(try test.head() == before)
        }
    }

    @Test("R-ACT-2: a CSV with a bad row among good ones is refused whole, every problem by row and column, nothing applied")
    func csvWithABadRow() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let (week, period) = RouteTour.openWeek(test)
            let token = try await client.token("super-user-actuals@oasis")
            let weekView = "/services/oasis-hs/weeks/\(week)/actuals"
            let linesBefore = try await client.send(.get, weekView, token: token).text
            let before = try test.head()
            let csv = """
                service,cpli,week,actual,comment
                oasis-hs,cpli-oasis-1,\(week),6.5,longer visits this week
                oasis-hs,cpli-oasis-2,\(week),seven,typo
                oasis-hs,cpli-oasis-2,\(week),4.12345,too precise
                oasis-hs,cpli-nobody,\(week),2,unknown client

                """
            let answer = try await client.send(.post, "/organisations/oasis/periods/\(period)/actuals-imports", token: token,
                                               body: Data(csv.utf8), headers: ["Content-Type": "text/csv"])
            #expect(answer.status == 422)
            #expect(answer.json?["type"] as? String == "urn:portal:problem:import-rejected")
            let errors = try #require(answer.json?["errors"] as? [[String: Any]])
            let located = Set(errors.compactMap { error -> String? in
                guard let row = error["row"] as? Int, let field = error["field"] as? String else { return nil }
                return "\(row):\(field)"
            })
            #expect(located.isSuperset(of: ["3:actual", "4:actual", "5:cpli"]), "\(answer.text)")
            #expect(!located.contains { $0.hasPrefix("2:") }, "the good row is not reported: \(answer.text)")
            let unknown = try #require(errors.first { $0["row"] as? Int == 5 })
            #expect((unknown["message"] as? String)?.contains("cpli-nobody") == true, "\(unknown)")
            #expect(try test.head() == before)
            #expect(try await client.send(.get, weekView, token: token).text == linesBefore)

            let noHeader = try await client.send(.post, "/organisations/oasis/periods/\(period)/actuals-imports", token: token,
                                                 body: Data("just,some,words\n".utf8), headers: ["Content-Type": "text/csv"])
            #expect(noHeader.status == 422)
            #expect(Set(noHeader.problemFields) == ["service", "cpli", "week", "actual"])
            #expect(try test.head() == before)
        }
    }

    @Test("Bad input on POST /auth/*: malformed JSON, wrong types, missing fields are 400 naming the field; never a 500, never a secret echoed")
    func authInput() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let login = test.login("read-only@oasis")
            let token = try await client.token("read-only@oasis")
            let before = try test.head()
            let cases: [(String, String?, String, String?)] = [
                ("/auth/login", nil, #"{"email":"#, nil),
                ("/auth/login", nil, #"{"email":42,"password":"Secret-value-99"}"#, "email"),
                ("/auth/login", nil, #"{"email":"\#(login.email)"}"#, "password"),
                ("/auth/login", nil, #"["not","an","object"]"#, ""),
                ("/auth/login", nil, "", nil),
                ("/auth/login/passcode", nil, #"{"challengeToken":"abc","passcode":135246}"#, "passcode"),
                ("/auth/login/passcode", nil, #"{"passcode":"135246"}"#, "challengeToken"),
                ("/auth/password", token, #"{"currentPassword":"Secret-value-99"}"#, "newPassword"),
                ("/auth/password", token, #"{"currentPassword":true,"newPassword":"Secret-value-98"}"#, "currentPassword"),
                ("/auth/passcode", token, #"{"passcode":246813}"#, "passcode"),
                ("/auth/passcode", token, "{", nil),
            ]
            for (path, bearer, body, field) in cases {
                let answer = try await client.send(.post, path, token: bearer, body: Data(body.utf8), headers: ["Content-Type": "application/json"])
                #expect(answer.status == 400, "\(path) \(body): \(answer.status) \(answer.text)")
                #expect(answer.headers[.contentType] == "application/problem+json")
                if let field, !field.isEmpty { #expect(answer.problemFields == [field], "\(path) \(body): \(answer.text)") }
                #expect(!answer.text.contains("Secret-value"), "\(path) echoed a secret: \(answer.text)")
            }
            #expect(try test.head() == before, "bad input recorded a security fact")
            // An unknown email is the same 401 as a wrong password, and records nothing.
            let unknown = try await client.send(.post, "/auth/login", json: #"{"email":"nobody@nowhere.example","password":"Secret-value-99"}"#)
            #expect(unknown.status == 401)
            #expect(try test.head() == before)
        }
    }

    @Test("Unknown ids on body-less write routes: 404 (or 409/422 naming the unknown change request or line), nothing applied")
    func unknownIDsWithoutBody() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            _ = try await RouteTour.prepare(test, client)
            let (week, _) = RouteTour.openWeek(test)
            let superUser = try await client.token("super-user-actuals@oasis")
            let helpdesk = try await client.token("team:helpdesk")
            let payments = try await client.token("team:payments")
            let cases: [(HTTPRequest.Method, String, String, Int)] = [
                (.post, "/invoices/ghost/submit", superUser, 404),
                (.post, "/invoices/ghost/correct", superUser, 404),
                (.post, "/invoices/ghost/release", payments, 404),
                (.post, "/invoices/ghost/approve", payments, 404),
                (.delete, "/invoices/ghost/lines/cpli-oasis-1", superUser, 404),
                (.post, "/claims/ghost/submit", superUser, 404),
                (.post, "/claims/ghost/withdraw", superUser, 404),
                (.post, "/claims/ghost/approve", payments, 404),
                (.post, "/contract-documents/ghost/agree", superUser, 404),
                (.post, "/conversations/ghost/close", superUser, 404),
                (.post, "/users/ghost/password-reset", helpdesk, 404),
                (.post, "/users/ghost/reactivation", helpdesk, 404),
                (.post, "/users/ghost/change-requests/cr-1/accept", helpdesk, 404),
                (.post, "/organisations/ghost/change-requests/cr-1/accept", helpdesk, 404),
                (.post, "/services/ghost/change-requests/cr-1/accept", helpdesk, 404),
                (.post, "/services/ghost/weeks/\(week)/confirmation", superUser, 404),
                // The record exists, the request or line it names does not.
                (.post, "/organisations/oasis/change-requests/ghost/accept", helpdesk, 422),
                (.post, "/services/oasis-hs/change-requests/ghost/accept", helpdesk, 422),
                (.post, "/users/oasis-read-only/change-requests/ghost/accept", helpdesk, 422),
            ]
            for (method, path, token, status) in cases {
                let before = try test.head()
                let answer = try await client.send(method, path, token: token, headers: ["If-Match": "*"])
                #expect(answer.status == status, "\(method) \(path): \(answer.status) \(answer.text)")
                #expect(answer.headers[.contentType] == "application/problem+json")
                if status == 422 { #expect(answer.problemFields.contains("requestID"), "\(path): \(answer.text)") }
                #expect(try test.head() == before, "\(path) wrote")
            }
        }
    }

    @Test("R-INV-4: a paid-period correction with an over-precise or negative value is 422 naming the field; nothing applied")
    func paidCorrectionValues() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            _ = try await RouteTour.prepare(test, client)
            let (week, period) = RouteTour.openWeek(test)
            let token = try await client.token("super-user-actuals@oasis")
            let path = "/services/oasis-hs/periods/\(period)/paid-corrections"
            let before = try test.head()
            let cases: [(String, Int, String)] = [
                (#"{"cpliID":"cpli-oasis-1","week":"\#(week)","actual":"4.12345","comment":"c","documentID":"cn-x","reference":"CN-X"}"#, 422, "actual"),
                (#"{"cpliID":"cpli-oasis-1","week":"\#(week)","actual":"4","missed":"0.000001","comment":"c","documentID":"cn-x","reference":"CN-X"}"#, 422, "missed"),
                (#"{"cpliID":"cpli-oasis-1","week":"\#(week)","actual":"-2","comment":"c","documentID":"cn-x","reference":"CN-X"}"#, 422, "actual"),
                (#"{"cpliID":"cpli-oasis-1","week":"\#(week)","actual":4,"comment":"c","documentID":"cn-x","reference":"CN-X"}"#, 400, "actual"),
                (#"{"cpliID":"cpli-oasis-1","week":"2026-13-40","actual":"4","comment":"c","documentID":"cn-x","reference":"CN-X"}"#, 422, "week"),
                (#"{"cpliID":"cpli-nobody","week":"\#(week)","actual":"4","comment":"c","documentID":"cn-x","reference":"CN-X"}"#, 422, "cpli"),
            ]
            for (body, status, field) in cases {
                let answer = try await client.send(.post, path, token: token, json: body, headers: ["If-Match": "*"])
                #expect(answer.status == status, "\(body): \(answer.status) \(answer.text)")
                #expect(answer.problemFields.contains(field), "\(body): \(answer.text)")
            }
            #expect(try test.head() == before)
        }
    }

    @Test("A body over the size limit is 413 and applies nothing")
    func bodyTooLarge() async throws {
        let test = try await HTTPTestPortal.demo(maximumBodySize: 2048)
        try await test.run { client in
            let (_, period) = RouteTour.openWeek(test)
            let token = try await client.token("super-user-actuals@oasis")
            let before = try test.head()
            let big = "service,cpli,week,actual\n" + String(repeating: "oasis-hs,cpli-oasis-1,2026-01-05,1\n", count: 200)
            let answer = try await client.send(.post, "/organisations/oasis/periods/\(period)/actuals-imports", token: token,
                                               body: Data(big.utf8), headers: ["Content-Type": "text/csv"])
            #expect(answer.status == 413)
            #expect(answer.headers[.contentType] == "application/problem+json")
            #expect(try test.head() == before)
        }
    }
}

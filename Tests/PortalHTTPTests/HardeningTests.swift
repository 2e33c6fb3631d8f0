import Chronology
import Foundation
import HTTPTypes
import Hummingbird
import PortalDomain
import Synchronization
import Testing
@testable import PortalApplication
@testable import PortalHTTP

@Suite("Hardening over HTTP: bounded input, logins that leak nothing, security headers")
struct HardeningTests {
    /// Where 28 × n passes Int64.max: the number that trapped in `PeriodCalendar.period(_:)` and killed the server.
    static let hugePeriod = "329406144173358422"

    @Test("R-PER-1: a huge, too-long or out-of-range period number answers 422 naming period on every route that takes one, and the server answers the next request")
    func hugePeriodNumbers() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let provider = try await client.token("super-user-actuals@oasis")
            let payments = try await client.token("team:payments")
            let before = try test.head()
            let csv = "service,cpli,week,actual,comment\noasis-hs,cpli-oasis-1,2026-11-16,2.5,shorter visits\n"
            for number in [Self.hugePeriod, "9223372036854775807", "99999999999999999999999", "0", "-1", "130432"] {
                let requests: [(HTTPRequest.Method, String, String?, String?, [String: String])] = [
                    (.get, "/services/oasis-hs/periods/\(number)/actuals", provider, nil, [:]),
                    (.get, "/services/oasis-hs/periods/\(number)/actuals/csv", provider, nil, [:]),
                    (.get, "/services/oasis-hs/periods/\(number)/invoice-proposal", provider, nil, [:]),
                    (.post, "/organisations/oasis/periods/\(number)/actuals-imports", provider, csv, ["Content-Type": "text/csv"]),
                    (.post, "/services/oasis-hs/periods/\(number)/paid-corrections", payments,
                     #"{"cpliID":"cpli-oasis-1","week":"2026-11-16","actual":"1","comment":"a visit was not made","documentID":"cn-x","reference":"CN-X"}"#,
                     ["If-Match": "*", "Content-Type": "application/json"]),
                    (.get, "/invoices?serviceID=oasis-hs&period=\(number)", provider, nil, [:]),
                ]
                for (method, path, token, body, headers) in requests {
                    let answer = try await client.send(method, path, token: token, body: body.map { Data($0.utf8) }, headers: headers)
                    #expect(answer.status == 422, "\(method) \(path): \(answer.status) \(answer.text)")
                    #expect(answer.problemFields == ["period"], "\(method) \(path): \(answer.text)")
                }
                // Period numbers in a JSON body: beyond Int they are malformed (400); within Int but past the last
                // period, 422; either way naming period.
                let bodies: [(String, String, String)] = [
                    ("/invoices", provider, #"{"invoiceID":"inv-huge","serviceID":"oasis-hs","period":\#(number),"reference":"REF-HUGE","invoiceDate":"2026-12-14"}"#),
                    ("/contracts/oasis-contract/scheduled-payments", payments, #"{"period":\#(number)}"#),
                ]
                for (path, token, body) in bodies {
                    let answer = try await client.send(.post, path, token: token, json: body)
                    #expect([400, 422].contains(answer.status), "POST \(path) \(number): \(answer.text)")
                    #expect(answer.problemFields == ["period"], "POST \(path) \(number): \(answer.text)")
                }
                let health = try await client.send(.get, "/health")
                #expect(health.status == 200, "the server answers after period \(number)")
            }
            #expect(try test.head() == before, "nothing was written")
            // The last period itself is served, with dates of four-digit years.
            let last = test.portal.configuration.calendar.lastPeriod
            let answer = try await client.send(.get, "/services/oasis-hs/periods/\(last)/actuals", token: provider)
            #expect(answer.status == 200, "\(answer.text)")
            #expect((answer.json?["lastDay"] as? String)?.hasPrefix("9999-") == true, "\(answer.text)")
        }
    }

    @Test("Weeks past 9999-12-20 answer 422 naming week, in the path and in a JSON body")
    func weeksPastTheRange() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let provider = try await client.token("super-user-actuals@oasis")
            let path = try await client.send(.get, "/services/oasis-hs/weeks/9999-12-27/actuals", token: provider)
            #expect(path.status == 422, "\(path.text)")
            #expect(path.problemFields == ["week"])
            let edit = try await client.send(.patch, "/services/oasis-hs/weeks/9999-12-20/actuals/cpli-oasis-1", token: provider,
                                             json: #"{"actual":"1","comment":"x"}"#, headers: ["If-Match": "*"])
            #expect(edit.status == 422, "\(edit.text)")
            #expect(edit.problemFields == ["week"], "\(edit.text)")
        }
    }

    @Test("R-ACC: empty, blank, control-character, 10 kB emails and empty or 10 kB passwords answer 422 naming the field, never 500")
    func loginInput() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let long = String(repeating: "a", count: 10_000) + "@example.org"
            let cases: [(String, String, String)] = [
                ("", "Portal-demo-2026", "email"), (" ", "Portal-demo-2026", "email"), ("\\t", "Portal-demo-2026", "email"),
                ("\\n", "x", "email"), (long, "Portal-demo-2026", "email"), ("a\\u0000b@example.org", "x", "email"),
                ("someone@example.org", "", "password"), ("someone@example.org", String(repeating: "p", count: 10_000), "password"),
            ]
            for (email, password, field) in cases {
                let answer = try await client.send(.post, "/auth/login", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
                #expect(answer.status == 422, "\(email.prefix(20)): \(answer.status) \(answer.text.prefix(200))")
                #expect(answer.problemFields == [field], "\(email.prefix(20)): \(answer.text.prefix(200))")
            }
            let next = try await client.send(.get, "/health")
            #expect(next.status == 200)
        }
    }

    @Test("R-ACC: an unknown email, a locked and a suspended account each cost one bcrypt verification of the real accounts' cost, as a wrong password does")
    func loginCostsOneVerification() async throws {
        let clock = ManualClock(Date())
        let test = try await HTTPTestPortal.demo(clock: clock)
        let costs = Mutex<[UInt8]>([])
        test.portal.credentials.verificationObserver.withLock { $0 = { cost in costs.withLock { $0.append(cost) } } }
        try await test.run { client in
            func attempt(_ email: String, _ password: String) async throws -> (status: Int, costs: [UInt8]) {
                costs.withLock { $0 = [] }
                let answer = try await client.send(.post, "/auth/login", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
                return (answer.status, costs.withLock { $0 })
            }
            let real = test.login("super-user-actuals@oasis")
            let wrongPassword = try await attempt(real.email, "Not-the-password-1")
            #expect(wrongPassword.status == 401)
            #expect(wrongPassword.costs == [test.portal.credentials.bcryptCost])
            let unknown = try await attempt("nobody-\(UUID().uuidString)@example.org", "Not-the-password-1")
            #expect(unknown.status == 401)
            #expect(unknown.costs == wrongPassword.costs, "an unknown email costs what a wrong password costs")

            // Locked by three wrong passwords (R-ACC-4): the right password is refused, at the same cost.
            let victim = test.login("payments@oasis")
            for _ in 0..<3 { _ = try await attempt(victim.email, "Not-the-password-1") }
            let locked = try await attempt(victim.email, victim.password)
            #expect(locked.status == 403, "the account is locked")
            #expect(locked.costs == wrongPassword.costs, "a locked account costs what a wrong password costs")

            // Suspended after 60 days unused (R-ACC-6): refused at the same cost.
            clock.advance(by: 61 * 86_400)
            let suspended = try await test.portal.suspendUnusedAccounts()
            let sleeper = test.login("read-only@oasis")
            #expect(suspended.contains(sleeper.userID), "\(suspended)")
            let refused = try await attempt(sleeper.email, sleeper.password)
            #expect(refused.status == 403, "the account is suspended")
            #expect(refused.costs == wrongPassword.costs, "a suspended account costs what a wrong password costs")
        }
        // The application's one-step login spends the same for an unknown email.
        costs.withLock { $0 = [] }
        _ = await #expect(throws: PortalError.self) { try await test.portal.logIn(username: "nobody@example.org", password: "x", passcode: String?.none) }
        #expect(costs.withLock { $0 } == [test.portal.credentials.bcryptCost])
    }

    @Test("Every response carries nosniff, no-store, Referrer-Policy and a Content-Security-Policy: answers, problems, unknown routes")
    func securityHeaders() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let token = try await client.token("team:payments")
            let answers = [
                try await client.send(.get, "/health"),
                try await client.send(.get, "/invoices", token: token),
                try await client.send(.get, "/invoices"),
                try await client.send(.get, "/no-such-route", token: token),
                try await client.send(.post, "/auth/login", json: "{"),
                try await client.send(.get, "/services/oasis-hs/periods/\(Self.hugePeriod)/actuals", token: token),
            ]
            for answer in answers {
                #expect(answer.headers[.xContentTypeOptions] == "nosniff", "\(answer.status) \(answer.text.prefix(80))")
                #expect(answer.headers[.cacheControl] == "no-store")
                #expect(answer.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin")
                let policy = answer.headers[.contentSecurityPolicy] ?? ""
                #expect(policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'") && policy.contains("form-action 'self'"))
            }
        }
    }

    @Test("Exports: comments and names that start a formula open as text in the period's actuals CSV and the CPLI CSV (checked on the bytes)")
    func exportsNeutraliseFormulas() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let provider = try await client.token("super-user-actuals@oasis")
            let (week, period) = RouteTour.openWeek(test)
            let monday = try #require(BusinessDate(iso8601: week))
            let weeks = (0..<4).map { monday.adding(days: 7 * $0).iso8601 }
            func edit(_ week: String, _ comment: String) async throws {
                let answer = try await client.send(.patch, "/services/oasis-hs/weeks/\(week)/actuals/cpli-oasis-1", token: provider,
                                                   json: #"{"actual":"1.5","comment":"\#(comment)"}"#, headers: ["If-Match": "*"])
                #expect(answer.status == 200, "\(comment): \(answer.text)")
            }
            func exported() async throws -> [String] {
                let csv = try await client.send(.get, "/services/oasis-hs/periods/\(period)/actuals/csv", token: provider)
                #expect(csv.status == 200)
                return csv.text.components(separatedBy: "\r\n")
            }
            func expectComment(_ rows: [String], _ week: String, _ expected: String) throws {
                let row = try #require(rows.first { $0.hasPrefix("oasis-hs,cpli-oasis-1,") && $0.contains(",\(week),") }, "\(rows)")
                #expect(row.hasSuffix("," + expected + ","), "the comment, then an empty aborted_visits: \(row)")
                #expect(row.contains(",1.5000,"), "quantities stay numbers: \(row)")
            }
            let comments = ["=1+1", "+SUM(A1)", "-2", "@x"]
            for (week, comment) in zip(weeks, comments) { try await edit(week, comment) }
            let rows = try await exported()
            for (week, comment) in zip(weeks, comments) { try expectComment(rows, week, "'" + comment) }
            // A tab before the formula: trimmed at input like all text, and what is left opens as text.
            try await edit(weeks[0], "\\t=1")
            try expectComment(try await exported(), weeks[0], "'=1")

            let brokerage = try await client.token("team:service-brokerage")
            let published = try await client.send(.post, "/contract-documents", token: brokerage, json: #"""
                {"isoID":"iso-formula","organisationID":"oasis","serviceID":"oasis-hs","clientReference":"-2","clientName":"=1+1","cplis":[{"cpliID":"cpli-formula","serviceType":"home-support-contract-rate","unit":"hours","plannedPerWeek":"7.5","rate":"19.25","startDate":"2026-04-06"}]}
                """#)
            #expect(published.status == 201, "\(published.text)")
            let cplis = try await client.send(.get, "/cplis?format=csv", token: try await client.token("auditor"))
            let row = try #require(cplis.text.split(separator: "\n").first { $0.contains(",cpli-formula,") }, "\(cplis.text)")
            #expect(row.contains(",'-2,'=1+1,"), "\(row)")
        }
    }
}

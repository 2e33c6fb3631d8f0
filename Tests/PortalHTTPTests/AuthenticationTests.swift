import Chronology
import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import Testing

@Suite("Authentication over HTTP (R-ACC)")
struct AuthenticationTests {
    @Test("R-ACC-3: password, then passcode, then a bearer token that opens the API; a wrong passcode opens nothing")
    func twoStepLogin() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let login = test.login("super-user-actuals@oasis")
            let token = try await client.logIn(email: login.email, password: login.password, passcode: login.passcode)
            let session = try await client.send(.get, "/auth/session", token: token)
            #expect(session.status == 200)
            #expect(session.json?["actingAs"] as? String == "super-user-actuals@oasis")
            #expect(try await client.send(.get, "/organisations/oasis", token: token).status == 200)

            let first = try await client.send(.post, "/auth/login", json: #"{"email":"\#(login.email)","password":"\#(login.password)"}"#)
            let challenge = try #require(first.json?["challengeToken"] as? String)
            let wrong = try await client.send(.post, "/auth/login/passcode", json: #"{"challengeToken":"\#(challenge)","passcode":"246813"}"#)
            #expect(wrong.status == 401)
            #expect(wrong.json?["token"] == nil)
            // The challenge is used up by the failed attempt.
            let again = try await client.send(.post, "/auth/login/passcode", json: #"{"challengeToken":"\#(challenge)","passcode":"\#(login.passcode)"}"#)
            #expect(again.status == 401)
            // A made-up token opens nothing.
            #expect(try await client.send(.get, "/organisations/oasis", token: "not-a-token").status == 401)
            #expect(try await client.send(.get, "/organisations/oasis").status == 401)
        }
    }

    @Test("R-ACC-4: three wrong passwords in a row lock the account; the right password is then refused")
    func lockout() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let login = test.login("read-only@oasis")
            for attempt in 1...3 {
                let wrong = try await client.send(.post, "/auth/login", json: #"{"email":"\#(login.email)","password":"Wrong-password-99"}"#)
                // The third failure locks the account and says so.
                #expect(wrong.status == (attempt < 3 ? 401 : 403))
                #expect(!wrong.text.contains("Wrong-password-99"))
            }
            let right = try await client.send(.post, "/auth/login", json: #"{"email":"\#(login.email)","password":"\#(login.password)"}"#)
            #expect(right.status == 403)
            #expect(right.rule == "R-ACC-4")
        }
    }

    @Test("R-ACC-1: a first password must be changed before anything else; then the passcode is set and the API opens")
    func forcedFirstPasswordChange() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let helpdesk = try await client.token("team:helpdesk")
            let created = try await client.send(
                .post, "/organisations/oasis/contacts", token: helpdesk,
                json: #"{"userID":"oasis-new","requestID":"cr-new","person":{"forename":"New","surname":"Contact","email":"new@oasis.example"},"role":"read-only"}"#)
            #expect(created.status == 201)
            let accepted = try await client.send(.post, "/users/oasis-new/change-requests/cr-new/accept", token: helpdesk, headers: ["If-Match": created.etag ?? "*"])
            #expect(accepted.status == 200)
            let firstPassword = try #require(accepted.json?["firstPassword"] as? String)

            let login = try await client.send(.post, "/auth/login", json: #"{"email":"new@oasis.example","password":"\#(firstPassword)"}"#)
            #expect(login.status == 200)
            #expect(login.json?["mustChangePassword"] as? Bool == true)
            let token = try #require(login.json?["token"] as? String)
            let refused = try await client.send(.get, "/organisations/oasis", token: token)
            #expect(refused.status == 403)
            #expect(refused.rule == "R-ACC-1")

            let weak = try await client.send(.post, "/auth/password", token: token, json: #"{"currentPassword":"\#(firstPassword)","newPassword":"short1"}"#)
            #expect(weak.status == 422)
            #expect(weak.rule == "R-ACC-2")
            // The passcode comes after the password change.
            let passcodeFirst = try await client.send(.post, "/auth/passcode", token: token, json: #"{"passcode":"102938"}"#)
            #expect(passcodeFirst.status == 403)
            #expect(passcodeFirst.rule == "R-ACC-1")
            let changed = try await client.send(.post, "/auth/password", token: token, json: #"{"currentPassword":"\#(firstPassword)","newPassword":"Brand-new-2027"}"#)
            #expect(changed.status == 200)
            // The password alone is not enough: with no passcode yet the session still opens nothing (R-ACC-3).
            let noPasscode = try await client.send(.get, "/organisations/oasis", token: token)
            #expect(noPasscode.status == 403)
            #expect(noPasscode.rule == "R-ACC-3")
            #expect(noPasscode.json?["type"] as? String == "urn:portal:problem:passcode-required")
            let pending = try await client.send(.get, "/auth/session", token: token)
            #expect(pending.status == 200)
            #expect(pending.json?["pendingRule"] as? String == "R-ACC-3")
            let runOfFour = try await client.send(.post, "/auth/passcode", token: token, json: #"{"passcode":"123456"}"#)
            #expect(runOfFour.status == 422)
            #expect(runOfFour.rule == "R-ACC-3")
            #expect(try await client.send(.post, "/auth/passcode", token: token, json: #"{"passcode":"102938"}"#).status == 200)
            #expect(try await client.send(.get, "/organisations/oasis", token: token).status == 200)
            #expect(try await client.send(.get, "/auth/session", token: token).json?["pendingRule"] == nil)
            // From now on the login has two steps.
            #expect(try await client.logIn(email: "new@oasis.example", password: "Brand-new-2027", passcode: "102938").isEmpty == false)
        }
    }

    @Test("R-ACC-3: a session with no passcode yet may only change the password, set the passcode, read itself and log out; every other route is 403 naming R-ACC-3 and writes nothing")
    func noPasscodeNoAccess() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let facts = try await RouteTour.prepare(test, client)
            let helpdesk = try await client.token("team:helpdesk")
            let created = try await client.send(
                .post, "/organisations/oasis/contacts", token: helpdesk,
                json: #"{"userID":"oasis-fresh","requestID":"cr-fresh","person":{"forename":"Fresh","surname":"Contact","email":"fresh@oasis.example"},"role":"super-user-scheduled"}"#)
            try #require(created.status == 201, "\(created.text)")
            let accepted = try await client.send(.post, "/users/oasis-fresh/change-requests/cr-fresh/accept", token: helpdesk, headers: ["If-Match": "*"])
            let firstPassword = try #require(accepted.json?["firstPassword"] as? String)
            // The first login of a user with no passcode gives a session at the password step.
            let login = try await client.send(.post, "/auth/login", json: #"{"email":"fresh@oasis.example","password":"\#(firstPassword)"}"#)
            #expect(login.json?["next"] as? String == "session")
            #expect(login.json?["mustSetPasscode"] as? Bool == true)
            let token = try #require(login.json?["token"] as? String)
            let changed = try await client.send(.post, "/auth/password", token: token,
                                                json: #"{"currentPassword":"\#(firstPassword)","newPassword":"Fresh-start-2028"}"#)
            try #require(changed.status == 200, "\(changed.text)")
            for route in RouteTour.cases(test, facts) where !["/health", "/metrics", "/openapi.yaml", "/auth/session"].contains(route.route) {
                let before = try test.head()
                var headers: [String: String] = route.changes ? ["If-Match": "*"] : [:]
                let body = route.body(90)
                if body != nil { headers["Content-Type"] = route.contentType }
                let answer = try await client.send(route.method, route.path, token: token, body: body.map { Data($0.utf8) }, headers: headers)
                #expect(answer.status == 403, "\(route.method) \(route.path): \(answer.status) \(answer.text.prefix(200))")
                #expect(answer.rule == "R-ACC-3", "\(route.method) \(route.path): \(answer.text.prefix(200))")
                #expect(try test.head() == before, "\(route.method) \(route.path) wrote for a session with no passcode")
            }
            #expect(try await client.send(.get, "/auth/session", token: token).json?["pendingRule"] as? String == "R-ACC-3")
            #expect(try await client.send(.get, "/health", token: token).status == 200)
            // Logging out ends even a session that may do nothing else.
            #expect(try await client.send(.post, "/auth/logout", token: token).status == 204)
            #expect(try await client.send(.get, "/auth/session", token: token).status == 401)
        }
    }

    @Test("R-CON-2: accepting a role removal ends the contact's session at once")
    func roleRemovalEndsSessions() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let contact = try await client.token("reports@oasis")
            #expect(try await client.send(.get, "/organisations/oasis", token: contact).status == 200)
            let superUser = try await client.token("super-user-actuals@oasis")
            let path = "/users/oasis-reports"
            let requested = try await client.send(.post, "\(path)/role-removals", token: superUser, json: #"{"requestID":"rm-1"}"#,
                                                  headers: ["If-Match": try await client.etag(path)])
            #expect(requested.status == 200)
            // Still working until the helpdesk accepts.
            #expect(try await client.send(.get, "/organisations/oasis", token: contact).status == 200)
            let accepted = try await client.send(.post, "\(path)/change-requests/rm-1/accept", token: try await client.token("team:helpdesk"),
                                                 headers: ["If-Match": try await client.etag(path)])
            #expect(accepted.status == 200)
            let ended = try await client.send(.get, "/organisations/oasis", token: contact)
            #expect(ended.status == 401)
            let login = test.login("reports@oasis")
            let again = try await client.send(.post, "/auth/login", json: #"{"email":"\#(login.email)","password":"\#(login.password)"}"#)
            #expect(again.status == 403)
            #expect(again.rule == "R-CON-2")
        }
    }

    @Test("R-ACC-7: no password, passcode or token reaches a log line, and the session store keeps only the token's hash")
    func secretsStayOutOfLogs() async throws {
        let test = try await HTTPTestPortal.demo()
        let captured = CapturedLog()
        let token = try await test.run(logger: captured.logger()) { client in
            let login = test.login("payments@oasis")
            let token = try await client.logIn(email: login.email, password: login.password, passcode: login.passcode)
            _ = try await client.send(.get, "/organisations/oasis", token: token)
            _ = try await client.send(.post, "/auth/password", token: token,
                                      json: #"{"currentPassword":"\#(login.password)","newPassword":"Another-pass-2031"}"#)
            _ = try await client.send(.post, "/auth/login", json: #"{"email":"\#(login.email)","password":"Wrong-secret-77"}"#)
            return token
        }
        let text = captured.text
        #expect(text.contains("logged in"), "the capture saw the server's log lines")
        for secret in [DemoCouncil.password, DemoCouncil.passcode, "Another-pass-2031", "Wrong-secret-77", token] {
            #expect(!text.contains(secret), "a secret reached a log line")
        }
        let stored = try Data(contentsOf: test.folder.appendingPathComponent("sessions/data.mdb"))
        #expect(stored.range(of: Data(token.utf8)) == nil, "the bearer token is stored in clear")
        #expect(stored.range(of: Data(DemoCouncil.password.utf8)) == nil)
        let log = try Data(contentsOf: test.folder.appendingPathComponent("log/data.mdb"))
        #expect(log.range(of: Data(DemoCouncil.passcode.utf8)) == nil)
        #expect(log.range(of: Data("Another-pass-2031".utf8)) == nil)
    }
}

@Suite("R-ACC-7 over HTTP: first passwords are never kept")
struct FirstPasswordStorageTests {
    /// Every file of the session store, read whole.
    static func sessionStoreFiles(_ test: HTTPTestPortal) throws -> [(String, Data)] {
        let folder = test.folder.appendingPathComponent("sessions")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { name in
            (name, try Data(contentsOf: folder.appendingPathComponent(name)))
        }
    }

    /// Whether `bytes` hold `secret` in clear or base64-encoded at any alignment (stored responses keep their
    /// body as JSON `Data`, which is base64).
    static func holds(_ bytes: Data, _ secret: String) -> Bool {
        if bytes.range(of: Data(secret.utf8)) != nil { return true }
        for shift in 0..<3 {
            var encoded = (Data(repeating: 0, count: shift) + Data(secret.utf8)).base64EncodedString()
            // Drop the groups that depend on the bytes before and after the secret.
            if shift > 0 { encoded.removeFirst(4) }
            if (shift + secret.utf8.count) % 3 != 0 { encoded.removeLast(4) }
            if encoded.count >= 8, bytes.range(of: Data(encoded.utf8)) != nil { return true }
        }
        return false
    }

    @Test("R-ACC-7: first passwords answered with an Idempotency-Key (contact accepted, staff and auditor registered, password reset) are in no file of the session store, nor in the log, and a replay does not show them again")
    func firstPasswordsAreNotStored() async throws {
        let test = try await HTTPTestPortal.demo()
        let passwords = try await test.run { client -> [String] in
            let helpdesk = try await client.token("team:helpdesk")
            var passwords: [String] = []
            let created = try await client.send(
                .post, "/organisations/oasis/contacts", token: helpdesk,
                json: #"{"userID":"oasis-kept","requestID":"cr-kept","person":{"forename":"Kept","surname":"Contact","email":"kept@oasis.example"},"role":"reports"}"#)
            try #require(created.status == 201, "\(created.text)")
            let acceptPath = "/users/oasis-kept/change-requests/cr-kept/accept"
            let accepted = try await client.send(.post, acceptPath, token: helpdesk, headers: ["If-Match": "*", "Idempotency-Key": "accept-kept-1"])
            try #require(accepted.status == 200, "\(accepted.text)")
            passwords.append(try #require(accepted.json?["firstPassword"] as? String))
            // The retry is recognised (nothing written) but the password is not shown twice.
            let head = try test.head()
            let replay = try await client.send(.post, acceptPath, token: helpdesk, headers: ["If-Match": "*", "Idempotency-Key": "accept-kept-1"])
            #expect(replay.status == 200, "\(replay.text)")
            #expect(replay.json?["firstPassword"] == nil || replay.json?["firstPassword"] is NSNull)
            #expect(try test.head() == head)
            let staff = try await client.send(.post, "/council-users", token: helpdesk, json:
                #"{"userID":"staff-kept","person":{"forename":"S","surname":"Kept","email":"staff-kept@council.example"},"team":"billing"}"#,
                headers: ["Idempotency-Key": "staff-kept-1"])
            passwords.append(try #require(staff.json?["firstPassword"] as? String, "\(staff.text)"))
            let auditor = try await client.send(.post, "/auditors", token: helpdesk, json:
                #"{"userID":"aud-kept","person":{"forename":"A","surname":"Kept","email":"aud-kept@council.example"}}"#,
                headers: ["Idempotency-Key": "aud-kept-1"])
            passwords.append(try #require(auditor.json?["firstPassword"] as? String, "\(auditor.text)"))
            let reset = try await client.send(.post, "/users/oasis-kept/password-reset", token: helpdesk,
                                              headers: ["If-Match": "*", "Idempotency-Key": "reset-kept-1"])
            passwords.append(try #require(reset.json?["firstPassword"] as? String, "\(reset.text)"))
            // An ordinary write with a key is kept (the store works), so its absence above is the rule.
            let kept = try await client.send(.post, "/organisations/oasis/change-requests", token: try await client.token("super-user-actuals@oasis"),
                                             json: #"{"requestID":"cr-keep-me","details":\#(RouteTour.details)}"#,
                                             headers: ["If-Match": "*", "Idempotency-Key": "details-kept-1"])
            #expect(kept.status == 200)
            return passwords
        }
        #expect(passwords.count == 4)
        let files = try Self.sessionStoreFiles(test)
        #expect(files.contains { $0.0 == "data.mdb" })
        #expect(files.contains { Self.holds($0.1, "cr-keep-me-and-more") == false && Self.holds($0.1, #""requestID":"cr-keep-me""#) },
                "the scan finds the ordinary answer that was kept")
        let helpdesk = "team:helpdesk|council-helpdesk"
        for key in ["accept-kept-1", "staff-kept-1", "aud-kept-1", "reset-kept-1"] {
            #expect(try test.sessions.storedResponse(actor: helpdesk, idempotencyKey: key) == nil, "\(key) was kept")
        }
        #expect(try test.sessions.storedResponse(actor: "super-user-actuals@oasis|oasis-super-user-actuals", idempotencyKey: "details-kept-1") != nil)
        for password in passwords {
            for (name, bytes) in files {
                #expect(!Self.holds(bytes, password), "a first password is in sessions/\(name)")
            }
            let log = try Data(contentsOf: test.folder.appendingPathComponent("log/data.mdb"))
            #expect(log.range(of: Data(password.utf8)) == nil, "a first password is in the log")
        }
    }
}

@Suite("R-ACC over time: token, challenge and password expiry, suspension, wrong passcodes")
struct AccountTimeTests {
    /// A demo portal on a clock the test moves, starting now.
    static func portal() async throws -> (HTTPTestPortal, ManualClock) {
        let clock = ManualClock(Date())
        return (try await HTTPTestPortal.demo(clock: clock), clock)
    }

    @Test("A bearer token works until its 8 hours are up, then is 401; a passcode challenge lives 5 minutes")
    func tokenAndChallengeExpiry() async throws {
        let (test, clock) = try await Self.portal()
        try await test.run { client in
            let login = test.login("read-only@oasis")
            let token = try await client.logIn(email: login.email, password: login.password, passcode: login.passcode)
            clock.advance(by: 8 * 3600 - 60)
            #expect(try await client.send(.get, "/organisations/oasis", token: token).status == 200)
            clock.advance(by: 120)
            let expired = try await client.send(.get, "/organisations/oasis", token: token)
            #expect(expired.status == 401)
            #expect(expired.headers[HTTPField.Name("WWW-Authenticate")!] != nil)
            #expect(try await client.send(.get, "/auth/session", token: token).status == 401)

            let first = try await client.send(.post, "/auth/login", json: #"{"email":"\#(login.email)","password":"\#(login.password)"}"#)
            let challenge = try #require(first.json?["challengeToken"] as? String)
            clock.advance(by: 301)
            let late = try await client.send(.post, "/auth/login/passcode", json: #"{"challengeToken":"\#(challenge)","passcode":"\#(login.passcode)"}"#)
            #expect(late.status == 401)
            #expect(late.json?["token"] == nil)
        }
    }

    @Test("R-ACC-5: twelve months after it was set the password has expired: the session is 403 naming R-ACC-5 until the user chooses a new one, then everything opens")
    func passwordExpiry() async throws {
        let (test, clock) = try await Self.portal()
        try await test.run { client in
            let login = test.login("read-only@oasis")
            // Used every 55 days (never suspended, R-ACC-6) until the password is 385 days old.
            var token = ""
            for round in 1...7 {
                clock.advance(by: 55 * 86_400)
                token = try await client.logIn(email: login.email, password: login.password, passcode: login.passcode)
                if round < 7 { #expect(try await client.send(.get, "/organisations/oasis", token: token).status == 200, "round \(round)") }
            }
            let refused = try await client.send(.get, "/organisations/oasis", token: token)
            #expect(refused.status == 403)
            #expect(refused.rule == "R-ACC-5")
            #expect(try await client.send(.get, "/auth/session", token: token).json?["pendingRule"] as? String == "R-ACC-5")
            #expect(try await client.send(.post, "/auth/passcode", token: token, json: #"{"passcode":"192837"}"#).rule == "R-ACC-5")
            let same = try await client.send(.post, "/auth/password", token: token,
                                             json: #"{"currentPassword":"\#(login.password)","newPassword":"\#(login.password)"}"#)
            #expect(same.status == 422, "the new password must differ: \(same.text)")
            let changed = try await client.send(.post, "/auth/password", token: token,
                                                json: #"{"currentPassword":"\#(login.password)","newPassword":"Renewed-pass-2028"}"#)
            #expect(changed.status == 200, "\(changed.text)")
            #expect(try await client.send(.get, "/organisations/oasis", token: token).status == 200)
            #expect(try await client.logIn(email: login.email, password: "Renewed-pass-2028", passcode: login.passcode).isEmpty == false)
        }
    }

    @Test("R-ACC-6: an account unused for 60 days is refused at login (403 naming R-ACC-6) until the helpdesk reactivates it")
    func suspension() async throws {
        let (test, clock) = try await Self.portal()
        try await test.run { client in
            let helpdesk = test.login("team:helpdesk")
            let contact = test.login("reports@oasis")
            clock.advance(by: 30 * 86_400)
            _ = try await client.logIn(email: helpdesk.email, password: helpdesk.password, passcode: helpdesk.passcode)
            clock.advance(by: 31 * 86_400)
            let refused = try await client.send(.post, "/auth/login", json: #"{"email":"\#(contact.email)","password":"\#(contact.password)"}"#)
            #expect(refused.status == 403)
            #expect(refused.rule == "R-ACC-6")
            #expect(refused.json?["token"] == nil && refused.json?["challengeToken"] == nil)
            let again = try await client.send(.post, "/auth/login", json: #"{"email":"\#(contact.email)","password":"\#(contact.password)"}"#)
            #expect(again.rule == "R-ACC-6", "still suspended")

            let desk = try await client.logIn(email: helpdesk.email, password: helpdesk.password, passcode: helpdesk.passcode)
            let account = try await client.send(.get, "/users/oasis-reports", token: desk)
            #expect((account.json?["security"] as? [String: Any])?["isSuspended"] as? Bool == true)
            let reactivated = try await client.send(.post, "/users/oasis-reports/reactivation", token: desk, headers: ["If-Match": try #require(account.etag)])
            #expect(reactivated.status == 200, "\(reactivated.text)")
            #expect((reactivated.json?["security"] as? [String: Any])?["isSuspended"] as? Bool == false)
            let token = try await client.logIn(email: contact.email, password: contact.password, passcode: contact.passcode)
            #expect(try await client.send(.get, "/organisations/oasis", token: token).status == 200)
        }
    }

    @Test("R-ACC-4: a wrong passcode counts as a failed login: wrong passwords and wrong passcodes, three in a row, lock the account; a successful login resets the count")
    func wrongPasscodesCount() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let login = test.login("invoice-only@oasis")
            func passcodeAttempt(_ passcode: String) async throws -> APIClient.Answer {
                let first = try await client.send(.post, "/auth/login", json: #"{"email":"\#(login.email)","password":"\#(login.password)"}"#)
                let challenge = try #require(first.json?["challengeToken"] as? String, "\(first.text)")
                return try await client.send(.post, "/auth/login/passcode", json: #"{"challengeToken":"\#(challenge)","passcode":"\#(passcode)"}"#)
            }
            // Two failures, then a success: the count starts again.
            #expect(try await passcodeAttempt("975310").status == 401)
            #expect(try await client.send(.post, "/auth/login", json: #"{"email":"\#(login.email)","password":"Wrong-pass-123"}"#).status == 401)
            #expect(try await passcodeAttempt(login.passcode).status == 200)
            // A wrong password and two wrong passcodes in a row lock the account.
            #expect(try await client.send(.post, "/auth/login", json: #"{"email":"\#(login.email)","password":"Wrong-pass-123"}"#).status == 401)
            let second = try await passcodeAttempt("975310")
            #expect(second.status == 401)
            let wrongPassword = try await client.send(.post, "/auth/login", json: #"{"email":"nobody@oasis.example","password":"Wrong-pass-123"}"#)
            #expect(second.json?["detail"] as? String == wrongPassword.json?["detail"] as? String, "the answer never says which secret was wrong")
            let third = try await passcodeAttempt("975310")
            #expect(third.status == 403)
            #expect(third.rule == "R-ACC-4")
            let locked = try await client.send(.post, "/auth/login", json: #"{"email":"\#(login.email)","password":"\#(login.password)"}"#)
            #expect(locked.status == 403)
            #expect(locked.rule == "R-ACC-4")
            let account = try await client.send(.get, "/users/oasis-invoice-only", token: try await client.token("team:helpdesk"))
            #expect((account.json?["security"] as? [String: Any])?["isLocked"] as? Bool == true)
        }
    }
}

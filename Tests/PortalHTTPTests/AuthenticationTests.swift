import HTTPTypes
import Hummingbird
import Foundation
import PortalHTTP
import PortalDomain
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
            let changed = try await client.send(.post, "/auth/password", token: token, json: #"{"currentPassword":"\#(firstPassword)","newPassword":"Brand-new-2027"}"#)
            #expect(changed.status == 200)
            let runOfFour = try await client.send(.post, "/auth/passcode", token: token, json: #"{"passcode":"123456"}"#)
            #expect(runOfFour.status == 422)
            #expect(runOfFour.rule == "R-ACC-3")
            #expect(try await client.send(.post, "/auth/passcode", token: token, json: #"{"passcode":"102938"}"#).status == 200)
            #expect(try await client.send(.get, "/organisations/oasis", token: token).status == 200)
            // From now on the login has two steps.
            #expect(try await client.logIn(email: "new@oasis.example", password: "Brand-new-2027", passcode: "102938").isEmpty == false)
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
        let log = try Data(contentsOf: test.folder.appendingPathComponent("log/data.mdb"))
        #expect(log.range(of: Data(DemoCouncil.passcode.utf8)) == nil)
        #expect(log.range(of: Data("Another-pass-2031".utf8)) == nil)
    }
}

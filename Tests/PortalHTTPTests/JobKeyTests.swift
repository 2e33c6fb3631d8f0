import Chronology
import Crypto
import Foundation
import HTTPTypes
import PortalApplication
import PortalDomain
import PortalHTTP
import Synchronization
import Testing

/// Machine accounts over HTTP: `X-API-Key` from the helpdesk, read-only within the key's scope, never a login,
/// every use logged as `job:<name>`.
@Suite("Job keys over HTTP")
struct JobKeyTests {
    /// Issues a key as the helpdesk; returns the key and its id.
    static func issue(_ client: APIClient, job: String, scope: String, expiresOn: BusinessDate) async throws -> (key: String, id: String) {
        let answer = try await client.send(.post, "/job-keys", token: try await client.token("team:helpdesk"),
                                           json: #"{"job":"\#(job)","scope":"\#(scope)","expiresOn":"\#(expiresOn.iso8601)"}"#)
        try #require(answer.status == 201, "\(answer.text)")
        let key = try #require(answer.json?["key"] as? String)
        let id = try #require((answer.json?["jobKey"] as? [String: any Sendable])?["keyID"] as? String)
        return (key, id)
    }

    @Test("a cron job lists the payment runs and fetches each remittance with one remittances:regenerate key; each CSV hashes to the SHA-256 the run recorded (R-PAY-3); every use is logged as job:<name>")
    func cronFetchesRemittances() async throws {
        let test = try await HTTPTestPortal.demo(invoices: true)
        let captured = CapturedLog()
        let key = try await test.run(logger: captured.logger()) { client in
            let today = test.portal.context(for: .system(job: "test")).today
            let (key, _) = try await Self.issue(client, job: "nightly-remittances", scope: "remittances:regenerate", expiresOn: today.adding(days: 30))
            let headers = ["X-API-Key": key]
            let runs = try await client.send(.get, "/payment-runs", headers: headers)
            #expect(runs.status == 200, "\(runs.text)")
            let ids = try #require(runs.array?.compactMap { $0["paymentRunID"] as? String })
            #expect(ids.contains(DemoCouncil.paymentRun.rawValue))
            var fetched = 0
            for id in ids {
                let run = try await client.send(.get, "/payment-runs/\(id)", headers: headers)
                #expect(run.status == 200, "\(run.text)")
                for remittance in (run.json?["remittances"] as? [[String: any Sendable]]) ?? [] {
                    let organisation = try #require(remittance["organisationID"] as? String)
                    let csv = try await client.send(.get, "/payment-runs/\(id)/remittances/\(organisation)/csv", headers: headers)
                    #expect(csv.status == 200)
                    let digest = SHA256.hash(data: csv.body).map { String(format: "%02x", $0) }.joined()
                    #expect(digest == remittance["csvSHA256"] as? String)
                    fetched += 1
                }
            }
            #expect(fetched >= 1)
            let byOrganisation = try await client.send(.get, "/organisations/oasis/remittances", headers: headers)
            #expect(byOrganisation.status == 200)
            return key
        }
        let lines = captured.lines.withLock { $0 }.filter { $0.contains("job request") }
        #expect(lines.count >= 4)
        #expect(lines.allSatisfy { $0.contains("job:nightly-remittances") && $0.contains("remittances:regenerate") })
        #expect(!captured.text.contains(key) && !captured.text.contains(String(key.suffix(64))), "the key never reaches a log line")
    }

    @Test("a key reads only within its scope and never writes: 403 naming the scope; reporting:read reads the council's lists but not accounts")
    func scope() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let today = test.portal.context(for: .system(job: "test")).today
            let remittances = try await Self.issue(client, job: "remit", scope: "remittances:regenerate", expiresOn: today.adding(days: 30)).key
            let reports = try await Self.issue(client, job: "reports", scope: "reporting:read", expiresOn: today.adding(days: 30)).key
            let before = try test.head()
            let invoices = try await client.send(.get, "/invoices", headers: ["X-API-Key": remittances])
            #expect(invoices.status == 403 && invoices.text.contains("remittances:regenerate"), "\(invoices.text)")
            #expect(try await client.send(.get, "/invoices", headers: ["X-API-Key": reports]).status == 200)
            #expect(try await client.send(.get, "/contract-documents", headers: ["X-API-Key": reports]).status == 200)
            #expect(try await client.send(.get, "/organisations/oasis/contacts", headers: ["X-API-Key": reports]).status == 403)
            #expect(try await client.send(.get, "/council-users", headers: ["X-API-Key": reports]).status == 403)
            #expect(try await client.send(.get, "/job-keys", headers: ["X-API-Key": reports]).status == 403)
            let write = try await client.send(.post, "/organisations", json: #"{"organisationID":"by-job","details":\#(RouteTour.details)}"#,
                                              headers: ["X-API-Key": reports])
            #expect(write.status == 403)
            #expect(try test.head() == before, "a job wrote to the log")
        }
    }

    @Test("a key is never a person's login: not as a bearer token, not as a password; a session token is not a key; both headers at once are refused")
    func neverALogin() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let today = test.portal.context(for: .system(job: "test")).today
            let (key, _) = try await Self.issue(client, job: "reports", scope: "reporting:read", expiresOn: today.adding(days: 30))
            #expect(try await client.send(.get, "/invoices", token: key).status == 401)
            let login = try await client.send(.post, "/auth/login", json: #"{"email":"reports","password":"\#(key)"}"#)
            #expect(login.status == 401)
            let session = try await client.token("auditor")
            #expect(try await client.send(.get, "/invoices", headers: ["X-API-Key": session]).status == 401)
            #expect(try await client.send(.get, "/auth/session", headers: ["X-API-Key": key]).status == 403)
            let both = try await client.send(.get, "/invoices", token: session, headers: ["X-API-Key": key])
            #expect(both.status == 400 && both.problemFields == ["X-API-Key"])
        }
    }

    @Test("the key is shown once: a retried issue (same Idempotency-Key) answers without it; revoked or expired keys are refused (401)")
    func shownOnceAndRevoked() async throws {
        let clock = ManualClock(Timestamp(iso8601: "2026-11-25T10:00:00Z")!)
        let test = try await HTTPTestPortal.demo(clock: clock)
        try await test.run { client in
            let helpdesk = try await client.token("team:helpdesk")
            let body = #"{"job":"exports","scope":"reporting:read","expiresOn":"2026-11-30","purpose":"weekly export"}"#
            let first = try await client.send(.post, "/job-keys", token: helpdesk, json: body, headers: ["Idempotency-Key": "k-1"])
            let key = try #require(first.json?["key"] as? String)
            let again = try await client.send(.post, "/job-keys", token: helpdesk, json: body, headers: ["Idempotency-Key": "k-1"])
            #expect(again.status == 201 && again.json?["key"] == nil && !again.text.contains(key), "\(again.text)")
            let id = try #require((first.json?["jobKey"] as? [String: any Sendable])?["keyID"] as? String)
            #expect(try await client.send(.get, "/cplis", headers: ["X-API-Key": key]).status == 200)
            let listed = try await client.send(.get, "/job-keys", token: try await client.token("auditor"))
            #expect(listed.array?.count == 1 && !listed.text.contains(key))

            let revoked = try await client.send(.post, "/job-keys/\(id)/revocation", token: helpdesk, json: #"{"reason":"server retired"}"#,
                                                headers: ["If-Match": "*"])
            #expect(revoked.status == 200 && revoked.json?["status"] as? String == "revoked", "\(revoked.text)")
            let refused = try await client.send(.get, "/cplis", headers: ["X-API-Key": key])
            #expect(refused.status == 401 && refused.text.contains("revoked"), "\(refused.text)")

            let later = try await client.send(.post, "/job-keys", token: helpdesk, json: body.replacingOccurrences(of: "exports", with: "exports-2"))
            let laterKey = try #require(later.json?["key"] as? String, "\(later.text)")
            #expect(try await client.send(.get, "/cplis", headers: ["X-API-Key": laterKey]).status == 200)
            clock.set(Timestamp(iso8601: "2026-12-01T10:00:00Z")!.date)
            let expired = try await client.send(.get, "/cplis", headers: ["X-API-Key": laterKey])
            #expect(expired.status == 401 && expired.text.contains("expired on 2026-11-30"), "\(expired.text)")
        }
    }
}

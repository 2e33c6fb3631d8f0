import Crypto
import Foundation
import Testing

/// A job's machine account against the real `portal serve`, over a real socket, as a council's cron job would
/// use it.
@Suite("A cron job with an API key (real server)")
struct CronJobTests {
    @Test("with one remittances:regenerate key and no login, a cron job lists the payment runs and fetches every remittance CSV, each matching the SHA-256 its run recorded (R-PAY-3); the server's log names the job")
    func cronFetchesRemittances() async throws {
        let server = try RunningServer()
        let helpdesk = try await server.logIn("helpdesk@council.example")
        let expiry = ISO8601DateFormatter.string(from: Date().addingTimeInterval(30 * 86_400), timeZone: TimeZone(identifier: "UTC")!,
                                                 formatOptions: [.withFullDate])
        let issued = try await server.send("POST", "/job-keys", token: helpdesk,
                                           body: #"{"job":"finance-remittances","scope":"remittances:regenerate","expiresOn":"\#(expiry)"}"#)
        #expect(issued.status == 201, "\(issued.text)")
        let key = try #require(issued.json?["key"] as? String)

        let runs = try #require(try await server.send("GET", "/payment-runs", headers: ["X-API-Key": key]).array)
        #expect(!runs.isEmpty)
        var fetched = 0
        for run in runs {
            let id = try #require(run["paymentRunID"] as? String)
            let detail = try #require(try await server.send("GET", "/payment-runs/\(id)", headers: ["X-API-Key": key]).json)
            for remittance in try #require(detail["remittances"] as? [[String: Any]]) {
                let organisation = try #require(remittance["organisationID"] as? String)
                let csv = try await server.send("GET", "/payment-runs/\(id)/remittances/\(organisation)/csv", headers: ["X-API-Key": key])
                #expect(csv.status == 200)
                #expect(SHA256.hash(data: csv.body).map { String(format: "%02x", $0) }.joined() == remittance["csvSHA256"] as? String)
                fetched += 1
            }
        }
        #expect(fetched >= 1)
        // The key does nothing else, and is no login.
        #expect(try await server.send("GET", "/invoices", headers: ["X-API-Key": key]).status == 403)
        #expect(try await server.send("GET", "/payment-runs", token: key).status == 401)
        let metrics = try await server.send("GET", "/metrics")
        #expect(metrics.text.contains("portal_job_requests_total{job=\"finance-remittances\",status=\"200\"}"), "\(metrics.text.prefix(300))")
    }
}

import Chronology
import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PortalApplication
import PortalAudit
import PortalDomain
import PortalHTTP
import PortalProjections
import Synchronization
import Testing

/// A portal with the demo council (two providers, staff of every team, an auditor, one contact per provider
/// role of `oasis`) on a real log, credential store and session store in a temporary folder, served
/// in-process through the real router.
final class HTTPTestPortal: @unchecked Sendable {
    let folder: URL
    let portal: Portal
    let sessions: SessionStore
    let api: PortalAPI
    var logins: [DemoLogin] = []

    let following: Task<Void, any Error>?

    /// `folder` is the data folder (a new one in the temporary folder by default), removed at the end.
    init(policy: PolicyProfile = .norfolk, maximumBodySize: Int? = nil, withReadModels: Bool = true, clock: ManualClock? = nil,
         metrics: PortalMetrics = .shared, folder: URL? = nil) throws {
        self.folder = folder ?? FileManager.default.temporaryDirectory.appendingPathComponent("portal-http-test-\(UUID().uuidString)")
        portal = try Portal.open(
            dataDirectory: self.folder,
            configuration: .init(policy: policy, calendar: try PeriodCalendar(anchor: BusinessDate(iso8601: "2026-04-06")!),
                                 time: clock.map { DeploymentTime(clock: $0) } ?? DeploymentTime()), bcryptCost: 4)
        sessions = try SessionStore(directory: self.folder.appendingPathComponent("sessions"), clock: portal.configuration.time.clock)
        var settings = PortalAPI.Settings()
        if let maximumBodySize { settings.maximumBodySize = maximumBodySize }
        var readModels: PortalReadModels?
        if withReadModels {
            let models = PortalReadModels(log: portal.log, dataFolder: self.folder)
            try models.open()
            readModels = models
            following = Task { try await models.engine.follow() }
        } else {
            following = nil
        }
        api = PortalAPI(portal: portal, sessions: sessions, readModels: readModels, metrics: metrics, settings: settings,
                        checkpointKey: try CheckpointSigningKey.ensure(in: self.folder))
    }

    deinit {
        following?.cancel()
        api.readModels?.close()
        sessions.close()
        portal.close()
        try? FileManager.default.removeItem(at: folder)
    }

    /// A test portal with the demo council seeded (few clients and only the first period's actuals, to stay
    /// quick; `invoices` seeds the whole history), served with its read models unless told otherwise.
    static func demo(clients: Int = 6, policy: PolicyProfile = .norfolk, maximumBodySize: Int? = nil, withReadModels: Bool = true,
                     clock: ManualClock? = nil, invoices: Bool = false, metrics: PortalMetrics = .shared, folder: URL? = nil) async throws -> HTTPTestPortal {
        let test = try HTTPTestPortal(policy: policy, maximumBodySize: maximumBodySize, withReadModels: withReadModels, clock: clock, metrics: metrics,
                                      folder: folder)
        test.logins = try await DemoCouncil.seed(test.portal, clients: clients, invoices: invoices)
        return test
    }

    /// The login acting as `actingAs` (`super-user-actuals@oasis`, `team:helpdesk`, `auditor`).
    func login(_ actingAs: String) -> DemoLogin {
        guard let login = logins.first(where: { $0.actingAs == actingAs }) else { fatalError("no demo login acts as \(actingAs)") }
        return login
    }

    func head() throws -> UInt64 { try portal.log.head().position }

    /// Runs `body` against the real router in-process (with the web pages added by `pages`).
    func run<T: Sendable>(logger: Logger? = nil, pages: (Router<PortalRequestContext>) -> Void = { _ in },
                          _ body: @Sendable (APIClient) async throws -> T) async throws -> T {
        let app = PortalServer.application(api, logger: logger ?? Logger(label: "portal.http.test", factory: { _ in SwiftLogNoOpLogHandler() }),
                                           pages: pages)
        return try await app.test(.router) { client in
            try await body(APIClient(client: client, portal: self))
        }
    }
}

/// One request and its response, for checks against the OpenAPI description.
struct Exchange: Codable, Sendable {
    var method: String
    var path: String
    var status: Int
    var contentType: String?
    var body: String
}

/// A client of the test server: sends requests, logs in by the two steps, records every exchange.
final class APIClient: Sendable {
    let client: any TestClientProtocol
    let portal: HTTPTestPortal
    private let tokens = Mutex<[String: String]>([:])
    let exchanges = Mutex<[Exchange]>([])

    init(client: any TestClientProtocol, portal: HTTPTestPortal) {
        self.client = client
        self.portal = portal
    }

    struct Answer: Sendable {
        var status: Int
        var headers: HTTPFields
        var body: Data

        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: any Sendable]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: any Sendable] }
        var array: [[String: any Sendable]]? { (try? JSONSerialization.jsonObject(with: body)) as? [[String: any Sendable]] }
        var etag: String? { headers[.eTag] }
        /// The `errors[].field` of a problem.
        var problemFields: [String] { (json?["errors"] as? [[String: any Sendable]])?.compactMap { $0["field"] as? String } ?? [] }
        var rule: String? { json?["rule"] as? String }
    }

    @discardableResult
    func send(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: String? = nil, body: Data? = nil,
              headers extra: [String: String] = [:]) async throws -> Answer {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        let bytes = json.map { ByteBuffer(string: $0) } ?? body.map { ByteBuffer(bytes: $0) }
        let response = try await client.executeRequest(uri: path, method: method, headers: headers, body: bytes)
        let answer = Answer(status: Int(response.status.code), headers: response.headers, body: Data(response.body.readableBytesView))
        exchanges.withLock {
            $0.append(Exchange(method: method.rawValue, path: path, status: answer.status, contentType: response.headers[.contentType], body: answer.text))
        }
        return answer
    }

    /// Logs in by the two steps with the demo password and passcode; tokens are kept per login.
    func token(_ actingAs: String) async throws -> String {
        if let token = tokens.withLock({ $0[actingAs] }) { return token }
        let login = portal.login(actingAs)
        let token = try await logIn(email: login.email, password: login.password, passcode: login.passcode)
        tokens.withLock { $0[actingAs] = token }
        return token
    }

    /// The two login steps; fails the test when either is refused.
    func logIn(email: String, password: String, passcode: String) async throws -> String {
        let first = try await send(.post, "/auth/login", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
        try #require(first.status == 200, "password step: \(first.text)")
        let challenge = try #require(first.json?["challengeToken"] as? String)
        let second = try await send(.post, "/auth/login/passcode", json: #"{"challengeToken":"\#(challenge)","passcode":"\#(passcode)"}"#)
        try #require(second.status == 200, "passcode step: \(second.text)")
        return try #require(second.json?["token"] as? String)
    }

    /// The current ETag of a resource, read as the auditor.
    func etag(_ path: String) async throws -> String {
        let answer = try await send(.get, path, token: try await token("auditor"))
        return try #require(answer.etag, "no ETag on GET \(path): \(answer.status) \(answer.text)")
    }
}

/// Log lines captured in memory (to check that no secret reaches them).
final class CapturedLog: Sendable {
    let lines = Mutex<[String]>([])

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    func logger() -> Logger {
        var logger = Logger(label: "portal.http.captured") { _ in CapturingHandler(log: self) }
        logger.logLevel = .trace
        return logger
    }

    struct CapturingHandler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            let merged = metadata.merging(explicit ?? [:]) { $1 }
            log.lines.withLock { $0.append("\(level) \(message) \(merged)") }
        }
    }
}

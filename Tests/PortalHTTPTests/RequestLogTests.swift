import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PortalApplication
import PortalHTTP
import Synchronization
import Testing

@Suite("The request line: method, route pattern, status, duration, request id and client; proxy headers only from a trusted proxy")
struct RequestLogTests {
    /// The request lines `test`'s router logs for `body`, served with `trustsProxy`.
    static func requestLines(trustsProxy: Bool, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws -> [String] {
        let test = try await HTTPTestPortal.demo(withReadModels: false)
        var settings = PortalAPI.Settings()
        settings.trustsProxy = trustsProxy
        let api = PortalAPI(portal: test.portal, sessions: test.sessions, settings: settings)
        let captured = CapturedLog()
        try await PortalServer.application(api, logger: captured.logger()).test(.router) { client in try await body(client) }
        return captured.lines.withLock { $0 }.filter { $0.hasPrefix("info request ") }
    }

    static let forged: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "198.51.100.7, 203.0.113.9", HTTPField.Name("X-Forwarded-Proto")!: "https"]

    @Test("a request's line names the route pattern (not the path), its status, duration and request id, never the body or a header; X-Forwarded-For and -Proto are ignored unless the proxy is trusted")
    func requestLine() async throws {
        let untrusted = try await Self.requestLines(trustsProxy: false) { client in
            _ = try await client.execute(uri: "/users/no-such-user", method: .get, headers: Self.forged)
            _ = try await client.execute(uri: "/auth/login", method: .post, headers: [.contentType: "application/json"],
                                         body: ByteBuffer(string: #"{"email":"helpdesk@council.example","password":"Portal-demo-2026"}"#))
        }
        let user = try #require(untrusted.first { $0.contains("/users/{userID}") }, "\(untrusted)")
        #expect(!user.contains("no-such-user"), "the route pattern, not the raw path")
        for field in ["method", "route", "status", "duration_ms", "hb.request.id", "client", "scheme"] {
            #expect(user.contains(field), "\(field) in \(user)")
        }
        #expect(user.contains("401") && user.contains("GET"), "\(user)")
        #expect(!user.contains("203.0.113.9") && !user.contains("https"), "untrusted proxy headers are ignored: \(user)")
        let login = try #require(untrusted.first { $0.contains("/auth/login") }, "\(untrusted)")
        #expect(login.contains("200") && !login.contains("Portal-demo-2026") && !login.contains("helpdesk@"), "\(login)")

        let trusted = try await Self.requestLines(trustsProxy: true) { client in
            _ = try await client.execute(uri: "/health", method: .get, headers: Self.forged)
        }
        let health = try #require(trusted.first { $0.contains("/health") }, "\(trusted)")
        #expect(health.contains("203.0.113.9") && health.contains("https") && !health.contains("198.51.100.7"), "behind a trusted proxy: \(health)")
    }
}

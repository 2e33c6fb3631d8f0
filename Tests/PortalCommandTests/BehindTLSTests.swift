import ChildProcess
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Behind TLS: a real nginx with a certificate the test makes, in front of a real portal serve (tools/deploy/nginx)")
struct BehindTLSTests {
    /// The repository's root (this file is Tests/PortalCommandTests/BehindTLSTests.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func tool(_ name: String) -> URL? {
        for folder in ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"] {
            let url = URL(fileURLWithPath: folder).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// A TCP port on loopback that is free now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw CocoaError(.fileWriteUnknown) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// `curl` over HTTPS trusting only the test's certificate; the status and body.
    static func curl(_ certificate: URL, _ method: String, _ url: String, token: String? = nil, json: String? = nil) throws -> (status: Int, body: String) {
        var arguments = ["-sS", "--max-time", "10", "--cacert", certificate.path, "-X", method, "-w", "\n%{http_code}", url]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        if let json { arguments += ["-H", "Content-Type: application/json", "--data-binary", json] }
        let run = try PortalBinary.runExecutable(tool("curl")!, arguments)
        let lines = run.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n") + run.standardError)
    }

    @Test("nginx terminates TLS with the deploy example's proxy settings; a provider logs in through it; the portal, told to trust the proxy, logs the client's address and https")
    func logInThroughNginx() async throws {
        guard let nginx = Self.tool("nginx"), let openssl = Self.tool("openssl"), Self.tool("curl") != nil else {
            Issue.record("nginx, openssl and curl are needed (tools/test installs them: tools/lib/prerequisites.sh)")
            return
        }
        let folder = TemporaryFolder()
        let prefix = folder.url
        let certificate = prefix.appendingPathComponent("cert.pem")
        let key = prefix.appendingPathComponent("key.pem")
        let made = try PortalBinary.runExecutable(openssl, [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost", "-keyout", key.path, "-out", certificate.path])
        try #require(made.status == 0, "openssl: \(made.standardError)")

        let server = try ServeProcess(data: prefix.appendingPathComponent("data"), ["--demo", "--trust-proxy", "--log-format", "json"])
        let port = try Self.freePort()
        try FileManager.default.createDirectory(at: prefix.appendingPathComponent("temp"), withIntermediateDirectories: true)
        let configuration = """
            user root;
            worker_processes 1;
            daemon off;
            pid \(prefix.path)/nginx.pid;
            error_log \(prefix.path)/error.log warn;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(prefix.path)/temp/body;
                proxy_temp_path \(prefix.path)/temp/proxy;
                fastcgi_temp_path \(prefix.path)/temp/fastcgi;
                uwsgi_temp_path \(prefix.path)/temp/uwsgi;
                scgi_temp_path \(prefix.path)/temp/scgi;
                upstream portal { server 127.0.0.1:\(server.base.port!); keepalive 4; }
                server {
                    listen 127.0.0.1:\(port) ssl;
                    server_name localhost;
                    ssl_certificate \(certificate.path);
                    ssl_certificate_key \(key.path);
                    include \(Self.root.path)/tools/deploy/nginx/portal-proxy.conf;
                }
            }
            """
        let file = prefix.appendingPathComponent("nginx.conf")
        try Data(configuration.utf8).write(to: file)
        let proxy = ChildProcess()
        proxy.executableURL = nginx
        proxy.arguments = ["-p", prefix.path, "-c", file.path]
        proxy.standardOutput = FileHandle.nullDevice
        proxy.standardError = FileHandle.nullDevice
        try proxy.run()
        defer {
            proxy.terminate()
            proxy.waitUntilExit()
        }
        let base = "https://localhost:\(port)"
        var health = (status: 0, body: "")
        for _ in 0..<200 {
            health = try Self.curl(certificate, "GET", base + "/health")
            if health.status == 200 || !proxy.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let errors = (try? String(contentsOf: prefix.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
        try #require(health.status == 200, "nginx in front of the portal: \(health.body) \(errors)")

        let first = try Self.curl(certificate, "POST", base + "/auth/login", json: #"{"email":"super-user-actuals@oasis.example","password":"Portal-demo-2026"}"#)
        #expect(first.status == 200, "\(first.body)")
        let challenge = try #require((try JSONSerialization.jsonObject(with: Data(first.body.utf8)) as? [String: Any])?["challengeToken"] as? String)
        let second = try Self.curl(certificate, "POST", base + "/auth/login/passcode", json: #"{"challengeToken":"\#(challenge)","passcode":"135246"}"#)
        let token = try #require((try JSONSerialization.jsonObject(with: Data(second.body.utf8)) as? [String: Any])?["token"] as? String, "\(second.body)")
        let session = try Self.curl(certificate, "GET", base + "/auth/session", token: token)
        #expect(session.status == 200 && session.body.contains("super-user-actuals"), "\(session.body)")

        let (status, log) = server.stop()
        #expect(status == 0)
        let lines = log.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        let login = try #require(lines.first { $0["message"] as? String == "request" && $0["route"] as? String == "/auth/login" }, "\(log.suffix(1500))")
        #expect(login["scheme"] as? String == "https", "\(login)")
        #expect(login["client"] as? String == "127.0.0.1", "\(login)")
    }
}

import ChildProcess
import HTTPTypes
import Hummingbird
import Foundation
import PortalHTTP
import Synchronization
import Testing

@Suite("Schemas/openapi.yaml is the contract")
struct OpenAPIContractTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let openAPI = repository.appendingPathComponent("Schemas/openapi.yaml")
    static let validator = repository.appendingPathComponent("tools/validate-openapi.py")

    /// Runs the independent validator (Python: PyYAML + jsonschema, installed by tools/test).
    static func validator(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let python = ProcessInfo.processInfo.environment["PORTAL_PYTHON"] ?? "python3"
        process.arguments = [python, validator.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test("every route registered in the router is in the OpenAPI description, and nothing else is")
    func routesBothWays() async throws {
        let test = try HTTPTestPortal()
        let (status, output) = try Self.validator(["operations", Self.openAPI.path])
        try #require(status == 0, "the validator could not run (run tools/test, which installs PyYAML and jsonschema): \(output)")
        let described = Set(output.split(separator: "\n").map(String.init))
        let registered = Set(PortalServerRoutes.all(test))
        #expect(registered.count >= 40)
        #expect(registered.subtracting(described).isEmpty, "routes missing from openapi.yaml: \(registered.subtracting(described).sorted())")
        #expect(described.subtracting(registered).isEmpty, "operations with no route: \(described.subtracting(registered).sorted())")
    }

    @Test("the responses of a tour of every route by every actor, of logins and of bad input validate against the schemas")
    func responsesMatchSchemas() async throws {
        let test = try await HTTPTestPortal.demo()
        let exchanges = try await test.run { client in
            let facts = try await RouteTour.prepare(test, client)
            for route in RouteTour.cases(test, facts) {
                for (index, actingAs) in Actors.all.enumerated() {
                    _ = try await RouteTour.send(route, as: actingAs, index: index, client)
                }
            }
            // Logins: the first step, a wrong password, a session; bad input and stale ETags; logout.
            _ = try await client.send(.post, "/auth/login", json: #"{"email":"auditor@council.example","password":"Nope-nope-11"}"#)
            _ = try await client.send(.post, "/auth/login", json: #"{"email":"auditor@council.example","password":"\#(DemoCouncil.password)"}"#)
            let token = try await client.token("super-user-actuals@oasis")
            let (week, _) = RouteTour.openWeek(test)
            _ = try await client.send(.patch, "/services/oasis-hs/weeks/\(week)/actuals/cpli-oasis-1", token: token, json: #"{"actual":"1.23456"}"#,
                                      headers: ["If-Match": "*"])
            _ = try await client.send(.patch, "/services/oasis-hs/weeks/\(week)/actuals/cpli-oasis-1", token: token, json: #"{"actual":"1"}"#)
            _ = try await client.send(.patch, "/services/oasis-hs/weeks/\(week)/actuals/cpli-oasis-1", token: token, json: #"{"actual":"1"}"#,
                                      headers: ["If-Match": "\"1\""])
            _ = try await client.send(.post, "/auth/logout", token: try await client.token("read-only@oasis"))
            return client.exchanges.withLock { $0 }
        }
        #expect(exchanges.count > 500)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("exchanges-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try JSONEncoder().encode(exchanges).write(to: file)
        let (status, output) = try Self.validator(["responses", Self.openAPI.path, file.path])
        #expect(status == 0, "\(output.prefix(4000))")
        #expect(output.contains("\(exchanges.count) responses checked"), "\(output.suffix(300))")
    }

    @Test("the validator really validates: a response that breaks its schema is reported")
    func brokenResponseIsReported() throws {
        let broken = [Exchange(method: "GET", path: "/organisations/oasis", status: 200, contentType: "application/json",
                               body: #"{"organisationID":"oasis","details":{"name":"X","addressLines":[],"postcode":"P"},"pendingChangeRequests":[],"version":"one"}"#)]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("exchanges-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try JSONEncoder().encode(broken).write(to: file)
        let (status, output) = try Self.validator(["responses", Self.openAPI.path, file.path])
        #expect(status == 1)
        #expect(output.contains("version"), "\(output)")
    }
}

import Foundation
import HTTPTypes
import PortalDomain
import PortalHTTP
import Testing

/// Onboarding over HTTP: procurement imports the provider register, brokerage the care orders, from the
/// documented CSV files; all or nothing, problems by file, row and column.
@Suite("Reference data import over HTTP")
struct ReferenceDataHTTPTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("tools/onboarding/examples")

    static func body(_ names: [String], dryRun: Bool = false, extra: [(String, String)] = []) throws -> String {
        var files: [[String: String]] = try names.map { ["name": $0, "content": try String(contentsOf: examples.appendingPathComponent($0), encoding: .utf8)] }
        files += extra.map { ["name": $0.0, "content": $0.1] }
        let object: [String: Any] = ["files": files, "dryRun": dryRun]
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test("procurement imports organisations, contracts and services (201), brokerage the care orders (201); the same files again are already imported (200, nothing written); a dry run writes nothing")
    func importsByTeam() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let procurement = try await client.token("team:procurement")
            let brokerage = try await client.token("team:service-brokerage")
            let register = try Self.body(["organisations.csv", "contracts.csv", "services.csv"])
            let before = try test.head()
            let dry = try await client.send(.post, "/reference-data/imports", token: procurement, json: try Self.body(["organisations.csv"], dryRun: true))
            #expect(dry.status == 200 && dry.json?["written"] as? Bool == false, "\(dry.text)")
            #expect(try test.head() == before)
            let denied = try await client.send(.post, "/reference-data/imports", token: procurement, json: try Self.body(["care-orders.csv"]))
            #expect(denied.status == 403, "\(denied.text)")
            let registered = try await client.send(.post, "/reference-data/imports", token: procurement, json: register)
            #expect(registered.status == 201, "\(registered.text)")
            let counts = try #require(registered.json?["counts"] as? [String: any Sendable])
            #expect((counts["services"] as? [String: any Sendable])?["new"] as? Int == 2)
            let orders = try await client.send(.post, "/reference-data/imports", token: brokerage, json: try Self.body(["care-orders.csv"]))
            #expect(orders.status == 201, "\(orders.text)")
            let head = try test.head()
            let again = try await client.send(.post, "/reference-data/imports", token: procurement, json: register)
            #expect(again.status == 200 && again.json?["alreadyImported"] as? Bool == true, "\(again.text)")
            #expect(try test.head() == head)
            let document = try await client.send(.get, "/contract-documents/iso-70001", token: try await client.token("auditor"))
            #expect(document.status == 200 && document.text.contains("Zoë Ødegård"), "\(document.text)")
        }
    }

    @Test("a bad row among good ones: 422 listing every problem with its file, row and column; nothing written")
    func problemsByFileRowAndColumn() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let procurement = try await client.token("team:procurement")
            let bad = ("more-services.csv", "service,organisation,contract,name,address_1,postcode,start_date\nx-hs,brightwater,no-such-contract,X,1 Road,NR1 1AA,2026-04-06\ny-hs,brightwater,brightwater-2015,Y,1 Road,NR1 1AA,1999-04-06\n")
            let before = try test.head()
            let answer = try await client.send(.post, "/reference-data/imports", token: procurement,
                                               json: try Self.body(["organisations.csv", "contracts.csv", "services.csv"], extra: [bad]))
            #expect(answer.status == 422, "\(answer.text)")
            #expect(answer.json?["type"] as? String == "urn:portal:problem:import-rejected")
            let errors = try #require(answer.json?["errors"] as? [[String: any Sendable]])
            let located = Set(errors.map { "\($0["file"] as? String ?? ""):\($0["row"] as? Int ?? 0):\($0["field"] as? String ?? "")" })
            #expect(located == ["more-services.csv:2:contract", "more-services.csv:3:start_date"], "\(answer.text)")
            #expect(try test.head() == before)
            let malformed = try await client.send(.post, "/reference-data/imports", token: procurement, json: #"{"files":[]}"#)
            #expect(malformed.status == 422 && malformed.problemFields == ["files"])
        }
    }
}

import ChildProcess
import Foundation
import Testing

/// `portal import reference-data` through the real binary: the documented example files, a dry run, the same
/// files again, and a bad file refused naming file, row and column with nothing written.
@Suite("portal import reference-data (real process)")
struct ImportCommandTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("tools/onboarding/examples")
    static var exampleFiles: [String] {
        ["organisations.csv", "contracts.csv", "services.csv", "care-orders.csv"].map { examples.appendingPathComponent($0).path }
    }

    /// The log's head position of a data folder.
    static func head(_ data: URL) throws -> Int {
        let stats = try PortalBinary.run(["log", "stats", "--data", data.path])
        let line = try #require(stats.standardOutput.split(separator: "\n").first { $0.lowercased().contains("head") }, "\(stats.standardOutput)")
        return try #require(line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }.first, "\(line)")
    }

    @Test("a dry run prints the counts and writes nothing; the import writes every record as the operator; the same files again are already imported")
    func importExamples() async throws {
        // A data folder as a first start leaves it (its deployment settings recorded).
        let server = try RunningServer(demo: false)
        server.stop()
        let data = server.data
        let before = try Self.head(data)

        let dry = try PortalBinary.run(["import", "reference-data", "--data", data.path, "--dry-run"] + Self.exampleFiles)
        #expect(dry.status == 0, "\(dry.standardError)")
        let counts = dry.standardOutput.split(separator: "\n").first { $0.hasPrefix("care-orders") }?.split(separator: " ").map(String.init)
        #expect(counts == ["care-orders", "3", "0", "0"], "\(dry.standardOutput)")
        #expect(dry.standardOutput.contains("nothing written"), "\(dry.standardOutput)")
        #expect(try Self.head(data) == before)

        let imported = try PortalBinary.run(["import", "reference-data", "--data", data.path, "--reason", "agreed in the old system"] + Self.exampleFiles)
        #expect(imported.status == 0, "\(imported.standardError)")
        #expect(imported.standardOutput.contains("imported:"), "\(imported.standardOutput)")
        let after = try Self.head(data)
        #expect(after > before)
        let iso = try PortalBinary.run(["log", "read", "iso-iso-70001", "--data", data.path, "--format", "json"])
        #expect(iso.standardOutput.contains("ISOAgreementRecorded") && iso.standardOutput.contains("agreed in the old system"))
        #expect(iso.standardOutput.contains("system:operator:"), "the operator is named: \(iso.standardOutput)")
        #expect(iso.standardOutput.contains("Zoë Ødegård"))

        let again = try PortalBinary.run(["import", "reference-data", "--data", data.path, "--format", "json"] + Self.exampleFiles)
        #expect(again.status == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(again.standardOutput.utf8)) as? [String: Any])
        #expect(report["written"] as? Bool == false)
        #expect(((report["counts"] as? [String: Any])?["care-orders"] as? [String: Any])?["unchanged"] as? Int == 3)
        #expect(try Self.head(data) == after)
    }

    @Test("one bad row among good ones: exit status 1, every problem by file, row and column, nothing written")
    func badFile() async throws {
        let server = try RunningServer(demo: false)
        server.stop()
        let work = TemporaryFolder()
        let bad = work.url.appendingPathComponent("more-organisations.csv")
        try "organisation,name,address_1,postcode,email\nfine-org,Fine Ltd,1 Road,NR1 1AA,\nbad org,Bad Ltd,2 Road,NR1 1AA,not-an-email\n"
            .write(to: bad, atomically: true, encoding: .utf8)
        let before = try Self.head(server.data)
        let result = try PortalBinary.run(["import", "reference-data", "--data", server.data.path] + Self.exampleFiles + [bad.path])
        #expect(result.status == 1)
        #expect(result.standardOutput.contains("\(bad.path), row 3, column organisation:"), "\(result.standardOutput)")
        #expect(result.standardOutput.contains("\(bad.path), row 3, column email:"), "\(result.standardOutput)")
        #expect(result.standardOutput.contains("nothing was imported"), "\(result.standardOutput)")
        #expect(try Self.head(server.data) == before)
    }
}

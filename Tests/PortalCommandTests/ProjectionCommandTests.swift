import Foundation
import Testing

@Suite("portal projections (real process)")
struct ProjectionCommandTests {
    /// A data folder with a generated county log of about `events` events.
    static func county(events: Int, organisations: Int) throws -> TemporaryFolder {
        let data = TemporaryFolder()
        let generated = try PortalBinary.run(["bench", "projections", "--data", data.url.path, "--events", String(events),
                                              "--organisations", String(organisations), "--generate-only"])
        #expect(generated.status == 0, "\(generated.standardError)")
        return data
    }

    /// `portal projections digest` of a data folder: read model name → "digest checkpoint".
    static func digests(_ data: TemporaryFolder) throws -> [String: String] {
        let output = try PortalBinary.run(["projections", "digest", "--data", data.url.path])
        #expect(output.status == 0, "\(output.standardError)")
        var digests: [String: String] = [:]
        for line in output.standardOutput.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count == 3 { digests[String(fields[0])] = "\(fields[1]) \(fields[2])" }
        }
        return digests
    }

    /// Checkpoints from `portal projections status --format json`.
    static func checkpoints(_ data: TemporaryFolder) throws -> [String: UInt64] {
        let output = try PortalBinary.run(["projections", "status", "--data", data.url.path, "--format", "json"])
        #expect(output.status == 0, "\(output.standardError)")
        var checkpoints: [String: UInt64] = [:]
        for line in output.standardOutput.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            if let name = object?["projection"] as? String, let checkpoint = object?["checkpoint"] as? Int { checkpoints[name] = UInt64(checkpoint) }
        }
        return checkpoints
    }

    /// A clean copy of `data`'s log in a new folder, caught up from scratch.
    static func cleanRebuild(of data: TemporaryFolder) throws -> TemporaryFolder {
        let clean = TemporaryFolder()
        try FileManager.default.copyItem(at: data.url.appendingPathComponent("log"), to: clean.url.appendingPathComponent("log"))
        let caughtUp = try PortalBinary.run(["projections", "catch-up", "--data", clean.url.path])
        #expect(caughtUp.status == 0, "\(caughtUp.standardError)")
        return clean
    }

    @Test("SIGKILL during catch-up at random moments (12 kills): after restarting, every read model's digest equals a clean rebuild's")
    func killedDuringCatchUp() async throws {
        let data = try Self.county(events: 80_000, organisations: 60)
        var generator = SystemRandomNumberGenerator()
        var killedMidway = 0
        var previous: [String: UInt64] = [:]
        var advanced = 0
        for round in 0..<12 {
            let process = Process()
            process.executableURL = PortalBinary.url
            process.arguments = ["projections", "catch-up", "--data", data.url.path, "--batch-size", "150"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...900, using: &generator)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { killedMidway += 1 }
            // The folder opens after every kill, and no read model went backwards.
            let checkpoints = try Self.checkpoints(data)
            for (name, checkpoint) in checkpoints {
                #expect(checkpoint >= previous[name] ?? 0, "round \(round): \(name) went back from \(previous[name] ?? 0) to \(checkpoint)")
            }
            if checkpoints.values.reduce(0, +) > previous.values.reduce(0, +) { advanced += 1 }
            previous = checkpoints
        }
        // The kills really interrupted catch-ups that were making progress.
        #expect(killedMidway >= 10)
        #expect(advanced >= 5)
        let stats = try PortalBinary.run(["log", "stats", "--data", data.url.path]).standardOutput
        let head = stats.split(separator: "\n").first { $0.hasPrefix("head position") }.flatMap { UInt64($0.split(separator: " ").last ?? "") }
        #expect(head ?? 0 >= 80_000)
        // The last kill left work to do.
        #expect(previous.values.contains { $0 < head ?? 0 })

        let finished = try PortalBinary.run(["projections", "catch-up", "--data", data.url.path])
        #expect(finished.status == 0, "\(finished.standardError)")
        let restarted = try Self.digests(data)
        let clean = try Self.cleanRebuild(of: data)
        let rebuilt = try Self.digests(clean)
        #expect(restarted.count == 11)
        for (name, digest) in rebuilt {
            #expect(restarted[name] == digest, "\(name): after the kills \(restarted[name] ?? "-"), clean rebuild \(digest)")
        }
    }

    @Test("status, rebuild NAME and digest: a rebuilt read model gets a new generation and the same digest; unknown names are refused")
    func statusRebuildDigest() async throws {
        let data = try Self.county(events: 5_000, organisations: 10)
        let before = try PortalBinary.run(["projections", "status", "--data", data.url.path])
        #expect(before.status == 0)
        #expect(before.standardOutput.contains("invoices") && before.standardOutput.contains("not built"))

        let caughtUp = try PortalBinary.run(["projections", "catch-up", "--data", data.url.path])
        #expect(caughtUp.status == 0, "\(caughtUp.standardError)")
        #expect(caughtUp.standardError.contains("caught up"))
        let digests = try Self.digests(data)
        let generation = try String(contentsOf: data.url.appendingPathComponent("projections/invoices/CURRENT"), encoding: .utf8)

        let rebuilt = try PortalBinary.run(["projections", "rebuild", "invoices", "--data", data.url.path])
        #expect(rebuilt.status == 0, "\(rebuilt.standardError)")
        #expect(rebuilt.standardError.contains("rebuilt") && rebuilt.standardError.contains("events/s"))
        let newGeneration = try String(contentsOf: data.url.appendingPathComponent("projections/invoices/CURRENT"), encoding: .utf8)
        #expect(newGeneration != generation)
        let folders = try FileManager.default.contentsOfDirectory(atPath: data.url.appendingPathComponent("projections/invoices").path)
        #expect(folders.filter { $0.hasPrefix("g") } == [newGeneration.trimmingCharacters(in: .whitespacesAndNewlines)])
        #expect(try Self.digests(data) == digests)

        let status = try PortalBinary.run(["projections", "status", "--data", data.url.path])
        #expect(status.standardOutput.split(separator: "\n").dropFirst(2).allSatisfy { $0.hasSuffix("ready") })

        let unknown = try PortalBinary.run(["projections", "rebuild", "invoicez", "--data", data.url.path])
        #expect(unknown.status != 0)
        #expect(unknown.standardError.contains("there is no read model 'invoicez'"))
    }
}

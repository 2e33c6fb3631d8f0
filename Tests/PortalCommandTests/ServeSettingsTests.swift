import ChildProcess
import Foundation
import Testing

@Suite("portal serve: the policy and period anchor are recorded in the data folder (real process)")
struct ServeSettingsTests {
    struct Start {
        /// The server printed its "listening on" line (it was then stopped).
        var listened: Bool
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs `portal serve --port 0` on `data` with `flags` until it listens (then stops it) or exits by itself.
    static func serve(_ data: TemporaryFolder, _ flags: [String]) throws -> Start {
        let process = ChildProcess()
        process.executableURL = PortalBinary.url
        process.arguments = ["serve", "--data", data.url.path, "--port", "0", "--bcrypt-cost", "4"] + flags
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let errorText = ReadAll(errors.fileHandleForReading)
        try process.run()
        var seen = ""
        var listened = false
        while true {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if seen.contains("listening on http://") {
                listened = true
                process.terminate()
                break
            }
        }
        process.waitUntilExit()
        seen += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return Start(listened: listened, status: process.terminationStatus, standardOutput: seen,
                     standardError: String(decoding: errorText.wait(), as: UTF8.self))
    }

    @Test("the first start records --policy and --period-anchor; a start without them serves under the recorded ones; one asking for others is refused naming both values, and records nothing")
    func recordedAtFirstStart() throws {
        let data = TemporaryFolder()
        let first = try Self.serve(data, ["--policy", "lancashire", "--period-anchor", "2025-04-07"])
        #expect(first.listened, "\(first.standardOutput)\(first.standardError)")
        #expect(first.standardOutput.contains("portal: policy lancashire, periods numbered from 2025-04-07"), "\(first.standardOutput)")

        let plain = try Self.serve(data, [])
        #expect(plain.listened, "\(plain.standardOutput)\(plain.standardError)")
        #expect(plain.standardOutput.contains("portal: policy lancashire, periods numbered from 2025-04-07"), "\(plain.standardOutput)")

        let otherPolicy = try Self.serve(data, ["--policy", "norfolk"])
        #expect(!otherPolicy.listened)
        #expect(otherPolicy.status != 0)
        #expect(otherPolicy.standardError.contains("policy norfolk was asked for"), "\(otherPolicy.standardError)")
        #expect(otherPolicy.standardError.contains("recorded under policy lancashire"), "\(otherPolicy.standardError)")

        let otherAnchor = try Self.serve(data, ["--period-anchor", "2026-04-06"])
        #expect(!otherAnchor.listened)
        #expect(otherAnchor.status != 0)
        #expect(otherAnchor.standardError.contains("2026-04-06") && otherAnchor.standardError.contains("2025-04-07"), "\(otherAnchor.standardError)")

        let same = try Self.serve(data, ["--policy", "lancashire"])
        #expect(same.listened, "the recorded value given explicitly is accepted: \(same.standardError)")

        // One DeploymentConfigured event in the log, from the first start.
        let recorded = try PortalBinary.run(["log", "read", "deployment-settings", "--data", data.url.path, "--format", "json"])
        #expect(recorded.status == 0, "\(recorded.standardError)")
        let lines = recorded.standardOutput.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("DeploymentConfigured") == true)
    }

    @Test("--demo fills a new data folder although the settings were recorded first; a refused anchor that is not a Monday records nothing")
    func demoAndBadAnchor() throws {
        let bad = TemporaryFolder()
        let notMonday = try Self.serve(bad, ["--period-anchor", "2026-04-07"])
        #expect(!notMonday.listened)
        #expect(notMonday.standardError.contains("2026-04-07"), "\(notMonday.standardError)")
        #expect(notMonday.standardError.contains("Monday"), "\(notMonday.standardError)")

        let demo = TemporaryFolder()
        let seeded = try Self.serve(demo, ["--demo"])
        #expect(seeded.listened, "\(seeded.standardOutput)\(seeded.standardError)")
        #expect(seeded.standardOutput.contains("filling"), "\(seeded.standardOutput)")
        #expect(seeded.standardOutput.contains("demo logins"), "\(seeded.standardOutput)")
    }
}

import ChildProcess
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

    /// Sends SIGKILL to `process` after `delay` of wall-clock time measured off Swift's cooperative threads,
    /// and waits for it to end.
    static func kill(_ process: ChildProcess, after delay: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
                Foundation.kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                continuation.resume()
            }
        }
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
            let process = ChildProcess()
            process.executableURL = PortalBinary.url
            process.arguments = ["projections", "catch-up", "--data", data.url.path, "--batch-size", "150"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // The kill's moment is timed on a thread of its own: Swift Testing runs other suites on the same
            // cooperative threads, and a task sleeping there may wake long after the catch-up has finished.
            await Self.kill(process, after: .milliseconds(Int.random(in: 150...900, using: &generator)))
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

    @Test("catch-up meets a bad event in a domain category: exit status 1, naming the position and the event type; nothing after it is applied")
    func catchUpStopsAtBadEvent() async throws {
        // An event type this build does not know, in the invoice category: every read model stops there.
        let unknown = try Self.county(events: 2_000, organisations: 4)
        let unknownAt = try await ForgedEvent.append(unknown, stream: "invoice-ghost-1", type: "InvoiceTeleported", payload: #"{"invoiceID":"ghost-1"}"#)
        let stoppedUnknown = try PortalBinary.run(["projections", "catch-up", "--data", unknown.url.path])
        #expect(stoppedUnknown.status == 1, "\(stoppedUnknown.standardError)")
        #expect(stoppedUnknown.standardError.contains("position \(unknownAt)"), "\(stoppedUnknown.standardError)")
        #expect(stoppedUnknown.standardError.contains("InvoiceTeleported"), "\(stoppedUnknown.standardError)")
        for (name, checkpoint) in try Self.checkpoints(unknown) {
            #expect(checkpoint < unknownAt, "\(name) applied past the unknown event")
        }

        // A known type whose payload does not match its shape: the read models that read it stop there and say so;
        // the command exits 1 and `status` shows the stop from another process.
        let malformed = try Self.county(events: 2_000, organisations: 4)
        let malformedAt = try await ForgedEvent.append(malformed, stream: "invoice-broken-1", type: "InvoiceSubmitted", payload: #"{"invoiceID":"broken-1"}"#)
        _ = try await ForgedEvent.append(malformed, stream: "organisation-late-1", type: "OrganisationRegistered",
                            payload: #"{"organisationID":"late-1","details":{"name":"Late Care","addressLines":["1 Late Lane"],"postcode":"NR1 1AA"}}"#)
        let stoppedMalformed = try PortalBinary.run(["projections", "catch-up", "--data", malformed.url.path, "--batch-size", "1"])
        #expect(stoppedMalformed.status == 1, "\(stoppedMalformed.standardError)")
        #expect(stoppedMalformed.standardError.contains("stopped at position \(malformedAt) (InvoiceSubmitted)"), "\(stoppedMalformed.standardError)")
        let status = try PortalBinary.run(["projections", "status", "--data", malformed.url.path])
        #expect(status.standardOutput.contains("stopped at \(malformedAt) (InvoiceSubmitted)"), "\(status.standardOutput)")
        let checkpoints = try Self.checkpoints(malformed)
        #expect(checkpoints["invoices"] == malformedAt - 1, "the invoices read model stops just before the bad event")
        #expect(checkpoints["providers"] == malformedAt + 1, "a read model that does not read the type goes on to the head")
    }

    @Test("rebuild progress under a pseudo-terminal is one live line with the rate and the time left, redrawn with \\r")
    func progressOnATerminal() throws {
        let data = try Self.county(events: 4_000, organisations: 6)
        let command = [PortalBinary.url.path, "projections", "rebuild", "--data", data.url.path, "--batch-size", "100"]
            .map { "'\($0)'" }.joined(separator: " ")
        let output = try PortalBinary.runExecutable(
            URL(fileURLWithPath: "/usr/bin/script"), ["-qfc", command, "/dev/null"], environment: ["PORTAL_PROGRESS_INTERVAL_MS": "0"])
        #expect(output.status == 0, "\(output.standardOutput)\(output.standardError)")
        let text = output.standardOutput
        let redraws = text.components(separatedBy: "\r\u{1B}[K").count - 1
        #expect(redraws >= 5, "the line is redrawn in place: \(text.debugDescription)")
        #expect(text.contains(" left"), "the time left is shown while rebuilding")
        #expect(text.contains("events/s"))
        #expect(text.contains("rebuilt "), "\(text.debugDescription)")
        // The last figures stay on their own line.
        let last = try #require(text.components(separatedBy: "\r\u{1B}[K").last)
        #expect(last.contains(" in ") && !last.contains(" left"))
    }

    @Test("rebuild progress into a pipe is plain lines, each ending in a newline, with no carriage return or escape")
    func progressIntoAPipe() throws {
        let data = try Self.county(events: 4_000, organisations: 6)
        let rebuilt = try PortalBinary.run(["projections", "rebuild", "--data", data.url.path, "--batch-size", "100"],
                                           environment: ["PORTAL_PROGRESS_INTERVAL_MS": "0"])
        #expect(rebuilt.status == 0, "\(rebuilt.standardError)")
        let text = rebuilt.standardError
        #expect(!text.contains("\r"))
        #expect(!text.contains("\u{1B}"))
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let progress = lines.filter { $0.hasPrefix("rebuilt ") }
        #expect(progress.count >= 5, "\(text)")
        #expect(progress.dropLast().allSatisfy { $0.contains("events/s") && $0.contains(" left") }, "\(text)")
        #expect(progress.last?.contains(" in ") == true)

        // Without the variable, a pipe gets a line at most every 5 seconds: here only the last one.
        let quiet = try PortalBinary.run(["projections", "rebuild", "--data", data.url.path, "--batch-size", "100"])
        #expect(quiet.status == 0)
        let quietLines = quiet.standardError.split(separator: "\n").filter { $0.hasPrefix("rebuilt ") }
        #expect(quietLines.count <= 2, "\(quiet.standardError)")
        #expect(quietLines.last?.contains(" in ") == true)
    }
}

import ArgumentParser
import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import PortalSimulation

extension Portal {
    /// `portal simulate`: fills a new data folder with a deterministic county.
    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fill a new data folder with a deterministic simulated county, through the portal's own commands.",
            discussion: """
                The same seed and scale give the same events (ids, times and contents). Scales: demo (two providers,
                about 40 clients, twelve weeks) or county:FACTOR (1 ≈ 200 providers, 6,000 clients, ten years).
                """)

        @OptionGroup var dataFolder: DataFolderOptions

        @Option(help: "demo, or county:FACTOR (e.g. county:0.01).")
        var scale: String = "demo"

        @Option(help: "The seed.")
        var seed: UInt64 = 1

        @Option(help: "Simulate this many weeks instead of the scale's.")
        var weeks: Int?

        @Option(help: "norfolk or lancashire.")
        var policy: String = "norfolk"

        @Option(help: "bcrypt cost of the simulated users' passwords (lower is faster; 12 in production).")
        var bcryptCost: UInt8 = 10

        func validate() throws {
            guard CountyScale.parse(scale) != nil else { throw ValidationError("--scale must be demo or county:FACTOR (0 < FACTOR ≤ 10), got '\(scale)'") }
            if (try? PolicyProfile.named(policy)) == nil { throw ValidationError("--policy must be norfolk or lancashire, got '\(policy)'") }
            if let weeks, weeks < 1 { throw ValidationError("--weeks must be at least 1") }
        }

        func run() async throws {
            let folder = dataFolder.folder
            // A folder in use holds a log and its lock, so it is not empty: refused before anything is written.
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder),
               try !isFolder.boolValue || !FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty {
                throw ValidationError("\(folder.path) is not empty; simulate into a new data folder")
            }
            // Built in a folder beside the target and renamed into place when complete: a failed or interrupted run
            // leaves no half-filled data folder behind.
            let work = folder.deletingLastPathComponent().appendingPathComponent(".\(folder.lastPathComponent).simulating-\(UUID().uuidString)")
            do {
                let report = try await simulate(into: work)
                if FileManager.default.fileExists(atPath: folder.path) { try FileManager.default.removeItem(at: folder) }
                try FileManager.default.moveItem(at: work, to: folder)
                print("simulated \(report.providers) providers, \(report.services) services, \(report.clients) CPLIs over \(report.weeks) weeks into \(folder.path):")
                print("\(report.events) events from \(report.commands) commands in \(String(format: "%.1f", report.seconds)) s")
            } catch {
                try? FileManager.default.removeItem(at: work)
                FileHandle.standardError.write(Data("portal simulate: failed, nothing kept: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }

        /// Runs the simulation into `folder` and closes it.
        private func simulate(into folder: URL) async throws -> (providers: Int, services: Int, clients: Int, weeks: Int, events: UInt64, commands: Int, seconds: Double) {
            var scale = CountyScale.parse(scale)!
            if let weeks { scale.weeks = weeks }
            let start = SimulationDefaults.start
            let clock = ManualClock(start.startOfDay)
            // The policy and anchor are recorded first, so that `portal serve` later runs the folder under them;
            // the request's ids are fixed by the seed, so the same seed still gives the same events.
            let settings = DeploymentSettings(policy: try PolicyProfile.named(policy), periodAnchor: SimulationDefaults.anchor)
            let portal = try await PortalApplication.Portal.open(
                dataDirectory: folder, deployment: .init(policy: settings.policy, periodAnchor: settings.periodAnchor), defaults: settings,
                time: DeploymentTime(clock: clock), bcryptCost: bcryptCost,
                request: CommandRequest(actor: .system(job: "deployment"), correlationID: SimulationDefaults.id(seed, 1),
                                        commandID: SimulationDefaults.id(seed, 2), idempotencyKey: "simulation-\(seed)-deployment"))
            defer { portal.close() }
            let started = ContinuousClock.now
            let report = try await CountySimulation(seed: seed, scale: scale, start: start).run(portal: portal, clock: clock) { progress in
                FileHandle.standardError.write(Data("week \(progress.week)/\(progress.weeks): \(progress.events) events\n".utf8))
            }
            return (report.providers, report.services, report.clients, report.weeks, report.events, report.commands,
                    Measurement.seconds(ContinuousClock.now - started))
        }
    }
}

/// Where simulations start, and the period calendar they use.
enum SimulationDefaults {
    /// The first Monday of period 1 of the portal's calendar.
    static let anchor = BusinessDate(iso8601: "2026-04-06")!
    /// The demo starts at the beginning of period 6.
    static let start = BusinessDate(iso8601: "2026-08-24")!

    /// A UUID fixed by the seed and a number.
    static func id(_ seed: UInt64, _ number: UInt8) -> UUID {
        let s = withUnsafeBytes(of: seed.bigEndian) { Array($0) }
        return UUID(uuid: (s[0], s[1], s[2], s[3], s[4], s[5], 0x80 | (s[6] & 0x0f), s[7], 0x80, 0, 0, 0, 0, 0, 0, number))
    }
}

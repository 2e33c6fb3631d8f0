import ArgumentParser
import Chronology
import EventLog
import Foundation
import Hummingbird
import LMDB
import Logging
import PortalApplication
import PortalAudit
import PortalDomain
import PortalHTTP
import PortalProjections
import PortalWeb
import ServiceLifecycle
import Synchronization
import UnixSignals

extension Portal {
    /// `portal serve`: the HTTP API over the data folder.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve the portal's HTTP API (Hummingbird) over the data folder.",
            discussion: """
                Listens on 127.0.0.1 unless --bind says otherwise, at once, whatever state the read models are in:
                those behind the log (or of a new version) catch up in the background, and the lists that need one
                answer 503 with Retry-After until it is ready. Every setting also comes from a JSON configuration
                file (--config, $PORTAL_CONFIG) or an environment variable (PORTAL_PORT, …); flags win
                (portal config check shows the effective settings). One server per data folder: the folder's lock
                (portal.lock) refuses a second one, naming the first. SIGTERM or SIGINT stop it gracefully.
                With --demo, a new data folder is first filled with a demo council and its logins are printed.
                /health and /metrics need no token.
                """
        )

        @OptionGroup var settings: ServeSettingOptions

        @Flag(help: "Fill a new data folder with the demo council first and print its logins.")
        var demo = false

        /// What a new data folder records when --policy or --period-anchor is not given.
        static let defaultSettings = DeploymentSettings(policy: .norfolk, periodAnchor: BusinessDate(iso8601: "2026-04-06")!)

        /// The bcrypt cost of the demo council's accounts, whose secrets are printed.
        static let demoBcryptCost: UInt8 = 4

        func run() async throws {
            let processStart = ContinuousClock.now
            let settings = try await settings.resolve()
            PortalLogging.bootstrap(settings)
            let logger = Logger(label: "portal")
            for name in settings.unknownEnvironment {
                logger.warning("unknown environment variable ignored", metadata: ["variable": "\(name)"])
            }
            let folder = settings.folder
            let requested = try DeploymentRequest.parse(policy: settings.policy, periodAnchor: settings.periodAnchor)
            let lock = try DataFolderLock(folder: folder, command: CommandLine.shownCommand)
            defer { lock.release() }
            let bcryptCost = UInt8(settings.bcryptCost)
            // The policy and period anchor are those recorded in the data folder (recorded now on a first start).
            func open(bcryptCost: UInt8, time: DeploymentTime = DeploymentTime()) async throws -> PortalApplication.Portal {
                do {
                    return try await PortalApplication.Portal.open(
                        dataDirectory: folder, deployment: requested, defaults: Self.defaultSettings, time: time, bcryptCost: bcryptCost)
                } catch let error as DomainError {
                    throw ValidationError("\(error.description); start without --policy and --period-anchor to serve under the recorded settings")
                }
            }
            if demo {
                // The demo's accounts all share the password and passcode printed below, so their hashes are made
                // at a low bcrypt cost: seeding takes seconds instead of most of a minute. The folder is then
                // served at --bcrypt-cost, so every password or passcode set while serving gets the full cost.
                // The demo's twelve weeks happen over twelve weeks: seeded on a clock that starts before them and
                // is moved through the story, ending before now (see DemoStory).
                let story = DemoStory()
                let isNew = !FileManager.default.fileExists(atPath: folder.appendingPathComponent("log/data.mdb").path)
                if isNew, let first = DemoCouncil.history(today: story.today, calendar: try PeriodCalendar(anchor: requested.periodAnchor ?? Self.defaultSettings.periodAnchor)).first {
                    story.at(first.firstDay.adding(days: -7), hour: 7)
                }
                let seeding = try await open(bcryptCost: min(bcryptCost, Self.demoBcryptCost), time: DeploymentTime(clock: story.clock))
                defer { seeding.close() }
                if try seeding.holdsNoHistory() {
                    say("portal: filling \(folder.path) with the demo council…")
                    let logins = try await DemoCouncil.seed(seeding, story: story)
                    say("portal: demo logins (password \(DemoCouncil.password), passcode \(DemoCouncil.passcode)):")
                    for login in logins { say("  \(login.email.padding(toLength: 44, withPad: " ", startingAt: 0)) \(login.actingAs)") }
                } else {
                    say("portal: \(folder.path) already holds a log; --demo fills only a new data folder, serving it as it is")
                }
            }
            let portal = try await open(bcryptCost: bcryptCost)
            var portalOpen = true
            defer { if portalOpen { portal.close() } }
            say("portal: policy \(portal.configuration.policy), periods numbered from \(portal.configuration.calendar.anchor)")
            // The key that signs checkpoints of the log (`portal audit checkpoint`), made at the first start.
            let signing = try CheckpointSigningKey.ensure(in: folder)
            say("portal: checkpoints are signed with \(signing.file.path); public key \(signing.verifierKey(name: try Checkpoint.origin(of: portal.log)))")
            let sessions = try SessionStore(directory: folder.appendingPathComponent("sessions"), clock: portal.configuration.time.clock)
            var sessionsOpen = true
            defer { if sessionsOpen { sessions.close() } }

            // The read models open at once; those behind the log catch up in the background (ReadModelFollower).
            let readModels = PortalReadModels(log: portal.log, dataFolder: folder)
            try readModels.open()
            var readModelsOpen = true
            defer { if readModelsOpen { readModels.close() } }

            var apiSettings = PortalAPI.Settings()
            apiSettings.maximumBodySize = settings.maximumBodySize
            apiSettings.trustsProxy = settings.trustProxy
            let api = PortalAPI(portal: portal, sessions: sessions, readModels: readModels, settings: apiSettings, checkpointKey: signing)
            let follower = ReadModelFollower(engine: readModels.engine, logger: Logger(label: "portal.read-models"), processStart: processStart)
            let pages = WebPortal(api: api)
            let app = PortalServer.application(
                api, host: settings.bind, port: settings.port, logger: Logger(label: "portal.http"), pages: pages.register(on:), services: [follower]
            ) { address in
                say("portal: listening on http://\(address)")
                logger.info("listening", metadata: [
                    "address": "\(address)", "millisecondsSinceStart": "\((ContinuousClock.now - processStart).milliseconds)"])
            }
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: app), .init(service: ShutdownAnnouncer(logger: logger))],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "portal.lifecycle")))
            try await group.run()
            logger.info("server stopped: no longer listening, no request in flight")
            readModels.close()
            readModelsOpen = false
            logger.info("read models closed")
            sessions.close()
            sessionsOpen = false
            portal.close()
            portalOpen = false
            logger.info("log and credential store closed after their last write (LMDB)")
            lock.release()
            logger.info("data folder released; stopped")
        }
    }
}

/// The first service to hear of a graceful shutdown (services stop in reverse order): logs that one began.
private struct ShutdownAnnouncer: ServiceLifecycle.Service {
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        logger.info("shutting down: no new connections; requests in flight and the current write batch finish first")
    }
}

/// The policy and period anchor a start asks for, parsed; refused naming the setting.
enum DeploymentRequest {
    static func parse(policy: String?, periodAnchor: String?) throws -> DeploymentSettings.Request {
        var requested = DeploymentSettings.Request(policy: nil)
        do {
            requested.policy = try policy.map { try PolicyProfile.named($0) }
        } catch let error as DomainError {
            throw ValidationError(error.description)
        }
        if let periodAnchor {
            guard let anchor = BusinessDate(iso8601: periodAnchor) else {
                throw ValidationError("--period-anchor '\(periodAnchor)' is not a date like 2026-04-06")
            }
            requested.periodAnchor = anchor
        }
        return requested
    }
}

/// Logging for `portal serve`: text (swift-log's stream handler) or JSON lines on standard error.
enum PortalLogging {
    static func bootstrap(_ settings: ServeSettings) {
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = settings.logFormat == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        // A data folder's permissions tightened at open are reported in the same log, one line like any other.
        let folder = Logger(label: "portal.data-folder")
        PrivateFiles.warnings.withLock { $0 = { message in folder.warning("\(message)") } }
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}

extension CommandLine {
    /// The command as run, for the data folder's lock file: `portal` and the arguments (no command takes a
    /// secret as an argument).
    static var shownCommand: String {
        (["portal"] + arguments.dropFirst()).joined(separator: " ")
    }
}

/// A line on standard output, written at once (the tests read it from a pipe).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

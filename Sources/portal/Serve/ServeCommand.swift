import ArgumentParser
import Chronology
import EventLog
import Foundation
import Hummingbird
import Logging
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections

extension Portal {
    /// `portal serve`: the HTTP API over the data folder.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve the portal's HTTP API (Hummingbird) over the data folder.",
            discussion: """
                Listens on 127.0.0.1 unless --bind says otherwise. With --demo, a new data folder is first filled
                with a demo council (staff of every team, an auditor, two providers with a contact per role,
                about 40 clients, twelve weeks of actuals, invoices in every status, a payment run) and its
                logins are printed. /health and /metrics need no token.
                """
        )

        @OptionGroup var dataFolder: DataFolderOptions

        @Option(help: "TCP port; 0 picks a free one (the line 'listening on …' says which).")
        var port: Int = 8080

        @Option(help: "Address to bind; the default is loopback only.")
        var bind: String = "127.0.0.1"

        @Option(help: "Policy profile: norfolk or lancashire (default norfolk). Recorded at a data folder's first start; later starts use the recorded one.")
        var policy: String?

        @Option(help: "The Monday that starts period 1, R-PER-1 (default 2026-04-06). Recorded like --policy.")
        var periodAnchor: String?

        @Flag(help: "Fill a new data folder with the demo council first and print its logins.")
        var demo = false

        @Option(help: ArgumentHelp("bcrypt cost of new password and passcode hashes.", visibility: .hidden))
        var bcryptCost: UInt8 = 12

        @Option(help: "Largest request body in bytes (413 beyond it).")
        var maximumBodySize: Int = 1 << 20

        /// What a new data folder records when --policy or --period-anchor is not given.
        static let defaultSettings = DeploymentSettings(policy: .norfolk, periodAnchor: BusinessDate(iso8601: "2026-04-06")!)

        /// The bcrypt cost of the demo council's accounts, whose secrets are printed.
        static let demoBcryptCost: UInt8 = 4

        func run() async throws {
            let folder = dataFolder.folder
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
            defer { portal.close() }
            say("portal: policy \(portal.configuration.policy), periods numbered from \(portal.configuration.calendar.anchor)")
            let sessions = try SessionStore(directory: folder.appendingPathComponent("sessions"), clock: portal.configuration.time.clock)
            defer { sessions.close() }

            // The read models: caught up before serving, then following the log in the background.
            let readModels = PortalReadModels(log: portal.log, dataFolder: folder)
            try readModels.open()
            defer { readModels.close() }
            try await readModels.engine.catchUp()
            let following = Task { try await readModels.engine.follow() }
            defer { following.cancel() }

            var settings = PortalAPI.Settings()
            settings.maximumBodySize = maximumBodySize
            let api = PortalAPI(portal: portal, sessions: sessions, readModels: readModels, settings: settings)
            var logger = Logger(label: "portal.http")
            logger.logLevel = .info
            let app = PortalServer.application(api, host: bind, port: port, logger: logger) { address in
                say("portal: listening on http://\(address)")
            }
            try await app.runService()
        }
    }
}

/// A line on standard output, written at once (the tests read it from a pipe).
private func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

import ArgumentParser
import EventLog
import Foundation
import PortalApplication
import PortalDomain

extension Portal {
    /// `portal staff`: council staff accounts from the deployment's shell.
    struct Staff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Council staff accounts from the shell (recovery when no helpdesk login is left).",
            subcommands: [Add.self])
    }
}

extension Portal.Staff {
    /// `portal staff add`.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a member of council staff in a team, printing their first password once.",
            discussion: """
                Done by the operator at this shell through the application (recorded as \
                system:operator:<os user>, with the reason), on a data folder that portal init (or a first \
                serve) set up. It runs beside a running portal serve: it is one atomic append to the log, which \
                LMDB serialises with the server's own appends, and the server reads the new account from the log \
                at its next login. It leaves the server's staged secrets alone. Refused while any other command \
                writes to the folder.
                """)

        @OptionGroup var dataFolder: DataFolderOptions

        @Option(help: "Their email (their username).")
        var email: String

        @Option(help: "Their name: forename(s) and surname, e.g. \"Ann Smith\".")
        var name: String

        @Option(help: "Their team: payments, service-brokerage, billing, financial-assessment, procurement, helpdesk, z-information-messaging.")
        var team: String

        @Option(help: "Why (required), recorded with the account.")
        var reason: String

        @Option(help: "The user's id (default: from the email, e.g. staff-ann.smith).")
        var userId: String?

        @Option(help: ArgumentHelp("bcrypt cost of the first password's hash.", visibility: .hidden))
        var bcryptCost: UInt8 = 12

        func run() async throws {
            let team: CouncilTeam
            do {
                team = try CouncilTeam.parse(self.team, field: "--team")
            } catch {
                throw ValidationError(error.description)
            }
            let staff = try StaffInput(email: email, name: name, userID: userId, reason: reason, nameOption: "--name")
            let settings = try recordedSettings()
            // Beside a running server the folder's lock is the server's; any other writer refuses this command.
            var lock: DataFolderLock?
            var besideServer = false
            do {
                lock = try dataFolder.lockForWriting()
            } catch let inUse as DataFolderInUse where inUse.holder?.contains(": portal serve") == true {
                besideServer = true
                print("portal: \(dataFolder.folder.path) is served by \(inUse.holder!); adding the account beside it")
            }
            defer { lock?.release() }
            let configuration = PortalApplication.Portal.Configuration(
                policy: settings.policy, calendar: try PeriodCalendar(anchor: settings.periodAnchor))
            let portal = try PortalApplication.Portal.open(
                dataDirectory: dataFolder.folder, configuration: configuration, bcryptCost: bcryptCost, settlesStagedSecrets: !besideServer)
            defer { portal.close() }
            try await staff.register(team: team, in: portal, by: .operator(osUser: OperatorIdentity.current))
        }

        /// The deployment's recorded settings, read from the log read-only; refused when none are recorded.
        private func recordedSettings() throws -> DeploymentSettings {
            guard FileManager.default.fileExists(atPath: dataFolder.logFolder.appendingPathComponent("data.mdb").path) else {
                throw ValidationError("\(dataFolder.folder.path) holds no deployment; start one with portal init")
            }
            let log = try dataFolder.openLogReadOnly()
            defer { log.close() }
            guard let recorded = try log.readStream(Deployment.streamID(Deployment.settingsID)).first,
                  let configured = try EventRegistry.decodePayload(type: recorded.type, schemaVersion: recorded.schemaVersion, payload: recorded.payload) as? DeploymentConfigured
            else {
                throw ValidationError("\(dataFolder.folder.path) has no recorded deployment settings; start it with portal init")
            }
            do {
                return try configured.settings()
            } catch {
                throw ValidationError(error.description)
            }
        }
    }
}

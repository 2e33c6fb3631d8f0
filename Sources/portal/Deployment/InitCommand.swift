import ArgumentParser
import EventLog
import Foundation
import PortalApplication
import PortalAudit
import PortalDomain

extension Portal {
    /// `portal init`: a new deployment's data folder with its settings and its first helpdesk user.
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a new deployment: record its settings and register the first helpdesk user.",
            discussion: """
                On an empty data folder (or one whose log holds only its recorded settings), records the policy \
                and period anchor (DeploymentConfigured) and registers the first helpdesk user through the \
                application, both by the operator at this shell (recorded as system:operator:<os user>, with the \
                reason). Prints the user's first password once: it must be changed at the first login (R-ACC-1). \
                A folder that already has a history is refused, naming it, and nothing is written.
                """)

        @OptionGroup var dataFolder: DataFolderOptions

        @Option(help: "Policy profile: norfolk or lancashire.")
        var policy: String

        @Option(help: "The Monday that starts period 1 (R-PER-1), e.g. 2026-04-06.")
        var periodAnchor: String

        @Option(help: "The first helpdesk user's email (their username).")
        var helpdeskEmail: String

        @Option(help: "The first helpdesk user's name: forename(s) and surname, e.g. \"Ann Smith\".")
        var helpdeskName: String

        @Option(help: "The user's id (default: from the email, e.g. staff-ann.smith).")
        var helpdeskUserId: String?

        @Option(help: "Why, recorded with both events.")
        var reason: String = "go-live: a new deployment and its first helpdesk user (portal init)"

        @Option(help: ArgumentHelp("bcrypt cost of the first password's hash.", visibility: .hidden))
        var bcryptCost: UInt8 = 12

        func run() async throws {
            let folder = dataFolder.folder
            // Every input is checked before anything is written.
            let requested = try DeploymentRequest.parse(policy: policy, periodAnchor: periodAnchor)
            let staff = try StaffInput(email: helpdeskEmail, name: helpdeskName, userID: helpdeskUserId, reason: reason, nameOption: "--helpdesk-name")
            try dataFolder.refuseHistory()
            let lock = try dataFolder.lockForWriting()
            defer { lock.release() }
            try dataFolder.refuseHistory()

            let actor = Actor.operator(osUser: OperatorIdentity.current)
            let portal: PortalApplication.Portal
            do {
                portal = try await PortalApplication.Portal.open(
                    dataDirectory: folder, deployment: requested, defaults: Serve.defaultSettings, bcryptCost: bcryptCost,
                    request: CommandRequest(actor: actor), reason: staff.reason)
            } catch let error as DomainError {
                throw ValidationError(error.description)
            }
            defer { portal.close() }
            print("portal: deployment \(folder.path): policy \(portal.configuration.policy), periods numbered from \(portal.configuration.calendar.anchor) (recorded by \(actor.who))")
            try await staff.register(team: .helpdesk, in: portal, by: actor)
            // The key that signs the log's checkpoints for outside auditors, made with the deployment.
            let signing = try CheckpointSigningKey.ensure(in: folder)
            print("portal: checkpoints are signed with \(signing.file.path) (back it up with the data folder); public key for auditors:")
            print("  \(signing.verifierKey(name: try Checkpoint.origin(of: portal.log)))")
        }
    }
}

extension DataFolderOptions {
    /// Refuses a data folder whose log holds more than its recorded deployment settings, naming it; reads the
    /// log read-only and writes nothing.
    func refuseHistory() throws {
        guard FileManager.default.fileExists(atPath: logFolder.appendingPathComponent("data.mdb").path) else { return }
        let log = try openLogReadOnly()
        defer { log.close() }
        let head = try log.head().position
        let settings = try log.readStream(Deployment.streamID(Deployment.settingsID)).count
        guard head <= UInt64(settings) else {
            throw ValidationError("\(folder.path) already has a history (\(head) events in \(logFolder.path)); portal init starts a new deployment only. To add council staff to it, use portal staff add")
        }
    }
}

/// The operating-system user at this shell, as the log records an operator (`system:operator:<name>`).
enum OperatorIdentity {
    static var current: String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
            return String(cString: name)
        }
        return "uid-\(geteuid())"
    }
}

/// A member of council staff as given on the command line: checked before anything is written.
struct StaffInput {
    var userID: UserID
    var person: Person
    var reason: String

    init(email: String, name: String, userID: String?, reason: String, nameOption: String) throws {
        let words = name.split(whereSeparator: \.isWhitespace)
        guard words.count >= 2 else {
            throw ValidationError("\(nameOption) '\(name)' needs a forename and a surname, e.g. \"Ann Smith\"")
        }
        do {
            person = try Person(forename: words.dropLast().joined(separator: " "), surname: String(words.last!), email: email).validated()
            guard let reason = try TextInput.optional(reason, field: "reason", maximumLength: 500) else {
                throw ValidationError("--reason is empty; say why, e.g. \"no helpdesk login is left\"")
            }
            self.reason = reason
            let local = person.email.split(separator: "@").first.map(String.init) ?? "user"
            let derived = "staff-" + String(local.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "-" }.prefix(58))
            self.userID = try UserID.parse(userID ?? derived, field: "--user-id")
        } catch let error as DomainError {
            throw ValidationError(error.description)
        }
    }

    /// Registers the account through the application as `actor`, and prints its first password once.
    func register(team: CouncilTeam, in portal: PortalApplication.Portal, by actor: Actor) async throws {
        let outcome: CommandOutcome<String>
        do {
            outcome = try await portal.registerCouncilUser(userID, person: person, team: team, reason: reason, CommandRequest(actor: actor))
        } catch let error as DomainError {
            throw ValidationError(error.description)
        } catch let error as PortalError {
            throw ValidationError(error.description)
        }
        print("portal: \(team.displayName) user \(userID) registered (\(person.forename) \(person.surname), \(person.email)) by \(actor.who): \(reason)")
        if let password = outcome.value {
            print("portal: first password, shown once (it must be changed at the first login, R-ACC-1):")
            print("  \(password)")
        }
    }
}

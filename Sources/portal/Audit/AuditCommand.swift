import ArgumentParser
import Chronology
import EventLog
import Foundation
import PortalAudit

extension Portal {
    /// `portal audit …`: read-only questions about the log, answered from the log alone.
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "audit",
            abstract: "Replay histories, show state as of any moment, verify the log (read-only).",
            discussion: """
                Every answer comes from the event log alone (no read models), opened read-only: safe against a
                live server's data folder and against a backup copy made with mdb_copy.
                """,
            subcommands: [History.self, AsOf.self, Who.self, Trace.self, Digest.self, Verify.self, CheckpointCommand.self, PublicKey.self,
                          Prove.self, Remittance.self])
    }
}

/// What an audit question is about.
enum AuditSubjectKind: String, ExpressibleByArgument, CaseIterable {
    case invoice
    case creditNote = "credit-note"
    case claim
    case paymentRun = "payment-run"
    case cpli
    case servicePeriod = "service-period"
    case contact
    case stream

    static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// Options shared by the audit commands.
struct AuditOptions: ParsableArguments {
    @OptionGroup var dataFolder: DataFolderOptions

    @Option(help: "Output: table (readable), json (one object per line) or csv.")
    var format: AuditFormatArgument = .table

    @Flag(help: "With --format csv, begin with a UTF-8 byte-order mark, so that Excel reads the file as UTF-8.")
    var bom = false

    func validate() throws {
        if bom && format != .csv { throw ValidationError("--bom is for --format csv") }
    }

    func openLog() throws -> EventLog { try dataFolder.openLogReadOnly() }

    /// Prints an answer on standard output, after the byte-order mark when asked for.
    func emit(_ text: String) {
        print((bom ? "\u{FEFF}" : "") + text, terminator: "")
    }
}

enum AuditFormatArgument: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
    var format: AuditFormat { AuditFormat(rawValue: rawValue)! }
}

/// The subject named on the command line: KIND ID, where a service period is `SERVICE/PERIOD` and an invoice or
/// credit note is its id or the provider's reference.
struct SubjectArguments: ParsableArguments {
    @Argument(help: """
        What to audit: invoice or credit-note (id or the provider's reference), claim (a one-off claim), payment-run, \
        cpli, service-period, contact (user id or email) or stream (any stream id).
        """)
    var kind: AuditSubjectKind

    @Argument(help: "Its id; a service period is SERVICE/PERIOD, e.g. svc-1/12; an invoice or credit note also its reference, e.g. INV-P9.")
    var id: String

    @Option(help: ArgumentHelp("The organisation whose invoice or credit note reference is meant, when several providers used it.", valueName: "org"))
    var provider: String?

    func validate() throws {
        if provider != nil && kind != .invoice && kind != .creditNote {
            throw ValidationError("--provider picks the organisation of an invoice or credit-note reference; \(kind.rawValue) ids are unique")
        }
    }

    func resolve(in log: EventLog) throws -> AuditSubject {
        let subjects = AuditSubjects(log: log)
        switch kind {
        case .invoice: return try subjects.invoice(id, provider: provider)
        case .creditNote: return try subjects.creditNote(id, provider: provider)
        case .claim: return try subjects.claim(id)
        case .paymentRun: return try subjects.paymentRun(id)
        case .cpli: return try subjects.cpli(id)
        case .contact: return try subjects.contact(id)
        case .stream: return try subjects.stream(id)
        case .servicePeriod:
            let parts = id.split(separator: "/")
            guard parts.count == 2, let period = Int(parts[1]) else {
                throw ValidationError("a service period is SERVICE/PERIOD, e.g. svc-1/12; got '\(id)'")
            }
            return try subjects.servicePeriod(service: String(parts[0]), period: period)
        }
    }
}

extension Portal.Audit {
    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every event of a subject in order: position, time, actor and role or team, a summary, and the fields it changed.")

        @OptionGroup var subject: SubjectArguments
        @OptionGroup var options: AuditOptions

        func run() throws {
            let log = try options.openLog()
            let history = try AuditHistory(subject.resolve(in: log), in: log)
            options.emit(try AuditOutput.history(history, format: options.format.format))
        }
    }

    struct AsOf: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "as-of",
            abstract: "The state of a subject at a UTC instant or at a log position, replayed from the log.")

        @OptionGroup var subject: SubjectArguments
        @OptionGroup var options: AuditOptions

        @Option(help: "A UTC instant, e.g. 2026-11-16T09:30:00Z (or a date, meaning its midnight UTC).")
        var at: String?

        @Option(help: "A log position.")
        var position: UInt64?

        func validate() throws {
            guard (at == nil) != (position == nil) else { throw ValidationError("give exactly one of --at and --position") }
            if let at, Timestamp(iso8601: at) == nil {
                throw ValidationError("--at must be a UTC instant like 2026-11-16T09:30:00Z, got '\(at)'")
            }
        }

        func run() throws {
            let log = try options.openLog()
            let history = try AuditHistory(subject.resolve(in: log), in: log)
            let state: JSONTree
            let title: String
            if let position {
                state = history.state(atPosition: position)
                let last = history.lastStep(atPosition: position)
                title = "\(history.subject.name) as of position \(position)" + (last.map { " (last change: position \($0.event.position), \($0.event.type))" } ?? " (before its first event)")
            } else {
                let instant = Timestamp(iso8601: at!)!
                state = history.state(at: instant)
                let last = history.lastStep(at: instant)
                title = "\(history.subject.name) as of \(instant.iso8601)" + (last.map { " (last change: position \($0.event.position), \($0.event.type))" } ?? " (before its first event)")
            }
            options.emit(try AuditOutput.state(state, title: title, format: options.format.format))
        }
    }

    struct Who: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every change a user made in a time range.")

        @Argument(help: "The user's id or email address, or a system actor (system:<job>, system:operator:<os user>).")
        var user: String

        @Option(help: "From this UTC instant (inclusive).")
        var from: String?

        @Option(help: "To this UTC instant (exclusive).")
        var to: String?

        @OptionGroup var options: AuditOptions

        func validate() throws {
            for (name, value) in [("--from", from), ("--to", to)] {
                if let value, Timestamp(iso8601: value) == nil {
                    throw ValidationError("\(name) must be a UTC instant like 2026-11-16T09:30:00Z, got '\(value)'")
                }
            }
        }

        func run() throws {
            let log = try options.openLog()
            // A user is named by id or email; the portal's own jobs and operators by their recorded name.
            let who = user.hasPrefix("system:") ? user : try AuditSubjects(log: log).userID(user)
            let events = try LogQueries(log: log).changes(by: who, from: from.flatMap(Timestamp.init(iso8601:)), to: to.flatMap(Timestamp.init(iso8601:)))
            let range = "\(from ?? "the beginning") to \(to ?? "now")"
            let title = who == user ? "changes by \(who) from \(range)" : "changes by \(who) (\(user)) from \(range)"
            options.emit(try AuditOutput.events(events, title: title, format: options.format.format))
        }
    }

    struct Trace: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every event of one request or job: the request id the API returned in X-Request-ID (its correlation id).")

        @Argument(help: "The request id (X-Request-ID) or correlation id, a UUID.")
        var requestID: String

        @OptionGroup var options: AuditOptions

        func validate() throws {
            if UUID(uuidString: requestID.trimmingCharacters(in: .whitespaces)) == nil {
                throw ValidationError("the request id must be a UUID as the API returns it in X-Request-ID (e.g. 0192f3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b), got '\(requestID)'")
            }
        }

        func run() throws {
            let log = try options.openLog()
            let id = UUID(uuidString: requestID.trimmingCharacters(in: .whitespaces))!
            let events = try LogQueries(log: log).trace(correlationID: id)
            var title = "request \(id.uuidString.lowercased())"
            if events.isEmpty { title += " wrote nothing to the log (a read, a refused request, or a mistyped id)" }
            options.emit(try AuditOutput.events(events, title: title, format: options.format.format))
        }
    }

    struct Digest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the head position and its chain hash, to keep outside the system.")

        @OptionGroup var options: AuditOptions

        @Option(help: ArgumentHelp("Also write the digest to this file (JSON), for `verify --from-digest`.", valueName: "file"))
        var output: String?

        func run() throws {
            let log = try options.openLog()
            let digest = try LogDigest(of: log)
            if let output { try digest.json().write(to: URL(fileURLWithPath: output)) }
            options.emit(try AuditOutput.digest(digest, format: options.format.format))
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-check the whole chain and Merkle tree, or that the log still holds a kept digest or signed checkpoint unchanged and only grew after it.",
            discussion: "Exits with status 0 when the log verifies, 1 when it does not, 2 for a usage error. Progress goes to standard error.")

        @OptionGroup var options: AuditOptions

        @Option(help: ArgumentHelp("A digest written by `portal audit digest --output`.", valueName: "file"))
        var fromDigest: String?

        @Option(help: ArgumentHelp("A signed checkpoint written by `portal audit checkpoint --output`.", valueName: "file"))
        var fromCheckpoint: String?

        @OptionGroup var signing: SigningOptions

        func validate() throws {
            if fromDigest != nil && fromCheckpoint != nil { throw ValidationError("give --from-digest or --from-checkpoint, not both") }
        }

        func run() throws {
            let log = try options.openLog()
            let started = ContinuousClock.now
            let progress: (UInt64) -> Void = { position in
                FileHandle.standardError.write(Data("verified through position \(position)\n".utf8))
            }
            var report: VerificationReport
            if let fromDigest {
                guard let data = FileManager.default.contents(atPath: fromDigest) else {
                    throw ValidationError("cannot read --from-digest \(fromDigest)")
                }
                let digest = try LogDigest.read(data)
                let check = try DigestCheck.check(log, against: digest, progress: progress)
                report = VerificationReport(verifiedCount: check.verifiedCount, failure: check.failure, digest: digest, grownBy: check.grownBy)
            } else if let fromCheckpoint {
                let signed = try signing.checkpoint(at: fromCheckpoint, log, dataFolder: options.dataFolder.folder)
                report = try CheckpointCheck.check(log, against: signed.checkpoint, progress: progress)
            } else {
                let result = try log.verify(progress: progress)
                report = VerificationReport(verifiedCount: result.verifiedCount, failure: result.failure, treeRoot: result.treeRoot,
                                            treeNodesChecked: result.treeNodesChecked)
            }
            let elapsed = Measurement.seconds(ContinuousClock.now - started)
            report.eventsPerSecond = elapsed > 0 ? Int(Double(report.verifiedCount) / elapsed) : nil
            options.emit(try AuditOutput.verification(report, format: options.format.format))
            if !report.isVerified { throw ExitCode(1) }
        }
    }
}

extension Portal.Audit {
    /// `portal audit remittance …`: payment runs' remittance advice, from the log alone.
    struct Remittance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remittance advice of payment runs, rebuilt from the log alone.",
            subcommands: [Regenerate.self])
    }
}

extension Portal.Audit.Remittance {
    struct Regenerate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild each provider's remittance advice of a payment run from the log and check it is byte-identical to the one issued.",
            discussion: """
                Reads the run's RemittanceIssued events (no read model), renders each provider's CSV and printable \
                advice as the portal does, writes <output>/<run>-<organisation>.csv and .txt, and compares the CSV's \
                SHA-256 with the one the run recorded. A file that already holds exactly those bytes is left alone; \
                a file with other content is not replaced (nothing is written) unless --overwrite is given. Exits \
                with status 0 when every CSV is identical, 1 when any differs (or on an error).
                """)

        @Argument(help: ArgumentHelp("The payment run id, e.g. run-1218.", valueName: "run"))
        var paymentRun: String

        @Option(help: ArgumentHelp("Only this organisation's remittance.", valueName: "org"))
        var provider: String?

        @Option(help: ArgumentHelp("Folder for the files (created when missing; default: the current folder).", valueName: "dir"))
        var output: String?

        @Flag(help: "Replace files that exist with other content.")
        var overwrite = false

        @OptionGroup var options: AuditOptions

        func run() throws {
            let log = try options.openLog()
            let remittances = try RemittanceRegeneration.regenerate(run: paymentRun, provider: provider, in: log)
            let folder = URL(fileURLWithPath: output ?? ".", isDirectory: true).standardizedFileURL
            let files = try RemittanceFiles.write(remittances, to: folder, overwrite: overwrite)
            options.emit(try AuditOutput.remittances(remittances, files: files, run: paymentRun, format: options.format.format))
            if remittances.contains(where: { !$0.isIdentical }) { throw ExitCode(1) }
        }
    }
}

import ArgumentParser
import Chronology
import EventLog
import Foundation
import PortalAudit

/// The deployment's signing key and the checkpoint files the proof commands read.
struct SigningOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The public key that signed the checkpoints given (as `portal audit public-key` printed it); default: this data folder's key.",
        valueName: "file"))
    var publicKey: String?

    /// The key that checkpoints given on the command line must be signed by.
    func verifierKey(_ log: EventLog, dataFolder: URL) throws -> VerifierKey {
        if let publicKey {
            guard let data = FileManager.default.contents(atPath: publicKey) else { throw ValidationError("cannot read --public-key \(publicKey)") }
            return try VerifierKey(parsing: String(decoding: data, as: UTF8.self))
        }
        guard let key = try CheckpointSigningKey.existing(in: dataFolder) else {
            throw ValidationError("\(dataFolder.path) has no checkpoint signing key (keys/\(CheckpointSigningKey.fileName)); "
                + "give the public key that signed the checkpoint with --public-key FILE")
        }
        return key.verifierKey(name: try Checkpoint.origin(of: log))
    }

    /// The signed checkpoint in `path`, its signature checked.
    func checkpoint(at path: String, _ log: EventLog, dataFolder: URL) throws -> SignedCheckpoint {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read the checkpoint file \(path)") }
        return try SignedCheckpoint.verify(String(decoding: data, as: UTF8.self), with: verifierKey(log, dataFolder: dataFolder))
    }
}

/// Writes `data` to `path` whole: to a file beside it, then renamed over it.
func writeWhole(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    do {
        try data.write(to: url, options: .atomic)
    } catch {
        throw ValidationError("cannot write \(path): \(error.localizedDescription)")
    }
}

extension Portal.Audit {
    struct CheckpointCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "checkpoint",
            abstract: "Sign the log's Merkle tree head now: size, root, chain head and time, with the deployment's Ed25519 key.",
            discussion: """
                Writes a C2SP signed note (a tlog-checkpoint with chain-head and time lines) to --output. Keep it \
                outside the system, or give it to an auditor with `portal audit public-key`: `audit verify \
                --from-checkpoint` later proves the log still holds it and only grew, and `audit prove` proves \
                records against it. The signing key is made on first use in <data>/keys/checkpoint-signing.key.
                """)

        @OptionGroup var options: AuditOptions

        @Option(help: ArgumentHelp("Where to write the signed checkpoint.", valueName: "file"))
        var output: String

        func run() throws {
            let log = try options.openLog()
            let key = try CheckpointSigningKey.ensure(in: options.dataFolder.folder)
            let signed = try SignedCheckpoint.sign(Checkpoint.head(of: log, time: Timestamp(Date())), with: key)
            try writeWhole(Data(signed.note.utf8), to: output)
            options.emit(try AuditOutput.checkpoint(signed, file: output, format: options.format.format))
        }
    }

    struct PublicKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public-key",
            abstract: "Print the public key that verifies this deployment's checkpoints (made with the signing key when there is none).",
            discussion: "Give this line, saved in a file, to `tools/verify-evidence.py --public-key`.")

        @OptionGroup var options: AuditOptions

        func run() throws {
            let log = try options.openLog()
            let key = try CheckpointSigningKey.ensure(in: options.dataFolder.folder)
            options.emit(try AuditOutput.publicKey(key.verifierKey(name: Checkpoint.origin(of: log)), format: options.format.format))
        }
    }

    /// `portal audit prove …`: evidence bundles an auditor checks with the public key alone.
    struct Prove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write evidence of a record's history (its events, their inclusion proofs, a signed checkpoint), or of two checkpoints' consistency.",
            discussion: """
                A bundle holds the record's events exactly as stored and nothing of any other stream; \
                tools/verify-evidence.py BUNDLE --public-key FILE checks it with no access to the portal.
                """,
            subcommands: [Invoice.self, CreditNote.self, Claim.self, PaymentRun.self, Consistency.self])
    }
}

/// Options of every bundle: the checkpoint to prove against and the output file.
struct BundleOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Prove against this signed checkpoint (default: a new one of the log's head, signed now).", valueName: "file"))
    var checkpoint: String?

    @Option(help: ArgumentHelp("Where to write the bundle (JSON).", valueName: "bundle"))
    var output: String

    @OptionGroup var signing: SigningOptions
    @OptionGroup var options: AuditOptions

    /// Resolves the subject with `subject`, makes the bundle and writes it.
    func prove(kind: String, selection: EvidenceBundle.Selection = .stream, _ subject: (AuditSubjects) throws -> AuditSubject) throws {
        let log = try options.openLog()
        let folder = options.dataFolder.folder
        let signed: SignedCheckpoint
        if let checkpoint {
            signed = try signing.checkpoint(at: checkpoint, log, dataFolder: folder)
        } else {
            signed = try SignedCheckpoint.sign(Checkpoint.head(of: log, time: Timestamp(Date())), with: CheckpointSigningKey.ensure(in: folder))
        }
        let resolved = try subject(AuditSubjects(log: log))
        let started = ContinuousClock.now
        let bundle = try EvidenceBundle.make(kind: kind, streamID: resolved.sources[0].streamID, selection: selection, checkpoint: signed, in: log)
        let json = try bundle.json()
        let elapsed = ContinuousClock.now - started
        try writeWhole(json, to: output)
        var name = resolved.name
        if case .remittance(let organisation) = selection { name = "the remittance to \(organisation) of \(name)" }
        options.emit(try AuditOutput.bundle(bundle, name: name, checkpointSize: signed.checkpoint.size, file: output, bytes: json.count,
                                            milliseconds: Measurement.seconds(elapsed) * 1000, format: options.format.format))
    }
}

extension Portal.Audit.Prove {
    struct Invoice: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Evidence of an invoice's history (by id or the provider's reference).")

        @Argument(help: "The invoice's id or reference, e.g. INV-P9.")
        var reference: String

        @Option(help: ArgumentHelp("The organisation whose reference is meant, when several providers used it.", valueName: "org"))
        var provider: String?

        @OptionGroup var bundle: BundleOptions

        func run() throws {
            try bundle.prove(kind: "invoice") { try $0.invoice(reference, provider: provider) }
        }
    }

    struct CreditNote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "credit-note", abstract: "Evidence of a credit note's history (by id or reference).")

        @Argument(help: "The credit note's id or reference.")
        var reference: String

        @Option(help: ArgumentHelp("The organisation whose reference is meant, when several providers used it.", valueName: "org"))
        var provider: String?

        @OptionGroup var bundle: BundleOptions

        func run() throws {
            try bundle.prove(kind: "credit-note") { try $0.creditNote(reference, provider: provider) }
        }
    }

    struct Claim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Evidence of a one-off claim's history.")

        @Argument(help: "The claim's id.")
        var id: String

        @OptionGroup var bundle: BundleOptions

        func run() throws {
            try bundle.prove(kind: "claim") { try $0.claim(id) }
        }
    }

    struct PaymentRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "payment-run",
            abstract: "Evidence of a payment run: the whole run, or with --provider only that provider's remittance advice.")

        @Argument(help: "The payment run's id.")
        var id: String

        @Option(help: ArgumentHelp("Only this organisation's remittance (nothing of other providers).", valueName: "org"))
        var provider: String?

        @OptionGroup var bundle: BundleOptions

        func run() throws {
            if let provider {
                try bundle.prove(kind: "remittance", selection: .remittance(organisation: provider)) { try $0.paymentRun(id) }
            } else {
                try bundle.prove(kind: "payment-run") { try $0.paymentRun(id) }
            }
        }
    }

    struct Consistency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove that the later checkpoint's log extends the earlier one's (RFC 9162 consistency proof).",
            discussion: "Writes the proof with both checkpoints (JSON) to --output or standard output; tools/verify-evidence.py checks it.")

        @Argument(help: ArgumentHelp("The earlier signed checkpoint.", valueName: "old"))
        var older: String

        @Argument(help: ArgumentHelp("The later signed checkpoint.", valueName: "new"))
        var newer: String

        @Option(help: ArgumentHelp("Where to write the proof (default: standard output).", valueName: "file"))
        var output: String?

        @OptionGroup var signing: SigningOptions
        @OptionGroup var options: AuditOptions

        func run() throws {
            let log = try options.openLog()
            let folder = options.dataFolder.folder
            let old = try signing.checkpoint(at: older, log, dataFolder: folder)
            let new = try signing.checkpoint(at: newer, log, dataFolder: folder)
            let evidence = try ConsistencyEvidence.make(older: old, newer: new, in: log)
            let json = try evidence.json()
            guard let output else {
                FileHandle.standardOutput.write(json)
                return
            }
            try writeWhole(json, to: output)
            options.emit(try AuditOutput.consistency(evidence, older: old.checkpoint.size, newer: new.checkpoint.size, file: output,
                                                     format: options.format.format))
        }
    }
}

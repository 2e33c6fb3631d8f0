import ArgumentParser
import Chronology
import EventLog
import Foundation
import PortalAudit
import PortalDomain

extension Portal.Bench {
    /// `portal bench audit`: one invoice's history from a large log, and the verify rate.
    struct AuditBenchmark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "audit",
            abstract: "Time one invoice's audit history and evidence bundle on a log of at least 1M events (p50/p99), and verify's events/s.",
            discussion: """
                Generates a county's history of at least --events events into <data>/log unless the folder already \
                holds a log (as `portal bench projections` does), then, with the log opened read-only: finds an \
                invoice (the one with the longest story among those paid by the middle payment run, unless \
                --invoice names one), times its history --runs times in this process through PortalAudit exactly \
                as `portal audit history invoice REF` computes and prints it (found by reference through the \
                invoicerefs streams, by reference with --provider, and by id), runs the real command once as a \
                new process; makes the invoice's evidence bundle (a signed checkpoint, the proofs, the JSON) --runs \
                times, then `portal audit prove` once and tools/verify-evidence.py on its bundle; and verifies the \
                whole chain and Merkle tree.
                """)

        @OptionGroup var county: CountyLogOptions

        @Option(help: "Timed histories per way of naming the invoice.")
        var runs: Int = 200

        @Option(help: ArgumentHelp("The invoice to audit (id or reference); default: chosen from the log.", valueName: "ref"))
        var invoice: String?

        func validate() throws {
            if runs < 1 { throw ValidationError("--runs must be at least 1") }
        }

        func run() async throws {
            let folder = county.folder()
            defer { county.removeIfTemporary(folder) }
            print("portal bench audit — \(ProcessInfo.processInfo.activeProcessorCount) cores, folder \(folder.path)")
            let logFolder = try await county.ensureLog(in: folder)

            let log = try CountyLog.openReadOnly(logFolder)
            defer { log.close() }
            let head = try log.head().position
            let stats = try log.statistics()
            print("log: \(head) events, \(String(format: "%.0f", Double(stats.usedBytes) / 1_048_576)) MiB used")

            let chosen = try invoice.map { ($0, try Self.describe($0, log)) } ?? Self.chooseInvoice(log)
            let (text, document) = chosen
            print("invoice: \(document.id), reference \(document.reference) of \(document.organisation), \(document.events) events "
                + "(\(try log.streamIDs(category: InvoiceReferences.category, limit: .max).count) providers' reference streams)")

            // In process: find, replay and print, as the command does.
            var lines = 0
            func history(_ name: String, provider: String? = nil) throws -> String {
                let subjects = AuditSubjects(log: log)
                let subject = try subjects.invoice(name, provider: provider)
                let output = try AuditOutput.history(AuditHistory(subject, in: log), format: .table)
                lines = output.split(separator: "\n").count
                return output
            }
            _ = try history(invoice ?? document.reference)
            print("history: \(lines) lines of table output")
            print("")
            print("in process, \(runs) runs each (after one warm-up)".padding(toLength: 62, withPad: " ", startingAt: 0)
                + "     p50        p99        max")
            for (label, name, provider) in [
                ("by reference (every provider's references)", document.reference, nil as String?),
                ("by reference with --provider", document.reference, document.organisation),
                ("by id", document.id, nil),
            ] {
                var samples: [Duration] = []
                samples.reserveCapacity(runs)
                for _ in 0..<runs {
                    let started = ContinuousClock.now
                    _ = try history(name, provider: provider)
                    samples.append(ContinuousClock.now - started)
                }
                Self.printTimes("  " + label, samples)
            }

            // Where the time goes, for the reference found among every provider's.
            var find: [Duration] = [], replay: [Duration] = [], render: [Duration] = []
            for _ in 0..<runs {
                var started = ContinuousClock.now
                let subject = try AuditSubjects(log: log).invoice(document.reference)
                find.append(ContinuousClock.now - started)
                started = ContinuousClock.now
                let replayed = try AuditHistory(subject, in: log)
                replay.append(ContinuousClock.now - started)
                started = ContinuousClock.now
                _ = try AuditOutput.history(replayed, format: .table)
                render.append(ContinuousClock.now - started)
            }
            for (label, samples) in [("  of which: find the reference", find), ("            replay the stream with diffs", replay),
                                     ("            print the table", render)] {
                Self.printTimes("  " + label, samples)
            }

            // The real command, once, as a new process (start-up included).
            if let binary = Bundle.main.executableURL {
                let run = try Self.timedRun(binary, ["audit", "history", "invoice", text, "--data", folder.path])
                print("  " + "`portal audit history invoice \(text)` (new process)".padding(toLength: 60, withPad: " ", startingAt: 0)
                    + Measurement.milliseconds(run.elapsed).leftPadded(to: 11)
                    + "  (exit \(run.status), \(run.output.split(separator: "\n").count) lines)")
            }

            try prove(document, log: log, folder: folder)

            // Verification of the whole chain and the Merkle tree.
            print("")
            let (verified, wall, cpu) = try Measurement.timed { try log.verify() }
            print("verify (chain and tree, one thread): \(verified.verifiedCount) events and \(verified.treeNodesChecked) tree nodes in "
                + String(format: "%.2f s, ", Measurement.seconds(wall)) + Measurement.rate(verified.verifiedCount, wall)
                + String(format: " (%.2f s of CPU: ", Measurement.seconds(cpu)) + Measurement.rate(verified.verifiedCount, cpu) + " per CPU-second)"
                + (verified.isIntact ? "" : " — \(verified)"))
        }

        /// Times the invoice's evidence bundle (in process and as the real command) and checks it with the
        /// independent verifier when Python's cryptography is there.
        private func prove(_ document: Document, log: EventLog, folder: URL) throws {
            print("")
            let coverage = try log.treeCoverage()
            let head = try log.head().position
            if coverage < head {
                print("note: the stored Merkle tree covers \(coverage) of \(head) events (a log written before the tree); proofs are computed from the records beyond it")
            }
            let key = try CheckpointSigningKey.ensure(in: folder)
            var signing: [Duration] = [], proving: [Duration] = []
            var bytes = 0
            var hashes = 0
            var bundle: EvidenceBundle?
            for _ in 0..<runs {
                var started = ContinuousClock.now
                let signed = try SignedCheckpoint.sign(Checkpoint.head(of: log, time: Timestamp(Date())), with: key)
                signing.append(ContinuousClock.now - started)
                started = ContinuousClock.now
                let made = try EvidenceBundle.make(kind: "invoice", streamID: Invoice.streamID(document.id), selection: .stream, checkpoint: signed, in: log)
                bytes = try made.json().count
                proving.append(ContinuousClock.now - started)
                hashes = made.events.reduce(0) { $0 + $1.inclusionProof.count }
                bundle = made
            }
            print("evidence of the invoice: \(bundle?.events.count ?? 0) events, \(hashes) proof hashes (\(hashes / max(bundle?.events.count ?? 1, 1)) each), "
                + "a bundle of \(bytes) bytes")
            Self.printTimes("  sign a checkpoint of the head", signing)
            Self.printTimes("  make the bundle (records, proofs, JSON)", proving)
            guard let binary = Bundle.main.executableURL else { return }
            let output = folder.appendingPathComponent("bench-evidence.json")
            let keyFile = folder.appendingPathComponent("bench-public-key.txt")
            try Data((key.verifierKey(name: Checkpoint.origin(of: log)).description + "\n").utf8).write(to: keyFile)
            for (label, executable, arguments) in [
                ("`portal audit prove invoice \(document.reference)` (new process)", binary,
                 ["audit", "prove", "invoice", document.id, "--data", folder.path, "--output", output.path]),
                ("`tools/verify-evidence.py` on it (Python, new process)", URL(fileURLWithPath: "/usr/bin/env"),
                 ["python3", Self.verifier.path, output.path, "--public-key", keyFile.path]),
            ] {
                guard executable != URL(fileURLWithPath: "/usr/bin/env") || FileManager.default.fileExists(atPath: Self.verifier.path) else {
                    print("  (tools/verify-evidence.py not found beside the build; not run)")
                    continue
                }
                let run = try Self.timedRun(executable, arguments)
                print(label.padding(toLength: 62, withPad: " ", startingAt: 0) + Measurement.milliseconds(run.elapsed).leftPadded(to: 11)
                    + "  (exit \(run.status)) \(run.output.split(separator: "\n").first?.prefix(90) ?? "")")
            }
        }

        /// Runs a program to its end: how long it took, its exit status and its standard output.
        static func timedRun(_ executable: URL, _ arguments: [String]) throws -> (elapsed: Duration, status: Int32, output: String) {
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            let started = ContinuousClock.now
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (ContinuousClock.now - started, process.terminationStatus, String(decoding: output, as: UTF8.self))
        }

        /// A line of p50, p99 and the largest of `samples`, after `label`.
        static func printTimes(_ label: String, _ samples: [Duration]) {
            let sorted = samples.sorted()
            print(label.padding(toLength: 62, withPad: " ", startingAt: 0)
                + [50, 99, 100].map { Measurement.milliseconds(Measurement.percentile(sorted, Double($0))).leftPadded(to: 11) }.joined())
        }

        /// The verifier in the repository this binary was built from (…/.build/<config>/portal → …/tools).
        static var verifier: URL {
            var folder = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent() ?? URL(fileURLWithPath: ".")
            while folder.path != "/" && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("tools/verify-evidence.py").path) {
                folder = folder.deletingLastPathComponent()
            }
            return folder.appendingPathComponent("tools/verify-evidence.py")
        }

        /// An invoice's id, reference, organisation and number of events.
        struct Document {
            var id: String
            var reference: String
            var organisation: String
            var events: UInt64
        }

        static func describe(_ name: String, _ log: EventLog) throws -> Document {
            let subject = try AuditSubjects(log: log).invoice(name)
            let streamID = subject.sources[0].streamID
            let payload = try JSONTree(json: try log.readStream(streamID, limit: 1)[0].payload)
            return Document(id: String(streamID.dropFirst(Invoice.category.count + 1)), reference: payload["reference"]?.leafText ?? name,
                            organisation: payload["organisationID"]?.leafText ?? "", events: try log.streamVersion(streamID))
        }

        /// The invoice with the longest stream among the first 100 paid by the middle payment run (the first invoice
        /// stream when no run paid one); named by its reference.
        static func chooseInvoice(_ log: EventLog) throws -> (String, Document) {
            let runs = try log.streamIDs(category: PaymentRun.category, limit: .max)
            var candidates: [String] = []
            if !runs.isEmpty {
                let middle = runs.sorted { $0.count != $1.count ? $0.count < $1.count : $0 < $1 }[runs.count / 2]
                for event in try log.readStream(middle) where event.type == PaymentRunCompleted.eventType {
                    if case .array(let ids)? = try JSONTree(json: event.payload)["invoiceIDs"] { candidates = ids.prefix(100).map(\.leafText) }
                }
            }
            if candidates.isEmpty, let first = try log.streamIDs(category: Invoice.category, limit: 1).first {
                candidates = [String(first.dropFirst(Invoice.category.count + 1))]
            }
            guard !candidates.isEmpty else { throw ValidationError("the log holds no invoice to audit; give --invoice or generate a county log") }
            var best = candidates[0]
            var longest: UInt64 = 0
            for id in candidates {
                let version = try log.streamVersion(Invoice.streamID(id))
                if version > longest { (best, longest) = (id, version) }
            }
            let document = try describe(best, log)
            return (document.reference, document)
        }
    }
}

extension String {
    /// The text right-aligned in `width` characters.
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

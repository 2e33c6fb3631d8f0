import ArgumentParser
import EventLog
import Foundation
import PortalAudit
import PortalDomain

extension Portal.Bench {
    /// `portal bench audit`: one invoice's history from a large log, and the verify rate.
    struct AuditBenchmark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "audit",
            abstract: "Time one invoice's audit history on a log of at least 1M events (p50/p99), and verify's events/s.",
            discussion: """
                Generates a county's history of at least --events events into <data>/log unless the folder already \
                holds a log (as `portal bench projections` does), then, with the log opened read-only: finds an \
                invoice (the one with the longest story among those paid by the middle payment run, unless \
                --invoice names one), times its history --runs times in this process through PortalAudit exactly \
                as `portal audit history invoice REF` computes and prints it (found by reference through the \
                invoicerefs streams, by reference with --provider, and by id), runs the real command once as a \
                new process, and verifies the whole chain.
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
                samples.sort()
                print("  " + label.padding(toLength: 60, withPad: " ", startingAt: 0)
                    + [50, 99, 100].map { Measurement.milliseconds(Measurement.percentile(samples, Double($0))).leftPadded(to: 11) }.joined())
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
                let sorted = samples.sorted()
                print("  " + label.padding(toLength: 60, withPad: " ", startingAt: 0)
                    + [50, 99, 100].map { Measurement.milliseconds(Measurement.percentile(sorted, Double($0))).leftPadded(to: 11) }.joined())
            }

            // The real command, once, as a new process (start-up included).
            if let binary = Bundle.main.executableURL {
                let process = Process()
                process.executableURL = binary
                process.arguments = ["audit", "history", "invoice", text, "--data", folder.path]
                let pipe = Pipe()
                process.standardOutput = pipe
                process.standardError = FileHandle.nullDevice
                let started = ContinuousClock.now
                try process.run()
                let output = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                let elapsed = ContinuousClock.now - started
                let printed = output.split(separator: UInt8(ascii: "\n")).count
                print("  " + "`portal audit history invoice \(text)` (new process)".padding(toLength: 60, withPad: " ", startingAt: 0)
                    + Measurement.milliseconds(elapsed).leftPadded(to: 11)
                    + "  (exit \(process.terminationStatus), \(printed) lines)")
            }

            // Verification of the whole chain.
            print("")
            let started = ContinuousClock.now
            let verified = try log.verify()
            let elapsed = ContinuousClock.now - started
            let seconds = Measurement.seconds(elapsed)
            print("verify: \(verified.verifiedCount) events in \(String(format: "%.2f", seconds)) s, "
                + String(format: "%.0f events/s", seconds > 0 ? Double(verified.verifiedCount) / seconds : 0)
                + (verified.isIntact ? "" : " — \(verified)"))
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

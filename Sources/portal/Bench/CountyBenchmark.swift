import ArgumentParser
import CountyWorkload
import Foundation
import PortalProjections
import StoreComparison

extension Portal.Bench {
    /// `portal bench county`: writes a generated county's history to a workload file, which every store of
    /// the comparison (tools/bench/compare) loads identically.
    struct CountyBenchmark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "county",
            abstract: "Generate a deterministic county's history into a workload file for the store comparison.",
            discussion: """
                Every event comes out of the domain's own rules (decide and evolve on each stream's state), \
                orchestrated as the application's commands are. The same --seed and --scale give the same file, \
                byte for byte. Scale 1 is a large county over ten years: about 200 providers, 6,000 clients and \
                some five million events (a file of a few GB).
                """)

        @Option(help: "Size of the county: 1 ≈ 200 providers and 6,000 clients (0 < scale ≤ 10).")
        var scale: Double = 0.01

        @Option(help: "Four-week periods to simulate (130 ≈ ten years).")
        var periods: Int = 130

        @Option(help: "The seed.")
        var seed: UInt64 = 1

        @Option(help: ArgumentHelp("The workload file to write.", valueName: "file"))
        var output: String

        func validate() throws {
            guard scale > 0, scale <= 10 else { throw ValidationError("--scale must be more than 0 and at most 10, got \(scale)") }
            guard (1...1_000).contains(periods) else { throw ValidationError("--periods must be 1 to 1000, got \(periods)") }
        }

        func run() async throws {
            let county = CountyWorkload(scale: CountyScale(factor: scale, periods: periods), seed: seed)
            // Written beside the output and renamed at the end, so a failed run leaves no partial file behind.
            let url = URL(fileURLWithPath: output)
            let partial = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
            let writer = try WorkloadFile.Writer(url: partial, parameters: county.parameters)
            defer { try? FileManager.default.removeItem(at: partial) }
            let started = ContinuousClock.now
            let progress = ProgressLine(verb: "generated")
            // The total is an estimate from the periods done so far.
            let summary = try await county.generate(progress: { period, events in
                progress.report(RebuildProgress(done: UInt64(events), total: UInt64(events * periods / period), elapsed: ContinuousClock.now - started))
            }) { batch in try writer.write(batch) }
            progress.finish()
            try writer.finish()
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            try FileManager.default.moveItem(at: partial, to: url)
            let elapsed = Measurement.seconds(ContinuousClock.now - started)
            print("wrote \(summary.events) events in \(summary.batches) batches to \(output) in \(String(format: "%.1f", elapsed)) s")
            print("\(summary.providers) providers, \(summary.services) services, \(summary.clients) clients, \(summary.periods) periods, "
                + "\(summary.invoices) invoices, \(summary.paymentRuns) payment runs")
        }
    }
}

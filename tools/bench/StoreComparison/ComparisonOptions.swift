import ArgumentParser
import Foundation

/// The options every store's command of the comparison takes (`portal bench store`, `county-peers …`): the
/// workload, the plan's sizes, and where the figures go.
public struct ComparisonOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The workload file (from `portal bench county`).", valueName: "file"))
    public var workload: String

    @Option(help: ArgumentHelp("Write the figures (JSON) here instead of standard output.", valueName: "file"))
    public var json: String?

    @Option(help: "Durable appends by one writer.")
    public var singleAppends = 2_000

    @Option(help: "Concurrent writers.")
    public var writers = 16

    @Option(help: "Durable appends per concurrent writer.")
    public var appendsPerWriter = 250

    @Option(help: "Invoices whose history is read (each three times).")
    public var historySamples = 200

    @Option(help: ArgumentHelp("Write every event in position order here after the run (for the smoke test).", valueName: "file"))
    public var dump: String?

    public init() {}

    public func validate() throws {
        guard singleAppends >= 1, writers >= 1, appendsPerWriter >= 1, historySamples >= 1 else {
            throw ValidationError("--single-appends, --writers, --appends-per-writer and --history-samples must be at least 1")
        }
        guard FileManager.default.fileExists(atPath: workload) else { throw ValidationError("--workload \(workload) does not exist") }
    }

    /// The plan these options describe (without a bulk import's events).
    public var plan: ComparisonPlan {
        var plan = ComparisonPlan(workload: workload)
        plan.singleWriterAppends = singleAppends
        plan.concurrentWriters = writers
        plan.appendsPerConcurrentWriter = appendsPerWriter
        plan.historySamples = historySamples
        plan.dump = dump
        return plan
    }

    /// Progress lines on standard error.
    public static let say: @Sendable (String) -> Void = { FileHandle.standardError.write(Data("\($0)\n".utf8)) }

    /// Writes the figures as JSON to `--json`, or to standard output.
    public func write(_ figures: StoreFigures) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(figures)
        if let json {
            try data.write(to: URL(fileURLWithPath: json))
        } else {
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

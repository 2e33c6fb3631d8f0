import ArgumentParser
import Foundation
import StoreComparison

/// `county-peers`: the PostgreSQL and SQLite sides of the store comparison, run by tools/bench/compare
/// beside `portal bench store` with the same workload and plan.
@main
struct CountyPeers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "county-peers",
        abstract: "Run the store comparison's phases on PostgreSQL or SQLite; print the figures as JSON.",
        subcommands: [PostgreSQL.self, SQLite.self])
}

/// The plan's options, the same as `portal bench store`'s.
struct PlanOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The workload file (from `portal bench county`).", valueName: "file"))
    var workload: String

    @Option(help: ArgumentHelp("Write the figures (JSON) here instead of standard output.", valueName: "file"))
    var json: String?

    @Option(help: "Durable appends by one writer.")
    var singleAppends = 2_000

    @Option(help: "Concurrent writers.")
    var writers = 16

    @Option(help: "Durable appends per concurrent writer.")
    var appendsPerWriter = 250

    @Option(help: "Invoices whose history is read (each three times).")
    var historySamples = 200

    @Option(help: ArgumentHelp("A bulk import's events to append atomically (written by `portal bench store`).", valueName: "file"))
    var importEvents: String?

    @Option(help: ArgumentHelp("Write every event in position order here after the run (for the smoke test).", valueName: "file"))
    var dump: String?

    func validate() throws {
        guard singleAppends >= 1, writers >= 1, appendsPerWriter >= 1, historySamples >= 1 else {
            throw ValidationError("--single-appends, --writers, --appends-per-writer and --history-samples must be at least 1")
        }
        for (option, path) in [("--workload", workload), ("--import-events", importEvents ?? workload)] where !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("\(option) \(path) does not exist")
        }
    }

    var plan: ComparisonPlan {
        var plan = ComparisonPlan(workload: workload)
        plan.singleWriterAppends = singleAppends
        plan.concurrentWriters = writers
        plan.appendsPerConcurrentWriter = appendsPerWriter
        plan.historySamples = historySamples
        plan.importEvents = importEvents
        plan.dump = dump
        return plan
    }

    func run(_ store: any ComparedStore) async throws {
        let figures = try await ComparisonPhases.run(store, plan) { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
        try await store.close()
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

extension CountyPeers {
    struct PostgreSQL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "postgresql", abstract: "The usual event table in PostgreSQL (the database's tables are dropped and made anew).")

        @Option(help: "libpq connection string, e.g. 'host=/tmp port=5433 dbname=bench'.")
        var conninfo: String

        @OptionGroup var options: PlanOptions

        func run() async throws {
            try await options.run(try await PostgreSQLStore(conninfo: conninfo))
        }
    }

    struct SQLite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sqlite", abstract: "The usual event table in one SQLite file (WAL, synchronous=FULL); the file is made anew.")

        @Option(help: ArgumentHelp("The database file.", valueName: "file"))
        var database: String

        @OptionGroup var options: PlanOptions

        func run() async throws {
            try await options.run(try SQLiteStore(path: database))
        }
    }
}

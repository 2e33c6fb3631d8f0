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

/// The comparison's options, and the bulk import's events written by `portal bench store`.
struct PlanOptions: ParsableArguments {
    @OptionGroup var comparison: ComparisonOptions

    @Option(help: ArgumentHelp("A bulk import's events to append atomically (written by `portal bench store`).", valueName: "file"))
    var importEvents: String?

    func validate() throws {
        if let importEvents, !FileManager.default.fileExists(atPath: importEvents) {
            throw ValidationError("--import-events \(importEvents) does not exist")
        }
    }

    func run(_ store: any ComparedStore) async throws {
        var plan = comparison.plan
        plan.importEvents = importEvents
        let figures = try await ComparisonPhases.run(store, plan, say: ComparisonOptions.say)
        try await store.close()
        try comparison.write(figures)
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

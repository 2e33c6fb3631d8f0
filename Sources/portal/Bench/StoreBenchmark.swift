import ArgumentParser
import Chronology
import CountyWorkload
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import StoreComparison

extension Portal.Bench {
    /// `portal bench store`: this product's side of the store comparison (tools/bench/compare runs it beside
    /// the PostgreSQL and SQLite peers): the comparison's phases on a new log, and one period's bulk CSV import
    /// through the application.
    struct StoreBenchmark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "store",
            abstract: "Run the store comparison's phases on this product's log; print the figures as JSON.",
            discussion: """
                Loads a workload file written by `portal bench county` into a new log under --folder, then \
                measures: read of everything, invoice histories, the rebuild of invoice state, period locks and \
                remittances, durable appends from 1 and from N concurrent writers, and the atomic append of one \
                period's bulk import. The import itself is first made through the application on a provider \
                with --import-rows rows, and its events are written to --import-events for the peers to append. \
                Progress goes to standard error.
                """)

        @Option(help: ArgumentHelp("The workload file (from `portal bench county`).", valueName: "file"))
        var workload: String

        @Option(help: ArgumentHelp("A new folder for the log, read models and the import's provider.", valueName: "dir"))
        var folder: String

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

        @Option(help: "Rows of the bulk CSV import (0: no import).")
        var importRows = 24_000

        @Option(help: ArgumentHelp("Where to write the import's events (a workload file).", valueName: "file"))
        var importEvents: String?

        @Option(help: ArgumentHelp("Write every event in position order here after the run (for the smoke test).", valueName: "file"))
        var dump: String?

        func validate() throws {
            guard singleAppends >= 1, writers >= 1, appendsPerWriter >= 1, historySamples >= 1, importRows >= 0 else {
                throw ValidationError("--single-appends, --writers, --appends-per-writer and --history-samples must be at least 1, --import-rows at least 0")
            }
            guard FileManager.default.fileExists(atPath: workload) else { throw ValidationError("--workload \(workload) does not exist") }
        }

        func run() async throws {
            let root = URL(fileURLWithPath: folder, isDirectory: true)
            if let contents = try? FileManager.default.contentsOfDirectory(atPath: root.path), !contents.isEmpty {
                throw ValidationError("--folder \(folder) is not empty; give a new folder")
            }
            let say: @Sendable (String) -> Void = { FileHandle.standardError.write(Data("\($0)\n".utf8)) }

            var plan = ComparisonPlan(workload: workload)
            plan.singleWriterAppends = singleAppends
            plan.concurrentWriters = writers
            plan.appendsPerConcurrentWriter = appendsPerWriter
            plan.historySamples = historySamples
            plan.dump = dump
            var throughProduct: StoreFigures.Throughput?
            if importRows > 0 {
                let eventsFile = importEvents ?? root.appendingPathComponent("import.events").path
                throughProduct = try await Self.importThroughApplication(rows: importRows, folder: root.appendingPathComponent("import"),
                                                                        eventsFile: eventsFile, say: say)
                plan.importEvents = eventsFile
            }
            let store = try LogStore(folder: root.appendingPathComponent("county", isDirectory: true))
            var figures = try await ComparisonPhases.run(store, plan, say: say)
            try await store.close()
            figures.importThroughProduct = throughProduct
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(figures)
            if let json {
                try data.write(to: URL(fileURLWithPath: json))
            } else {
                print(String(decoding: data, as: UTF8.self))
            }
        }

        /// Makes a provider whose period file has `rows` rows, imports the file through the application (CSV
        /// parsing, every row checked, one atomic append: R-ACT-2), and writes the events it appended.
        static func importThroughApplication(rows: Int, folder: URL, eventsFile: String, say: @Sendable (String) -> Void) async throws -> StoreFigures.Throughput {
            say("product: making a provider for a \(rows)-row import")
            let fixture = try await CountyWorkload.importFixture(rows: rows)
            let clock = ManualClock(fixture.importAt)
            let portal = try PortalApplication.Portal.open(
                dataDirectory: folder, configuration: .init(policy: .norfolk, calendar: fixture.calendar, time: DeploymentTime(clock: clock)), bcryptCost: 4)
            defer { portal.close() }
            for batch in fixture.batches { try await portal.log.append(LogStore.appends(batch) { _ in .any }) }
            let head = try portal.log.head().position
            say("product: importing \(fixture.rows) rows through the application")
            let started = ContinuousClock.now
            _ = try await portal.importActuals(organisation: fixture.organisationID, period: fixture.period, fileName: "bulk-import.csv",
                                               content: fixture.csv, CommandRequest(actor: fixture.editor))
            let elapsed = Measure.seconds(ContinuousClock.now - started)
            let appended = try portal.log.readAll(from: head + 1, limit: .max)
            let writer = try WorkloadFile.Writer(url: URL(fileURLWithPath: eventsFile), parameters: [("import-rows", String(fixture.rows))])
            try writer.write(appended.map { event in
                WorkloadEvent(id: event.id, streamID: event.streamID, type: event.type, schemaVersion: event.schemaVersion,
                              actorWho: event.actor.who, actingAs: event.actor.actingAs, correlationID: event.correlationID,
                              causationID: event.causationID, occurredAt: event.recordedAt.microsecondsSince1970, payload: event.payload)
            })
            try writer.finish()
            say("product: imported \(fixture.rows) rows (\(appended.count) events) in \(String(format: "%.2f", elapsed)) s")
            return StoreFigures.Throughput(events: fixture.rows, seconds: elapsed)
        }
    }
}

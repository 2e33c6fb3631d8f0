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

        @OptionGroup var options: ComparisonOptions

        @Option(help: ArgumentHelp("A new folder for the log, read models and the import's provider.", valueName: "dir"))
        var folder: String

        @Option(help: "Rows of the bulk CSV import (0: no import).")
        var importRows = 24_000

        @Option(help: ArgumentHelp("Where to write the import's events (a workload file).", valueName: "file"))
        var importEvents: String?

        func validate() throws {
            guard importRows >= 0 else { throw ValidationError("--import-rows must be at least 0") }
        }

        func run() async throws {
            let root = URL(fileURLWithPath: folder, isDirectory: true)
            if let contents = try? FileManager.default.contentsOfDirectory(atPath: root.path), !contents.isEmpty {
                throw ValidationError("--folder \(folder) is not empty; give a new folder")
            }
            let say = ComparisonOptions.say
            var plan = options.plan
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
            try options.write(figures)
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

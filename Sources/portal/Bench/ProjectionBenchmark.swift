import ArgumentParser
import EventLog
import Foundation
import PortalDomain
import PortalProjections

extension Portal.Bench {
    /// `portal bench projections`: how fast every read model is rebuilt from a large log.
    struct ProjectionBenchmark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "projections",
            abstract: "Rebuild every read model from a generated county log and report events/s and peak memory.",
            discussion: """
                Generates a county's history of at least --events events into <data>/log (the workload of \
                `portal bench county`, appended in batches of about 4,000 events) unless the folder already holds a \
                log, then \
                measures: reading the log, reading and decoding every payload, and rebuilding every read model from \
                position 1 (the engine's own rebuild). Peak memory is the process's maximum resident set size; \
                run the generation and the measurement as two processes (--generate-only first) to see the \
                rebuild's own.
                """)

        @OptionGroup var county: CountyLogOptions

        @Option(help: "Events read and applied per transaction (default: the engine's, 8000 for a rebuild).")
        var batchSize: Int?

        @Flag(help: "Only generate the log.")
        var generateOnly = false

        func run() async throws {
            let folder = county.folder()
            defer { county.removeIfTemporary(folder) }
            print("portal bench projections — \(ProcessInfo.processInfo.activeProcessorCount) cores, folder \(folder.path)")
            let logFolder = try await county.ensureLog(in: folder)
            if generateOnly { return }

            let log = try CountyLog.openReadOnly(logFolder)
            defer { log.close() }
            let head = try log.head().position
            let stats = try log.statistics()
            print("log: \(head) events, \(String(format: "%.0f", Double(stats.usedBytes) / 1_048_576)) MiB used")

            // 1. Reading the log alone.
            var started = ContinuousClock.now
            var next: UInt64 = 1
            var payloadBytes = 0
            while next <= head {
                let batch = try log.readAll(from: next, limit: batchSize ?? 8000)
                guard let last = batch.last else { break }
                for event in batch { payloadBytes += event.payload.count }
                next = last.position + 1
            }
            let readTime = ContinuousClock.now - started
            print(row("read the log (envelopes)", Int(head), readTime))
            print("  payloads: \(payloadBytes / max(Int(head), 1)) bytes on average")

            // 2. Reading and decoding every payload with the domain's registry (JSONDecoder), on one core.
            started = ContinuousClock.now
            next = 1
            var byType: [String: (count: Int, time: Duration)] = [:]
            let clock = ContinuousClock()
            while next <= head {
                let batch = try log.readAll(from: next, limit: batchSize ?? 8000)
                guard let last = batch.last else { break }
                for event in batch {
                    let decodeStart = clock.now
                    _ = try EventRegistry.decodePayload(type: event.type, schemaVersion: event.schemaVersion, payload: event.payload)
                    let spent = clock.now - decodeStart
                    byType[event.type, default: (0, .zero)].count += 1
                    byType[event.type, default: (0, .zero)].time += spent
                }
                next = last.position + 1
            }
            let decodeTime = ContinuousClock.now - started
            print(row("read + decode every payload (1 core)", Int(head), decodeTime))
            for (type, figures) in byType.sorted(by: { $0.value.time > $1.value.time }).prefix(6) {
                print("  \(type.padding(toLength: 28, withPad: " ", startingAt: 0)) \(String(format: "%7d", figures.count)) events, "
                    + String(format: "%5.2f s, %6.1f µs each", Measurement.seconds(figures.time), Measurement.seconds(figures.time) * 1e6 / Double(figures.count)))
            }

            // 3. Rebuilding every read model, as `portal projections rebuild` does.
            let readModels = PortalReadModels(log: log, dataFolder: folder, options: PortalReadModels.engineOptions(batchSize: batchSize))
            try readModels.open()
            defer { readModels.close() }
            started = ContinuousClock.now
            let progress = ProgressLine(verb: "rebuilt")
            try await readModels.engine.rebuild(following: false) { progress.report($0) }
            progress.finish()
            let rebuildTime = ContinuousClock.now - started
            if let stopped = readModels.engine.stoppedError { print("error: \(stopped)") }
            print(row("rebuild all \(PortalReadModels.all.count) read models", Int(head), rebuildTime))
            for (name, tables) in try readModels.engine.tableCounts().sorted(by: { $0.key < $1.key }) {
                print("  \(name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(tables.values.reduce(0, +)) rows")
            }
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            print("peak resident memory of this process: \(usage.ru_maxrss / 1024) MiB")
        }

        private func row(_ what: String, _ count: Int, _ elapsed: Duration) -> String {
            what.padding(toLength: 40, withPad: " ", startingAt: 0)
                + String(format: "%8.2f s  ", Measurement.seconds(elapsed)) + Measurement.rate(count, elapsed) + " events"
        }
    }
}

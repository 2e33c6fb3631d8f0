import ArgumentParser
import EventLog
import Foundation

extension Portal.Bench {
    /// `portal bench log`: durable append rates and latencies, group commit, and read-all speed.
    struct LogBenchmark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "log",
            abstract: "Durable appends/s from 1 and N concurrent writers, append latency p50/p99, read-all events/s.",
            discussion: """
                Runs on a fresh log in a temporary folder (or --data) with the product's default durability:
                every acknowledged append is synced to disk.
                """)

        @Option(help: ArgumentHelp("Folder for the benchmark's log (default: a new temporary folder, removed after).", valueName: "dir"))
        var data: String?

        @Option(help: "Appends by the single writer.")
        var singleAppends: Int = 2000

        @Option(help: "Concurrent writers for the group-commit measurement.")
        var writers: Int = 16

        @Option(help: "Appends per concurrent writer.")
        var appendsPerWriter: Int = 500

        @Option(help: "Events appended in batches of 100 before reading them all back.")
        var bulkEvents: Int = 200_000

        @Option(help: "Payload size in bytes.")
        var payloadBytes: Int = 200

        func run() async throws {
            let folder = data.map { URL(fileURLWithPath: $0, isDirectory: true) }
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("portal-bench-\(UUID().uuidString)", isDirectory: true)
            defer { if data == nil { try? FileManager.default.removeItem(at: folder) } }
            let payload = Data(("{\"fill\":\"" + String(repeating: "x", count: max(payloadBytes - 11, 0)) + "\"}").utf8)
            print("portal bench log — \(ProcessInfo.processInfo.activeProcessorCount) cores, payload \(payload.count) bytes, synced commits")
            print("folder: \(folder.path)")
            print("each figure with the Merkle tree kept in the append's transaction (the product), and without it (to see its cost)\n")
            // Without first, then with: the second run meets a disk cache as warm as the first left it.
            let without = try await measure(in: folder.appendingPathComponent("without-tree"), payload: payload, keepsMerkleTree: false)
            let with = try await measure(in: folder.appendingPathComponent("with-tree"), payload: payload, keepsMerkleTree: true)
            print("figure".padding(toLength: 40, withPad: " ", startingAt: 0) + "with tree".padding(toLength: 18, withPad: " ", startingAt: 0) + "without tree")
            let names = with.map(\.0) + without.map(\.0).filter { name in !with.contains { $0.0 == name } }
            for name in names {
                let mine = with.first { $0.0 == name }?.1 ?? "-"
                let other = without.first { $0.0 == name }?.1 ?? "-"
                print(name.padding(toLength: 40, withPad: " ", startingAt: 0) + mine.padding(toLength: 18, withPad: " ", startingAt: 0) + other)
            }
        }

        /// Every figure on a new log in `folder`.
        private func measure(in folder: URL, payload: Data, keepsMerkleTree: Bool) async throws -> [(String, String)] {
            var options = EventLog.Options()
            options.keepsMerkleTree = keepsMerkleTree
            let log = try PlainLog.open(folder, options: options)
            var closed = false
            defer { if !closed { log.close() } }
            let event: @Sendable () -> ProposedEvent = { ProposedEvent(type: "BenchAppended", payload: payload, actor: PlainLog.operatorActor) }

            // 1 writer, one event per append.
            var latencies: [Duration] = []
            latencies.reserveCapacity(singleAppends)
            let clock = ContinuousClock()
            let singleStart = clock.now
            for index in 0..<singleAppends {
                let started = clock.now
                try await log.append(to: "bench-single", expectedVersion: .exact(UInt64(index)), events: [event()])
                latencies.append(clock.now - started)
            }
            let singleTime = clock.now - singleStart
            latencies.sort()

            // N writers, one event per append each, sharing group commits.
            let before = log.commitStatistics
            let concurrentStart = clock.now
            let concurrentLatencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        var local: [Duration] = []
                        local.reserveCapacity(appendsPerWriter)
                        for index in 0..<appendsPerWriter {
                            let started = clock.now
                            try await log.append(to: "bench-writer-\(writer)", expectedVersion: .exact(UInt64(index)), events: [event()])
                            local.append(clock.now - started)
                        }
                        return local
                    }
                }
                var all: [Duration] = []
                for try await local in group { all.append(contentsOf: local) }
                return all.sorted()
            }
            let concurrentTime = clock.now - concurrentStart
            let after = log.commitStatistics
            let concurrentEvents = writers * appendsPerWriter
            let commits = after.commits - before.commits

            // Batches of 100 events per append.
            let bulkStart = clock.now
            var written = 0
            while written < bulkEvents {
                let count = min(100, bulkEvents - written)
                try await log.append(to: "bench-bulk-\(written / 100_000)", events: (0..<count).map { _ in event() })
                written += count
            }
            let bulkTime = clock.now - bulkStart

            // Read everything back, decoding each envelope.
            let total = try log.head().position
            let readStart = clock.now
            var next: UInt64 = 1
            var read = 0
            while next <= total {
                next = try log.scan(from: next, limit: 50_000) { _ in
                    read += 1
                    return true
                }
            }
            let readTime = clock.now - readStart
            let stats = try log.statistics()
            var rows: [(String, String)] = [
                ("1 writer: durable appends", Measurement.rate(singleAppends, singleTime)),
                ("1 writer: append latency p50", Measurement.milliseconds(Measurement.percentile(latencies, 50))),
                ("1 writer: append latency p99", Measurement.milliseconds(Measurement.percentile(latencies, 99))),
                ("\(writers) writers: durable appends", Measurement.rate(concurrentEvents, concurrentTime)),
                ("\(writers) writers: append latency p50", Measurement.milliseconds(Measurement.percentile(concurrentLatencies, 50))),
                ("\(writers) writers: append latency p99", Measurement.milliseconds(Measurement.percentile(concurrentLatencies, 99))),
                ("\(writers) writers: events per commit", String(format: "%.1f", Double(concurrentEvents) / Double(max(commits, 1)))),
                ("batches of 100: events", Measurement.rate(bulkEvents, bulkTime)),
                ("read all (\(read) events)", Measurement.rate(read, readTime)),
                ("bytes on disk per event", String(stats.usedBytes / max(stats.eventCount, 1))),
            ]
            if keepsMerkleTree {
                let verified = try Measurement.timed { try log.verify() }
                rows.append(("verify chain and tree (wall clock)", Measurement.rate(verified.value.verifiedCount, verified.wall)))
                rows.append(("verify chain and tree (per CPU-second)", Measurement.rate(verified.value.verifiedCount, verified.cpu)))
            } else {
                // The tree's own work, away from the syncs that bound the appends above: the log written without it
                // is opened with it, and its writer builds every node (as for a log written before the tree)
                // before it takes the next append.
                log.close()
                closed = true
                let started = clock.now
                let reopened = try PlainLog.open(folder)
                try await reopened.append(to: "bench-after", events: [event()])
                let built = clock.now - started
                reopened.close()
                rows.append(("tree built afterwards (\(total) events)", Measurement.rate(Int(total), built)
                    + String(format: ", %.2f µs an event", Measurement.seconds(built) * 1e6 / Double(max(total, 1)))))
            }
            return rows
        }
    }
}

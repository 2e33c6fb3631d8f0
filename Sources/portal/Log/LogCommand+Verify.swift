import ArgumentParser
import Chronology
import EventLog
import Foundation

extension Portal.Log {
    /// `portal log verify`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the hash chain (and from position 1 the Merkle tree) and report the first event that does not match.",
            discussion: "Exits with status 0 when every event verifies and 1 when the chain is broken.")

        @OptionGroup var dataFolder: DataFolderOptions

        @Option(help: "First position to check (the chain before it is trusted).")
        var from: UInt64 = 1

        func run() throws {
            let log = try dataFolder.openLogReadOnly()
            let started = ContinuousClock.now
            let result = try log.verify(from: from) { position in
                FileHandle.standardError.write(Data("verified through position \(position)\n".utf8))
            }
            let seconds = Double((ContinuousClock.now - started).components.attoseconds) / 1e18
                + Double((ContinuousClock.now - started).components.seconds)
            if let failure = result.failure {
                print("FAILED at position \(failure.position): \(failure.reason)")
                print("\(result.verifiedCount) events verified before it")
                throw ExitCode(1)
            }
            let rate = seconds > 0 ? Int(Double(result.verifiedCount) / seconds) : 0
            print("OK: all \(result.verifiedCount) events verified from position \(result.from) "
                + "(head hash \(result.lastVerifiedHash.hex)); \(rate) events/s")
            if let root = result.treeRoot {
                print("Merkle tree root \(root.hex) (\(result.treeNodesChecked) stored nodes equal to the records')")
            }
        }
    }

    /// `portal log stats`.
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the log's size, head and LMDB facts.")

        @OptionGroup var dataFolder: DataFolderOptions

        func run() throws {
            let log = try dataFolder.openLogReadOnly()
            let stats = try log.statistics()
            func mib(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
            let rows: [(String, String)] = [
                ("folder", stats.directory),
                ("events", String(stats.eventCount)),
                ("streams", String(stats.streamCount)),
                ("head position", String(stats.head.position)),
                ("head hash", stats.head.hash.hex),
                ("last recorded at", stats.head.recordedAt?.iso8601 ?? "-"),
                ("file size", mib(stats.fileSize)),
                ("used in map", mib(stats.usedBytes)),
                ("map size", mib(stats.mapSize)),
                ("page size", String(stats.pageSize)),
                ("bytes per event", stats.eventCount > 0 ? String(stats.usedBytes / stats.eventCount) : "-"),
                ("readers in use", "\(stats.readersInUse) of \(stats.maximumReaders)"),
                ("stale readers cleared", String(stats.staleReadersCleared)),
            ]
            for (name, value) in rows { print(name.padding(toLength: 22, withPad: " ", startingAt: 0) + value) }
        }
    }
}

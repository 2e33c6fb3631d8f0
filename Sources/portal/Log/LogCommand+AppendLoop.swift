import ArgumentParser
import EventLog
import Foundation
import PortalApplication

extension Portal.Log {
    /// `portal log append-loop`: appends until killed, printing each acknowledged append. Used by the crash
    /// test (which kills it with SIGKILL) and for soak tests of a data folder.
    struct AppendLoop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "append-loop",
            abstract: "Append events until stopped, printing 'ack <position> <event-id>' once each is durable.",
            shouldDisplay: false)

        @OptionGroup var dataFolder: DataFolderOptions

        @Option(help: "Concurrent appenders.")
        var writers: Int = 4

        @Option(help: "Stop after this many appends per writer (default: never).")
        var count: Int?

        func run() async throws {
            let lock = try dataFolder.lockForWriting()
            defer { lock.release() }
            let log = try PlainLog.open(dataFolder.logFolder)
            let runID = UUID().uuidString.prefix(8).lowercased()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<max(writers, 1) {
                    group.addTask {
                        var index = 0
                        while count.map({ index < $0 }) ?? true {
                            let id = UUID()
                            let payload = Data("{\"writer\":\(writer),\"index\":\(index),\"run\":\"\(runID)\",\"fill\":\"\(String(repeating: "x", count: index % 300))\"}".utf8)
                            let result = try await log.append(
                                to: "loop-\(runID)-\(writer)", expectedVersion: .exact(UInt64(index)),
                                events: [ProposedEvent(id: id, type: "LoopTicked", payload: payload, actor: PlainLog.operatorActor)])
                            FileHandle.standardOutput.write(Data("ack \(result.positions[0]) \(id.uuidString.lowercased())\n".utf8))
                            index += 1
                        }
                    }
                }
                try await group.waitForAll()
            }
            log.close()
        }
    }
}

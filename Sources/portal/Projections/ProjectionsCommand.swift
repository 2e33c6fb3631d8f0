import ArgumentParser
import EventLog
import Foundation
import PortalProjections

extension Portal {
    /// `portal projections …`: the read models kept from the log.
    struct Projections: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "projections",
            abstract: "Inspect, catch up, rebuild and digest the read models.",
            discussion: """
                Read models live in <data>/projections/<name>/: CURRENT names the generation that serves, g…/ holds \
                it (an LMDB environment with its checkpoint). They can be thrown away and rebuilt from the log at \
                any time. The log is opened read-only.
                """,
            subcommands: [Status.self, CatchUp.self, Rebuild.self, Digest.self])
    }
}

/// Options shared by the projection commands.
struct ProjectionOptions: ParsableArguments {
    @OptionGroup var dataFolder: DataFolderOptions

    @Option(help: "Events read and applied per transaction.")
    var batchSize: Int = 2000

    /// The read models of the data folder over its log opened read-only; `readOnly` opens them read-only too.
    func open(readOnly: Bool) throws -> (EventLog, PortalReadModels) {
        let log = try dataFolder.openLogReadOnly()
        var options = PortalReadModels.engineOptions(batchSize: max(batchSize, 1))
        options.readOnly = readOnly
        let readModels = PortalReadModels(log: log, dataFolder: dataFolder.folder, options: options)
        try readModels.open()
        return (log, readModels)
    }
}

extension ProjectionEngine.Status.Phase {
    /// `ready`, `catching-up`, or `stopped at N (Type): reason`.
    var text: String {
        switch self {
        case .ready: "ready"
        case .catchingUp: "catching-up"
        case .stopped(let stop): "stopped at \(stop.position) (\(stop.eventType)): \(stop.reason)"
        }
    }
}

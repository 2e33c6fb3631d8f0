import ArgumentParser
import EventLog
import Foundation
import PortalApplication
import PortalProjections

extension Portal.Projections {
    /// `portal projections catch-up`.
    struct CatchUp: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "catch-up",
            abstract: "Apply the events after each read model's checkpoint, up to the log's head.",
            discussion: """
                Each batch's writes and the new checkpoint commit in one transaction: the command may be stopped \
                or killed at any moment and run again. Exits with status 1 when a read model stops at an event it \
                cannot apply.
                """)

        @OptionGroup var options: ProjectionOptions

        func run() async throws {
            // A server applies the log to the read models itself: two engines on one folder are refused.
            let lock = try options.dataFolder.lockForWriting()
            defer { lock.release() }
            let (log, readModels) = try options.open(readOnly: false)
            defer {
                readModels.close()
                log.close()
            }
            let progress = ProgressLine(verb: "caught up")
            try await readModels.engine.catchUp { progress.report($0) }
            progress.finish()
            try reportStatus(readModels)
        }
    }

    /// `portal projections rebuild [NAME…]`.
    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild read models from position 1 into new generations, then switch to them.",
            discussion: """
                The current generations keep serving until each new one is complete; CURRENT is then replaced \
                atomically and the old generation removed. A server following the log picks the new generation up.
                """)

        @OptionGroup var options: ProjectionOptions

        @Argument(help: ArgumentHelp("Read models to rebuild (default: all).", valueName: "name"))
        var names: [String] = []

        func validate() throws {
            let known = PortalReadModels.all.map { $0.name }
            if let unknown = names.first(where: { !known.contains($0) }) {
                throw ValidationError("there is no read model '\(unknown)'; known: \(known.joined(separator: ", "))")
            }
        }

        func run() async throws {
            let (log, readModels) = try options.open(readOnly: false)
            defer {
                readModels.close()
                log.close()
            }
            let progress = ProgressLine(verb: "rebuilt")
            try await readModels.engine.rebuild(names, following: false) { progress.report($0) }
            progress.finish()
            try reportStatus(readModels)
        }
    }
}

/// Prints each read model's checkpoint and phase; exit status 1 when one stopped.
private func reportStatus(_ readModels: PortalReadModels) throws {
    for status in try readModels.engine.status() {
        print("\(status.name.padding(toLength: 20, withPad: " ", startingAt: 0)) checkpoint \(status.checkpoint)  \(status.phase.text)")
    }
    if let stopped = readModels.engine.stoppedError {
        FileHandle.standardError.write(Data("error: \(stopped)\n".utf8))
        throw ExitCode(1)
    }
}

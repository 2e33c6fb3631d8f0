import ArgumentParser
import EventLog
import Foundation
import PortalApplication

/// `--data DIR`: the folder that holds the log (`DIR/log`) and everything kept beside it.
struct DataFolderOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The data folder. Default: $PORTAL_DATA, or ./portal-data under the working folder.",
        valueName: "dir"))
    var data: String?

    /// The data folder as an absolute URL.
    var folder: URL {
        let path = data ?? ProcessInfo.processInfo.environment["PORTAL_DATA"] ?? "portal-data"
        return URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
    }

    /// Where the event log lives inside the data folder.
    var logFolder: URL { folder.appendingPathComponent("log", isDirectory: true) }

    /// Takes the data folder's one-writer lock (`portal.lock`) for this command, or refuses at once naming the
    /// process that holds it (a running `portal serve`, say). Held until released or the process exits.
    func lockForWriting() throws -> DataFolderLock {
        try DataFolderLock(folder: folder, command: CommandLine.shownCommand)
    }

    /// Opens an existing log read-only; a clear error when there is none.
    func openLogReadOnly() throws -> EventLog {
        guard FileManager.default.fileExists(atPath: logFolder.appendingPathComponent("data.mdb").path) else {
            throw ValidationError("there is no event log in \(logFolder.path); check --data (or $PORTAL_DATA)")
        }
        var options = EventLog.Options()
        options.readOnly = true
        return try EventLog(directory: logFolder, options: options)
    }
}

/// How a command prints what it reads.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    /// A readable table.
    case table
    /// One JSON object per line.
    case json
}

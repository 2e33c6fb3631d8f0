import ArgumentParser
import EventLog

extension Portal.Log {
    /// `portal log read STREAM`.
    struct Read: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the events of one stream.")

        @OptionGroup var dataFolder: DataFolderOptions

        @Argument(help: "The stream id, e.g. invoice-42.")
        var stream: String

        @Option(help: "First version to print (forward), or last version (with --backward).")
        var fromVersion: UInt64?

        @Flag(help: "Read from the end backwards.")
        var backward = false

        @Option(help: "At most this many events.")
        var limit: Int?

        @Option(help: "Output format: table or json (one object per line).")
        var format: OutputFormat = .table

        func run() throws {
            let log = try dataFolder.openLogReadOnly()
            let events = backward
                ? try log.readStreamBackward(stream, from: fromVersion, limit: limit ?? .max)
                : try log.readStream(stream, from: fromVersion ?? 1, limit: limit ?? .max)
            if events.isEmpty && format == .table {
                print("stream '\(stream)' has no events\(fromVersion.map { " from version \($0)" } ?? "")")
                return
            }
            printEvents(events, format: format)
        }
    }

    /// `portal log read-all`.
    struct ReadAll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "read-all",
            abstract: "Print every event in position order, or those of one category.")

        @OptionGroup var dataFolder: DataFolderOptions

        @Option(help: "First position to print.")
        var from: UInt64 = 1

        @Option(help: "At most this many events (default: all).")
        var limit: Int?

        @Option(help: "Only streams of this category (the stream-id part before the first '-', e.g. invoice).")
        var category: String?

        @Option(help: "Output format: table or json (one object per line).")
        var format: OutputFormat = .table

        func run() throws {
            let log = try dataFolder.openLogReadOnly()
            var next = from
            var remaining = limit ?? .max
            if format == .table { print(EventFormatting.tableHeader()) }
            while remaining > 0 {
                let batch = category == nil
                    ? try log.readAll(from: next, limit: min(remaining, 2000))
                    : try log.readCategory(category!, from: next, limit: min(remaining, 2000))
                guard let last = batch.last else { break }
                printEvents(batch, format: format, header: false)
                remaining -= batch.count
                next = last.position + 1
            }
        }
    }
}

func printEvents(_ events: [RecordedEvent], format: OutputFormat, header: Bool = true) {
    switch format {
    case .table:
        if header { print(EventFormatting.tableHeader()) }
        for event in events { print(EventFormatting.tableRow(event)) }
    case .json:
        for event in events { print(EventFormatting.jsonLine(event)) }
    }
}

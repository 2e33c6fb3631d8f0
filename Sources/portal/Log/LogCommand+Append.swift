import ArgumentParser
import EventLog
import Foundation
import PortalApplication

extension Portal.Log {
    /// `portal log append`: one event from JSON.
    struct Append: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append one event with a JSON payload to a stream of a log that is not a portal's.",
            discussion: """
                For the log as a plain store: the payload is a JSON value given as an argument, with                 --payload-file, or on standard input (`-`). Appending an event id that is already stored with the                 same contents is a no-op that prints the stored position, so a retry never duplicates an event.                 The event's actor is you: system:operator:<your OS user>. A portal's data folder (its log holds                 the portal's streams) and any stream of a category the portal owns are refused: the portal's                 events come only from its own commands.
                """)

        @OptionGroup var dataFolder: DataFolderOptions

        @Option(help: "The stream, e.g. invoice-42 (its category is the part before the first '-').")
        var stream: String

        @Option(help: "The event type, e.g. InvoiceSubmitted.")
        var type: String

        @Argument(help: "The payload as JSON, or '-' to read it from standard input.")
        var payload: String?

        @Option(help: ArgumentHelp("Read the payload from this file.", valueName: "file"))
        var payloadFile: String?

        @Option(help: "Expected version of the stream: any, no-stream, exists, or a number.")
        var expectedVersion: String = "any"

        @Option(help: "The event id (a UUID); default: a new one.")
        var id: String?

        @Option(help: "The payload's schema version.")
        var schemaVersion: Int = 1

        @Option(help: "Correlation id (a UUID).")
        var correlationId: String?

        @Option(help: "Causation id (a UUID).")
        var causationId: String?

        @Option(help: "Output format: table or json.")
        var format: OutputFormat = .table

        func validate() throws {
            if payload == nil && payloadFile == nil {
                throw ValidationError("give the payload as an argument, with --payload-file, or '-' for standard input")
            }
            if payload != nil && payloadFile != nil {
                throw ValidationError("give the payload either as an argument or with --payload-file, not both")
            }
            if let problem = StreamID.problem(with: stream) {
                throw ValidationError("--stream '\(stream)' \(problem)")
            }
            try PlainLog.refusePortalStream(stream)
            if ExpectedVersion(parsing: expectedVersion) == nil {
                throw ValidationError("--expected-version must be any, no-stream, exists or a number, got '\(expectedVersion)'")
            }
            for (name, value) in [("--id", id), ("--correlation-id", correlationId), ("--causation-id", causationId)] {
                if let value, UUID(uuidString: value) == nil {
                    throw ValidationError("\(name) must be a UUID, got '\(value)'")
                }
            }
        }

        func run() async throws {
            let bytes: Data
            if let payloadFile {
                guard let data = FileManager.default.contents(atPath: payloadFile) else {
                    throw ValidationError("cannot read --payload-file \(payloadFile)")
                }
                bytes = data
            } else if payload == "-" {
                bytes = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                bytes = Data(payload!.utf8)
            }
            do {
                _ = try JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed])
            } catch {
                throw ValidationError("the payload is not valid JSON: \(error.localizedDescription)")
            }
            let lock = try dataFolder.lockForWriting()
            defer { lock.release() }
            let log = try PlainLog.open(dataFolder.logFolder)
            defer { log.close() }
            let event = ProposedEvent(
                id: id.flatMap(UUID.init(uuidString:)) ?? UUID(), type: type, schemaVersion: schemaVersion,
                payload: bytes, actor: PlainLog.operatorActor,
                correlationID: correlationId.flatMap(UUID.init(uuidString:)),
                causationID: causationId.flatMap(UUID.init(uuidString:)))
            let result = try await log.append(to: stream, expectedVersion: ExpectedVersion(parsing: expectedVersion)!, events: [event])
            let position = result.positions.first ?? 0
            let version = result.streamVersions[stream] ?? 0
            switch format {
            case .json:
                print("{\"position\":\(position),\"stream\":\(EventFormatting.quoted(stream)),\"version\":\(version),"
                    + "\"id\":\(EventFormatting.quoted(event.id.uuidString.lowercased())),\"alreadyStored\":\(result.wasAlreadyStored)}")
            case .table:
                let note = result.wasAlreadyStored ? " (already stored: nothing written)" : ""
                print("appended \(type) at position \(position); \(stream) is at version \(version)\(note)")
            }
        }
    }
}

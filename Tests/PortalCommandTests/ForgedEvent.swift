import EventLog
import Foundation

/// Stores an event in a data folder's log directly through the log library — what no `portal` command does on a
/// portal's data folder (its events come only from its own commands, and `portal log append` refuses the folder).
/// The tests that need an event the portal would never write (an unknown type, a payload that does not decode,
/// a forged remittance) make it this way, as someone with the folder's files in hand could.
enum ForgedEvent {
    static func append(_ data: TemporaryFolder, stream: String, type: String, payload: String,
                       actor: EventActor = EventActor(who: "forger", actingAs: "forger")) async throws -> UInt64 {
        let log = try EventLog(directory: data.url.appendingPathComponent("log", isDirectory: true))
        defer { log.close() }
        let result = try await log.append(to: stream, events: [ProposedEvent(type: type, payload: Data(payload.utf8), actor: actor)])
        return result.positions[0]
    }
}

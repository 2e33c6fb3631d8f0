import Chronology
import Foundation
@testable import EventLog

/// A new empty folder under the system's temporary folder, removed when the value is released.
final class TemporaryFolder: Sendable {
    let url: URL

    init(_ name: String = "log") {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("portal-tests-\(UUID().uuidString)", isDirectory: true)
            .appendingPathComponent(name, isDirectory: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url.deletingLastPathComponent())
    }
}

/// An event with a small JSON payload naming `text`.
func sampleEvent(_ text: String = "x", type: String = "Sampled", id: UUID = .timeOrdered(),
                 actor: EventActor = EventActor(who: "user-1", actingAs: "team:payments")) -> ProposedEvent {
    ProposedEvent(id: id, type: type, payload: Data("{\"text\":\"\(text)\"}".utf8), actor: actor)
}

/// Opens a log in `folder` with a fixed clock unless told otherwise.
func openLog(_ folder: TemporaryFolder, clock: any WallClock = ManualClock(Timestamp(iso8601: "2026-11-16T09:00:00Z")!),
             configure: (inout EventLog.Options) -> Void = { _ in }) throws -> EventLog {
    var options = EventLog.Options()
    options.clock = clock
    configure(&options)
    return try EventLog(directory: folder.url, options: options)
}

extension Array where Element == RecordedEvent {
    var positions: [UInt64] { map(\.position) }
}

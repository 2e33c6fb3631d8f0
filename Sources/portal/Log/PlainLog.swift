import ArgumentParser
import EventLog
import Foundation
import PortalDomain

/// The commands that write raw events (`portal log append`, `append-loop`, `bench log --data`) work on logs that
/// are not a portal's: a portal's events come only from its own commands, decided by the domain and appended
/// by the application under the actor's own name. These checks refuse a portal's data folder — one whose log
/// holds the deployment record or any stream of a category the portal owns — and any stream of such a category.
enum PlainLog {
    /// Refuses a stream of a category the portal owns.
    static func refusePortalStream(_ streamID: String) throws {
        let category = StreamID.category(of: streamID)
        guard !EventRegistry.categories.contains(category) else {
            throw ValidationError("--stream \(streamID) is in the portal's category '\(category)': the portal's events are written only by "
                + "its own commands (decided by its rules, under the actor's own name), never by `portal log append`")
        }
    }

    /// Refuses a log that holds the portal's events.
    static func refusePortalLog(_ log: EventLog) throws {
        for category in EventRegistry.categories.sorted() {
            if let stream = try log.streamIDs(category: category, limit: 1).first {
                throw ValidationError("\(log.directory.path) is a portal's log (it holds \(stream)): raw appends are refused there; "
                    + "the portal's events are written only by its own commands")
            }
        }
    }

    /// Opens the log at `folder` for raw appends, refusing a portal's (looked at read-only first, so that nothing
    /// of it is touched).
    static func open(_ folder: URL, options: EventLog.Options = .init()) throws -> EventLog {
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("data.mdb").path) {
            var readOnly = EventLog.Options()
            readOnly.readOnly = true
            let existing = try EventLog(directory: folder, options: readOnly)
            defer { existing.close() }
            try refusePortalLog(existing)
        }
        return try EventLog(directory: folder, options: options)
    }

    /// The person at this shell, as the log records them: `system:operator:<os user>` acting as `system:operator`.
    static var operatorActor: EventActor {
        let actor = Actor.operator(osUser: osUserName)
        return EventActor(who: actor.who, actingAs: actor.actingAs)
    }

    static var osUserName: String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid-\(geteuid())"
    }
}

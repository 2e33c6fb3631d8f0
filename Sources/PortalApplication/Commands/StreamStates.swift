import Chronology
import Synchronization

/// Streams' states as last folded, with the version folded, shared by every command of one ``Portal``.
///
/// The log never changes an event once stored, so a state folded through version N stays the state at N
/// for good: loading the stream again reads only the events after N (one seek in the stream index) and
/// folds them on. A command on a long stream (a service period's actuals, a user's logins over the years)
/// then costs what its new events cost, not its whole history. Another process appending to the same log
/// is no different: its events are after N too.
///
/// Only streams of at least `minimumVersion` events are kept (a short stream folds as fast as it is looked
/// up), and at most `capacity` of them; when full, the half least recently loaded are dropped. A kept state
/// is a few kilobytes (a service period's actuals at most about 100 KB), so the defaults hold well under
/// 200 MB.
final class StreamStates: Sendable {
    struct Folded: Sendable {
        /// A stream kind's `State` (checked by a cast when taken).
        var state: any Sendable
        var version: UInt64
        var lastRecordedAt: Timestamp?
    }

    private struct Entries {
        var folded: [String: (value: Folded, used: UInt64)] = [:]
        var clock: UInt64 = 0
    }

    let capacity: Int
    let minimumVersion: UInt64
    private let entries = Mutex(Entries())

    init(capacity: Int = 2_048, minimumVersion: UInt64 = 8) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.minimumVersion = minimumVersion
    }

    /// The last fold of `streamID`, when it was folded as `State`.
    func folded<State>(_ streamID: String, as type: State.Type) -> (state: State, version: UInt64, lastRecordedAt: Timestamp?)? {
        entries.withLock { entries in
            guard let entry = entries.folded[streamID], let state = entry.value.state as? State else { return nil }
            entries.clock += 1
            entries.folded[streamID]?.used = entries.clock
            return (state, entry.value.version, entry.value.lastRecordedAt)
        }
    }

    /// Keeps `state` as the fold of `streamID` through `version`, unless a later fold is kept already.
    func keep<State: Sendable>(_ streamID: String, _ state: State, version: UInt64, lastRecordedAt: Timestamp?) {
        guard version >= minimumVersion else { return }
        entries.withLock { entries in
            if let kept = entries.folded[streamID], kept.value.version > version { return }
            entries.clock += 1
            entries.folded[streamID] = (Folded(state: state, version: version, lastRecordedAt: lastRecordedAt), entries.clock)
            guard entries.folded.count > capacity else { return }
            let byUse = entries.folded.sorted { $0.value.used < $1.value.used }
            for (streamID, _) in byUse.prefix(entries.folded.count / 2) { entries.folded[streamID] = nil }
        }
    }

    var count: Int { entries.withLock { $0.folded.count } }
}

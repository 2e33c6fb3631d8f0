import Chronology
import EventLog
import Foundation

/// Questions about the whole log: who changed what in a range, and everything one request or job did.
public struct LogQueries: Sendable {
    public let log: EventLog

    public init(log: EventLog) {
        self.log = log
    }

    /// The first position whose event was recorded at or after `instant` (head + 1 when none). Recorded-at
    /// never decreases as positions increase, so this is a binary search over positions.
    public func firstPosition(recordedAtOrAfter instant: Timestamp) throws -> UInt64 {
        var low: UInt64 = 1
        var high = try log.head().position + 1
        while low < high {
            let middle = low + (high - low) / 2
            guard let event = try log.event(at: middle) else { return middle }
            if event.recordedAt < instant { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Every event `user` caused between `from` (inclusive) and `to` (exclusive).
    public func changes(by user: String, from: Timestamp?, to: Timestamp?) throws -> [RecordedEvent] {
        let start = try from.map(firstPosition(recordedAtOrAfter:)) ?? 1
        let end = try to.map(firstPosition(recordedAtOrAfter:)) ?? (try log.head().position + 1)
        return try collect(from: start, before: end) { $0.actor.who == user }
    }

    /// Every event of one request or job, in order: those carrying the correlation id.
    public func trace(correlationID: UUID) throws -> [RecordedEvent] {
        try collect(from: 1, before: try log.head().position + 1) { $0.correlationID == correlationID }
    }

    private func collect(from start: UInt64, before end: UInt64, where matches: (RecordedEvent) -> Bool) throws -> [RecordedEvent] {
        var found: [RecordedEvent] = []
        var next = start
        while next < end {
            next = try log.scan(from: next, limit: Int(min(end - next, 50_000))) { event in
                if matches(event) { found.append(event) }
                return true
            }
        }
        return found
    }
}

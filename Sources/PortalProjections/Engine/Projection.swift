import EventLog
import LMDB
import PortalDomain

/// A read model maintained from the log: a set of LMDB tables that `apply` changes event by event.
///
/// Projections keep no state outside their tables, and `apply` depends only on the event and the tables,
/// so a read model rebuilt from position 1 is identical, key for key and byte for byte, to one built
/// incrementally — whatever the batch boundaries were.
public protocol Projection: Sendable {
    /// Stable name: the folder under `projections/` and the name in status reports.
    static var name: String { get }
    /// The version of what `apply` writes. A stored read model of another version is rebuilt at start.
    static var version: Int { get }
    /// The projection's named tables.
    static var tables: [String] { get }
    /// The event types it applies; other events only move its checkpoint on.
    static var eventTypes: Set<String> { get }
    /// Applies one event inside the engine's write transaction. Throwing stops the projection at this
    /// event; nothing of the failed batch is kept.
    static func apply(_ event: ProjectedEvent, to model: borrowing ReadModelWriter) throws
}

/// An event with its payload decoded once for every projection that reads it.
public struct ProjectedEvent: Sendable {
    public let envelope: RecordedEvent
    public let payload: any EventPayload

    public var position: UInt64 { envelope.position }
    public var type: String { envelope.type }
}

/// A projection that cannot go on: the event it met, and why.
public struct ProjectionStopped: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public let projection: String
    public let position: UInt64
    public let eventType: String
    public let reason: String

    public var description: String {
        "projection \(projection) stopped at position \(position) (\(eventType)): \(reason)"
    }
}

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
    /// The version of what `apply` writes. A stored read model of another version is rebuilt at start, in the background.
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

/// A read model that cannot serve now: still catching up with the log or being rebuilt (with its progress), or
/// stopped at an event it cannot apply (with the position and type). The HTTP API answers 503 naming it.
public struct ReadModelUnavailable: Error, Sendable, CustomStringConvertible {
    public let readModel: String
    /// Events applied so far (its checkpoint), and the log's head.
    public let checkpoint: UInt64
    public let head: UInt64
    /// True while it is rebuilt from position 1 (a new version of its projection, or a first start).
    public let rebuilding: Bool
    /// Where it stopped, when it stopped.
    public let stop: ProjectionStopped?
    /// The background catch-up's estimate of the time left, when it has one.
    public let secondsLeft: Double?

    public init(readModel: String, checkpoint: UInt64, head: UInt64, rebuilding: Bool = false,
                stop: ProjectionStopped? = nil, secondsLeft: Double? = nil) {
        self.readModel = readModel
        self.checkpoint = checkpoint
        self.head = head
        self.rebuilding = rebuilding
        self.stop = stop
        self.secondsLeft = secondsLeft
    }

    /// `catching-up`, `rebuilding` or `stopped`.
    public var phase: String { stop != nil ? "stopped" : rebuilding ? "rebuilding" : "catching-up" }

    /// Percent of the log applied, 0–100.
    public var percent: Int { head == 0 ? 100 : Int(min(100, checkpoint * 100 / head)) }

    public var description: String {
        if let stop {
            return "the read model \(readModel) stopped at position \(stop.position) (\(stop.eventType)): it cannot apply that event, "
                + "so it serves nothing until the operator recovers it (see the README, 'A read model that stopped'); the others carry on"
        }
        return "the read model \(readModel) is \(rebuilding ? "being rebuilt" : "catching up") in the background: "
            + "\(checkpoint) of \(head) events applied (\(percent)%); try again shortly (GET /health shows its progress)"
    }
}

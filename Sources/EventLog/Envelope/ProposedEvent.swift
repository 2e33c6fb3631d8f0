import Foundation

/// An event offered for appending: everything in the envelope except what the log assigns at commit
/// (stream version, global position, recorded-at time and hash).
public struct ProposedEvent: Sendable, Equatable {
    /// Unique id of the event. Appending an id that is already stored is an idempotent no-op.
    public var id: UUID
    /// The event's type name, e.g. `InvoiceSubmitted`.
    public var type: String
    /// Version of the payload's schema for this type.
    public var schemaVersion: Int
    /// The payload: JSON bytes, opaque to the log.
    public var payload: Data
    public var actor: EventActor
    /// Id shared by every event caused by one request or job.
    public var correlationID: UUID?
    /// Id of the event or command that caused this event.
    public var causationID: UUID?

    public init(
        id: UUID = .timeOrdered(),
        type: String,
        schemaVersion: Int = 1,
        payload: Data,
        actor: EventActor,
        correlationID: UUID? = nil,
        causationID: UUID? = nil
    ) {
        self.id = id
        self.type = type
        self.schemaVersion = schemaVersion
        self.payload = payload
        self.actor = actor
        self.correlationID = correlationID
        self.causationID = causationID
    }
}

import Foundation

/// One event of a generated county, as every store under comparison loads it: the envelope fields an
/// appender gives (the store assigns position, stream version and recorded-at) and the payload's JSON bytes.
public struct WorkloadEvent: Sendable, Equatable {
    public var id: UUID
    public var streamID: String
    public var type: String
    public var schemaVersion: Int
    /// Who caused the event, and acting as which role or team (`<role>@<organisation>`, `team:<team>`, …).
    public var actorWho: String
    public var actingAs: String
    public var correlationID: UUID?
    public var causationID: UUID?
    /// When it happened in the simulated county (microseconds since 1970, UTC). Informational: stores record
    /// their own commit time.
    public var occurredAt: Int64
    /// The payload: compact JSON with sorted keys, as the domain encodes it.
    public var payload: Data

    public init(
        id: UUID, streamID: String, type: String, schemaVersion: Int, actorWho: String, actingAs: String,
        correlationID: UUID?, causationID: UUID?, occurredAt: Int64, payload: Data
    ) {
        self.id = id
        self.streamID = streamID
        self.type = type
        self.schemaVersion = schemaVersion
        self.actorWho = actorWho
        self.actingAs = actingAs
        self.correlationID = correlationID
        self.causationID = causationID
        self.occurredAt = occurredAt
        self.payload = payload
    }

    /// The stream id up to its first `-` (`invoice` of `invoice-inv-7`): what category indexes group by.
    public var category: Substring { streamID.prefix { $0 != "-" } }
}

/// Events appended together: one atomic multi-stream append in every store. Within a batch each stream's
/// events are contiguous and in order, so a store that takes one entry per stream (this product's log) and
/// one that takes rows in order (SQL) give every event the same position.
public typealias WorkloadBatch = [WorkloadEvent]

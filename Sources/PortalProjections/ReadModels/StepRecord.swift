import Chronology
import EventLog
import PortalDomain

/// Who did a step and when, taken from the event's envelope: the event type and log position, the instant
/// it was recorded, the user (or `system:<job>`) and the role or team they acted as.
public struct StepRecord: Codable, Sendable, Hashable {
    /// The event type, e.g. `InvoiceHeld`.
    public var event: String
    /// The event's position in the log.
    public var position: UInt64
    public var at: Timestamp
    /// The user id, or `system:<job>`.
    public var who: String
    /// `<role>@<organisation>`, `team:<team>`, `auditor` or `system:<job>`.
    public var actingAs: String

    public init(event: String, position: UInt64, at: Timestamp, who: String, actingAs: String) {
        self.event = event
        self.position = position
        self.at = at
        self.who = who
        self.actingAs = actingAs
    }

    /// The step recorded by `event`.
    public init(_ event: ProjectedEvent) {
        self.init(event: event.type, position: event.position, at: event.envelope.recordedAt,
                  who: event.envelope.actor.who, actingAs: event.envelope.actor.actingAs)
    }
}

/// One step of a document's story (an invoice, a claim): who took it and when, and the reason it gave (a
/// hold, a return, a rejection).
public struct HistoryStep: Codable, Sendable, Equatable {
    public var step: StepRecord
    public var reason: String?

    public init(step: StepRecord, reason: String?) {
        self.step = step
        self.reason = reason
    }
}

/// An event that contradicts what a read model holds: it names a record the log never created. The
/// projection stops at that event (it is not skipped).
public struct ReadModelInconsistency: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    /// The event names `what` (`service oasis-hs`), which no earlier event created.
    static func unknown(_ what: String, in event: ProjectedEvent) -> Self {
        .init("\(event.type) names \(what), which no earlier event created")
    }

    public var description: String { message }
}

extension ReadModelKeyPart {
    /// An instant as a key part that sorts in time order.
    static func instant(_ timestamp: Timestamp) -> ReadModelKeyPart {
        .number(UInt64(bitPattern: timestamp.microsecondsSince1970 &+ Int64.min))
    }

    /// A calendar date as a key part that sorts in date order (`2026-11-16`).
    static func date(_ date: BusinessDate) -> ReadModelKeyPart { .text(date.iso8601) }

    static func period(_ period: PeriodNumber) -> ReadModelKeyPart { .number(UInt64(max(period.value, 0))) }
}

// MARK: Owner indexes

/// Tables that map a record's id to the organisation that owns it (`service → organisation`), stored as the
/// organisation id's bytes, so that events naming only a service or a user can be filed under their
/// organisation.
extension ReadModelWriter {
    func putOwner(_ organisation: OrganisationID, _ table: String, _ id: String) throws {
        try putBytes(Array(organisation.rawValue.utf8), table, ReadModelKey(.text(id)))
    }

    func owner(_ table: String, _ id: String) throws -> OrganisationID? {
        try getBytes(table, ReadModelKey(.text(id))).map { OrganisationID(String(decoding: $0, as: UTF8.self)) }
    }

    /// The owner of `id`, or a stop naming what the event refers to.
    func requireOwner(_ table: String, _ id: String, _ what: String, for event: ProjectedEvent) throws -> OrganisationID {
        guard let owner = try owner(table, id) else { throw ReadModelInconsistency.unknown("\(what) \(id)", in: event) }
        return owner
    }

    /// The row `[owner, id]` of `table` an event refers to, the owner found in `owners`; or a stop naming
    /// `what` (`invoice inv-1`).
    func requireOwned<Value: Decodable>(_ type: Value.Type, _ table: String, owners: String, id: String, _ what: String,
                                        for event: ProjectedEvent) throws -> Value {
        let owner = try requireOwner(owners, id, what, for: event)
        return try require(type, table, ReadModelKey(.text(owner.rawValue), .text(id)), "\(what) \(id)", for: event)
    }

    /// The value under `key`, or a stop naming what the event refers to.
    func require<Value: Decodable>(_ type: Value.Type, _ table: String, _ key: ReadModelKey, _ what: String,
                                   for event: ProjectedEvent) throws -> Value {
        guard let value = try get(type, table, key) else { throw ReadModelInconsistency.unknown(what, in: event) }
        return value
    }
}

extension ReadModelReader {
    /// The row `[owner, id]` of `table`, when `owners` files `id` under an organisation the scope may see.
    func owned<Value: Decodable>(_ type: Value.Type, _ table: String, owners: String, id: String, _ scope: ReadScope) throws -> Value? {
        guard let owner = try owner(owners, id), scope.allows(owner) else { return nil }
        return try get(type, table, ReadModelKey(.text(owner.rawValue), .text(id)))
    }

    func owner(_ table: String, _ id: String) throws -> OrganisationID? {
        try getBytes(table, ReadModelKey(.text(id))).map { OrganisationID(String(decoding: $0, as: UTF8.self)) }
    }
}

// MARK: Moving indexes

/// An entry of an index table: a key with an empty value, pointing at a row by the key's last parts.
struct IndexEntry: Hashable {
    let table: String
    let key: ReadModelKey

    init(_ table: String, _ parts: ReadModelKeyPart...) {
        self.table = table
        var key = ReadModelKey()
        for part in parts { key.append(part) }
        self.key = key
    }
}

extension ReadModelWriter {
    /// Replaces a row's index entries `old` by `new`: removes those that no longer hold and adds the new ones.
    func moveIndexes(from old: [IndexEntry], to new: [IndexEntry]) throws {
        let kept = Set(new)
        for entry in old where !kept.contains(entry) { try delete(entry.table, entry.key) }
        let had = Set(old)
        for entry in new where !had.contains(entry) { try putBytes([], entry.table, entry.key) }
    }
}

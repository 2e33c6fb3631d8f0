import Crypto
import EventLog
import Foundation
import PortalDomain

/// Who asks for a command and how it is traced: the actor, a correlation id shared by everything one
/// request causes, the command's own id (the events' causation id), and an optional idempotency key.
public struct CommandRequest: Sendable {
    public var actor: Actor
    public var correlationID: UUID
    public var commandID: UUID
    /// When set, event ids are derived from it, so a retried request is recognised and applied once.
    public var idempotencyKey: String?
    /// Versions the caller saw (an HTTP `If-Match`), by full stream id: when the command loads one of these
    /// streams at another version it is refused with `PortalError.versionMismatch` and nothing is written.
    /// Because the append is conditional on every stream loaded, the check holds up to the append itself.
    public var expectedVersions: [String: UInt64]
    /// Told how long each append attempt of the command took and how it ended (the HTTP append metric).
    public var appendObserver: AppendObserver?

    public init(
        actor: Actor, correlationID: UUID = UUID(), commandID: UUID = UUID(), idempotencyKey: String? = nil,
        expectedVersions: [String: UInt64] = [:], appendObserver: AppendObserver? = nil
    ) {
        self.actor = actor
        self.correlationID = correlationID
        self.commandID = commandID
        self.idempotencyKey = idempotencyKey
        self.expectedVersions = expectedVersions
        self.appendObserver = appendObserver
    }

    /// The log's envelope actor: `who` is the user id or `system:<job>`; `actingAs` is
    /// `<role>@<organisation>`, `team:<team>`, `auditor` or `system:<job>`.
    public var eventActor: EventActor { EventActor(who: actor.who, actingAs: actor.actingAs) }

    /// This request with an idempotency key — its own, or a new one — so that the ids of its events are known
    /// before the append (a staged secret waits for its command's first event). A new key is new on every call:
    /// callers may reuse one request (and so its command id) for several commands.
    func withEventIDsKnownInAdvance() -> CommandRequest {
        guard idempotencyKey == nil else { return self }
        var request = self
        request.idempotencyKey = "staged-\(UUID().uuidString.lowercased())"
        return request
    }

    /// The id of the `index`-th event of this request: SHA-256 of key, actor and index when there is an
    /// idempotency key, else a new id.
    func eventID(index: Int) -> UUID? {
        guard let idempotencyKey else { return nil }
        let digest = SHA256.hash(data: Data("\(idempotencyKey)\n\(actor.who)\n\(actor.actingAs)\n\(index)".utf8))
        var bytes = Array(digest.prefix(16))
        bytes[6] = 0x80 | (bytes[6] & 0x0f) // version 8: application-defined
        bytes[8] = 0x80 | (bytes[8] & 0x3f) // RFC 9562 variant
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

/// What a command did.
public struct CommandOutcome<Value: Sendable>: Sendable {
    /// The command's own result; nil when the request was a retry of one already applied.
    public var value: Value?
    /// Positions of the events appended (or found, for a retry), in order.
    public var positions: [UInt64]
    /// True when the idempotency key showed the request was applied before; nothing new was written.
    public var wasAlreadyApplied: Bool
    /// The version of each stream the command read or wrote, once it was applied: what a response gives as ETag
    /// without reading the log again. For a retry, the versions its events gave their streams when first applied.
    public var streamVersions: [String: UInt64]

    public init(value: Value?, positions: [UInt64], wasAlreadyApplied: Bool, streamVersions: [String: UInt64] = [:]) {
        self.value = value
        self.positions = positions
        self.wasAlreadyApplied = wasAlreadyApplied
        self.streamVersions = streamVersions
    }

    /// The number of events of the command.
    public var eventCount: Int { positions.count }

    /// The version of `streamID` once the command was applied; nil when the command did not read it.
    public func version(of streamID: String) -> UInt64? { streamVersions[streamID] }

    /// The same outcome with another value.
    func with<Other: Sendable>(_ value: Other?) -> CommandOutcome<Other> {
        CommandOutcome<Other>(value: value, positions: positions, wasAlreadyApplied: wasAlreadyApplied, streamVersions: streamVersions)
    }
}

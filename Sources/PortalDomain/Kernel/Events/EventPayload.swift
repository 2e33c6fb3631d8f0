import Foundation

/// The payload of one event type: a struct stored as JSON in the log.
///
/// `eventType` is the log's type name (`ActualRecorded`); `schemaVersion` the version of its JSON Schema in
/// `Schemas/events/<eventType>.v<schemaVersion>.schema.json`. A change of shape is a new schema version.
public protocol EventPayload: Codable, Sendable, Equatable {
    static var eventType: String { get }
    static var schemaVersion: Int { get }
}

/// The events of one kind of stream, as an enum over its payloads.
public protocol StreamEvent: Sendable, Equatable {
    /// Every payload type this stream records.
    static var payloadTypes: [any EventPayload.Type] { get }
    /// The case's payload.
    var payload: any EventPayload { get }
    /// The case for a payload, or nil when the payload belongs to another stream kind.
    init?(payload: any EventPayload)
}

/// One kind of stream = one category of stream ids (`actuals-…`). Its state is folded from its events by
/// `evolve`; `decide` turns a command into new events, or refuses it. Both are pure.
///
/// State is `Codable` so the audit tool can show field-level differences after each event. When a decision
/// needs facts from other streams, the application loads them and passes them inside the command.
public protocol EventStream {
    associatedtype State: Codable, Equatable, Sendable
    associatedtype Event: StreamEvent
    associatedtype Command
    /// Lowercase, without a dash: the stream id up to its first `-`.
    static var category: String { get }
    static var initialState: State { get }
    static func evolve(_ state: State, _ event: Event) -> State
    static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [Event]
}

extension EventStream {
    /// `<category>-<id>`.
    public static func streamID(_ id: String) -> String { "\(category)-\(id)" }

    /// The state after `events`, from the initial state.
    public static func fold<S: Sequence>(_ events: S) -> State where S.Element == Event {
        events.reduce(initialState, evolve)
    }
}

/// How payloads become bytes: JSON with sorted keys, so equal payloads give equal bytes.
public enum EventCoding {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The payload's JSON bytes.
    public static func encode(_ payload: any EventPayload) throws -> Data {
        try encoder().encode(payload)
    }

    /// Decodes a payload of a known type.
    public static func decode<P: EventPayload>(_ type: P.Type, from data: Data) throws -> P {
        try JSONDecoder().decode(type, from: data)
    }
}

/// What the appender believes the stream's version to be. Versions count events: a stream with no events
/// is at version 0 and its first event has version 1.
public enum ExpectedVersion: Sendable, Hashable, CustomStringConvertible {
    /// Append whatever the stream's version.
    case any
    /// The stream must have no events.
    case noStream
    /// The stream must have at least one event.
    case streamExists
    /// The stream must be at exactly this version (0 is the same as `noStream`).
    case exact(UInt64)

    func admits(_ actual: UInt64) -> Bool {
        switch self {
        case .any: true
        case .noStream: actual == 0
        case .streamExists: actual > 0
        case .exact(let version): actual == version
        }
    }

    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "no stream"
        case .streamExists: "stream exists"
        case .exact(let version): "\(version)"
        }
    }

    /// Parses `any`, `no-stream`, `exists` or a version number.
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "any": self = .any
        case "no-stream", "nostream", "none": self = .noStream
        case "exists", "stream-exists": self = .streamExists
        default:
            guard let version = UInt64(text) else { return nil }
            self = .exact(version)
        }
    }
}

/// Events for one stream within an atomic append. An entry with no events only asserts the version, so a
/// caller can make its append conditional on a stream it read but does not change.
public struct StreamAppend: Sendable, Equatable {
    public var streamID: String
    public var expectedVersion: ExpectedVersion
    public var events: [ProposedEvent]

    public init(streamID: String, expectedVersion: ExpectedVersion, events: [ProposedEvent]) {
        self.streamID = streamID
        self.expectedVersion = expectedVersion
        self.events = events
    }

    /// A version check on a stream that appends nothing.
    public static func condition(_ streamID: String, isAt expected: ExpectedVersion) -> StreamAppend {
        StreamAppend(streamID: streamID, expectedVersion: expected, events: [])
    }
}

/// The outcome of an append.
public struct AppendResult: Sendable, Equatable {
    /// Position of each appended event, in the order given.
    public var positions: [UInt64]
    /// Version of each stream named in the append after it, in the order given.
    public var streamVersions: [String: UInt64]
    /// True when every event was already stored (a retry) and nothing was written.
    public var wasAlreadyStored: Bool

    /// The highest position written or found, or nil for an append of conditions only.
    public var lastPosition: UInt64? { positions.max() }
}

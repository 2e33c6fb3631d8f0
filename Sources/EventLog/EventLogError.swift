import Foundation

/// An append refused because a stream is not at the version the appender expected.
public struct WrongExpectedVersion: Error, Equatable, CustomStringConvertible {
    public let streamID: String
    public let expected: ExpectedVersion
    /// The stream's version when the append was attempted (0: no such stream).
    public let actual: UInt64

    public var description: String {
        "stream '\(streamID)': expected version \(expected), but it is at version \(actual)"
    }
}

/// Errors of the event log other than version conflicts.
public struct EventLogError: Error, Equatable, CustomStringConvertible {
    private enum Kind: Equatable {
        case eventIDReused
        case invalidEvent
        case storage
        case outOfSpace
        case readOnly
        case closed
        case notALog
        case corrupt
        case outOfRange
    }

    private let kind: Kind
    /// What happened, in words that name the field or the event.
    public let message: String

    private init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// An event id already stored with different contents (stream, type or payload).
    public static func eventIDReused(_ id: UUID, storedAt position: UInt64, differingIn field: String) -> Self {
        .init(.eventIDReused, "event id \(id.uuidString.lowercased()) is already stored at position \(position) with a different \(field)")
    }

    /// An event or stream id the log cannot store.
    public static func invalidEvent(_ message: String) -> Self { .init(.invalidEvent, message) }

    /// liblmdb or the disk failed; nothing of the failed append was written.
    public static func storage(_ message: String) -> Self { .init(.storage, message) }

    /// The disk has no room for the append; nothing of it was written, and appends work again once space is freed.
    public static func outOfSpace(_ message: String) -> Self { .init(.outOfSpace, message) }

    /// The log was opened read-only.
    public static var readOnly: Self { .init(.readOnly, "the log is open read-only; appends are refused") }

    /// The log was closed.
    public static var closed: Self { .init(.closed, "the log is closed") }

    /// The folder holds an LMDB environment that is not an event log, or no environment.
    public static func notALog(_ message: String) -> Self { .init(.notALog, message) }

    /// A stored record that cannot be decoded.
    public static func corrupt(_ message: String) -> Self { .init(.corrupt, message) }

    /// A position or tree size the log does not hold (yet).
    public static func outOfRange(_ message: String) -> Self { .init(.outOfRange, message) }

    public var isEventIDReused: Bool { kind == .eventIDReused }
    public var isInvalidEvent: Bool { kind == .invalidEvent }
    /// A storage failure, out of space included.
    public var isStorage: Bool { kind == .storage || kind == .outOfSpace }
    public var isOutOfSpace: Bool { kind == .outOfSpace }
    public var isReadOnly: Bool { kind == .readOnly }
    public var isClosed: Bool { kind == .closed }
    public var isNotALog: Bool { kind == .notALog }
    public var isCorrupt: Bool { kind == .corrupt }
    public var isOutOfRange: Bool { kind == .outOfRange }
}

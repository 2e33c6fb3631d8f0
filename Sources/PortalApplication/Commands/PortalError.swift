/// Failures of the application layer that are not domain refusals: conflicts that kept recurring, wrong
/// credentials, a username in use, a stream that cannot be read. Messages never hold a secret.
public struct PortalError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Kind: Sendable, Equatable {
        case tooManyConflicts
        case wrongCredentials
        case usernameTaken
        case unreadableStream
        case versionMismatch
        case notFound
    }

    private let kind: Kind
    public let message: String

    private init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// The streams kept changing between read and append; nothing was written. Try again.
    public static func tooManyConflicts(_ attempts: Int, lastStream: String) -> Self {
        .init(.tooManyConflicts, "the command was not applied: stream '\(lastStream)' changed \(attempts) times while it was decided; try again")
    }

    /// Username, password or passcode wrong; which one is not said.
    public static var wrongCredentials: Self {
        .init(.wrongCredentials, "the username, password or passcode is wrong")
    }

    public static func usernameTaken(_ username: String) -> Self {
        .init(.usernameTaken, "the username \(username) belongs to another account; use another email address")
    }

    public static func unreadableStream(_ streamID: String, _ reason: String) -> Self {
        .init(.unreadableStream, "stream '\(streamID)' cannot be read: \(reason)")
    }

    /// The caller expected another version of a stream (an HTTP `If-Match` that no longer holds).
    public static func versionMismatch(_ streamID: String, expected: UInt64, actual: UInt64) -> Self {
        .init(.versionMismatch, "'\(streamID)' is at version \(actual), not \(expected) as expected; read it again and retry")
    }

    /// The record a command or read is about (named by the caller, as a URL path names it) does not exist, or
    /// is another organisation's and the actor is a provider, who learns nothing of it (R-ROLE-2). A record
    /// referred to from a command's values is the domain's `DomainError.notFound` instead.
    public static func notFound(_ what: String) -> Self {
        .init(.notFound, "there is no \(what)")
    }

    public var isNotFound: Bool { kind == .notFound }
    public var isVersionMismatch: Bool { kind == .versionMismatch }
    public var isTooManyConflicts: Bool { kind == .tooManyConflicts }
    public var isWrongCredentials: Bool { kind == .wrongCredentials }
    public var isUsernameTaken: Bool { kind == .usernameTaken }
}

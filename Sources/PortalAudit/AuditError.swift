/// Why an audit question cannot be answered: the question names nothing in the log or is malformed (a lookup
/// or usage error), or what it asked to check was found not to hold (a failed verification).
public struct AuditError: Error, Equatable, CustomStringConvertible {
    public let message: String
    /// True when a check failed (a signature, a proof, a checkpoint against the log); false for a lookup or
    /// usage error. The command line exits 1 for the first, 2 for the second.
    public let isVerificationFailure: Bool

    init(message: String, isVerificationFailure: Bool = false) {
        self.message = message
        self.isVerificationFailure = isVerificationFailure
    }

    public var description: String { message }

    static func notFound(_ what: String) -> Self { .init(message: "\(what) has no events in this log") }
    static func ambiguous(_ message: String) -> Self { .init(message: message) }
    static func undecodable(position: UInt64, type: String, reason: String) -> Self {
        .init(message: "the event at position \(position) (\(type)) cannot be read by this build: \(reason)", isVerificationFailure: true)
    }
    static func invalid(_ message: String) -> Self { .init(message: message) }
    static func failed(_ message: String) -> Self { .init(message: message, isVerificationFailure: true) }
}

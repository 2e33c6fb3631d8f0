/// Why an audit question cannot be answered.
public struct AuditError: Error, Equatable, CustomStringConvertible {
    public let message: String

    public var description: String { message }

    static func notFound(_ what: String) -> Self { .init(message: "\(what) has no events in this log") }
    static func ambiguous(_ message: String) -> Self { .init(message: message) }
    static func undecodable(position: UInt64, type: String, reason: String) -> Self {
        .init(message: "the event at position \(position) (\(type)) cannot be read by this build: \(reason)")
    }
    static func invalid(_ message: String) -> Self { .init(message: message) }
}

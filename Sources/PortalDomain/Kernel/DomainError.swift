/// A command refused by the domain: bad input, a broken rule, a missing or wrong-state record.
///
/// It names the field and, where one applies, the rule (`R-ACT-3`), and says what to do:
/// `week 2026-11-16: Actual is 0, a comment is required (R-ACT-3)`. It never carries a secret.
public struct DomainError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Kind: String, Sendable, Equatable {
        case invalidValue
        case ruleBroken
        case notFound
        case wrongState
        case duplicate
    }

    private let kind: Kind
    /// The rule of DOMAIN.md that refused the command, e.g. `R-ACT-3`; nil for plain input errors.
    public let rule: String?
    /// The input field at fault, e.g. `actual` or `week`; nil when the refusal is about the whole command.
    public let field: String?
    /// What is wrong and what to do, without the rule id.
    public let message: String

    private init(_ kind: Kind, rule: String?, field: String?, message: String) {
        self.kind = kind
        self.rule = rule
        self.field = field
        self.message = message
    }

    /// The message followed by the rule id, e.g. `week 2026-11-16: Actual is 0, a comment is required (R-ACT-3)`.
    public var description: String {
        if let rule { return "\(message) (\(rule))" }
        return message
    }

    /// A value that cannot be accepted as given (negative, over-precise, malformed, out of bounds).
    public static func invalidValue(field: String, _ message: String, rule: String? = nil) -> Self {
        .init(.invalidValue, rule: rule, field: field, message: message)
    }

    /// A well-formed command that a numbered rule refuses.
    public static func ruleBroken(_ rule: String, field: String? = nil, _ message: String) -> Self {
        .init(.ruleBroken, rule: rule, field: field, message: message)
    }

    /// A record the command names does not exist (unknown CPLI, user, ISO…).
    public static func notFound(field: String, _ message: String) -> Self {
        .init(.notFound, rule: nil, field: field, message: message)
    }

    /// The record exists but is not in a state that allows the command (already agreed, not pending…).
    public static func wrongState(field: String? = nil, _ message: String, rule: String? = nil) -> Self {
        .init(.wrongState, rule: rule, field: field, message: message)
    }

    /// The thing to create exists already, or the same file was imported before.
    public static func duplicate(field: String? = nil, _ message: String, rule: String? = nil) -> Self {
        .init(.duplicate, rule: rule, field: field, message: message)
    }

    public var isInvalidValue: Bool { kind == .invalidValue }
    public var isRuleBroken: Bool { kind == .ruleBroken }
    public var isNotFound: Bool { kind == .notFound }
    public var isWrongState: Bool { kind == .wrongState }
    public var isDuplicate: Bool { kind == .duplicate }

    /// The same error with a prefix locating it, e.g. `row 3, column actual: `.
    public func located(_ prefix: String) -> Self {
        .init(kind, rule: rule, field: field, message: "\(prefix)\(message)")
    }
}

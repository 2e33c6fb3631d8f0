import Foundation

/// An identifier of a portal record: a short string, JSON-encoded as that string.
///
/// Identifiers become part of stream ids (`service-<id>`), so they are 1 to 64 characters of letters,
/// digits and `.`, `_`, `:`, `-`. Build one from trusted text with `init(_:)`; parse untrusted input with
/// ``parse(_:field:)``, which names the field when it refuses. As a dictionary key it encodes as a JSON
/// object key.
public protocol PortalIdentifier: RawRepresentable, Hashable, Codable, CodingKeyRepresentable, Sendable, Comparable,
    CustomStringConvertible, ExpressibleByStringLiteral where RawValue == String
{
    init(_ rawValue: String)
}

extension PortalIdentifier {
    public init(rawValue: String) { self.init(rawValue) }
    public init(stringLiteral value: String) { self.init(value) }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Longest identifier, in characters.
    public static var maximumLength: Int { 64 }

    /// Why `text` cannot be an identifier, or nil when it can.
    public static func problem(with text: String) -> String? {
        if text.isEmpty { return "is empty" }
        if text.count > maximumLength { return "is \(text.count) characters long; at most \(maximumLength) are allowed" }
        let allowed = text.unicodeScalars.allSatisfy { scalar in
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", ".", "_", ":", "-": true
            default: false
            }
        }
        if !allowed { return "'\(text)' may hold only letters, digits and . _ : -" }
        return nil
    }

    /// A new identifier made by the portal when a caller gives none: `prefix` and 12 hexadecimal digits of
    /// `random` (a UUID's first bits; the application passes a new UUID, the domain makes none itself).
    public static func made(_ prefix: String, from random: UUID) -> Self {
        Self(prefix + "-" + random.uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))
    }

    /// Parses untrusted text, refusing what cannot be an identifier with an error naming `field`.
    public static func parse(_ text: String, field: String) throws(DomainError) -> Self {
        let trimmed = text.trimmingWhitespace
        if let problem = problem(with: trimmed) {
            throw .invalidValue(field: field, "\(field) \(problem)")
        }
        return Self(trimmed)
    }
}

/// A provider organisation (`organisation-<id>`).
public struct OrganisationID: PortalIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// A service of a provider, under a contract (`service-<id>`).
public struct ServiceID: PortalIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// A contract between the council and a provider (`contract-<id>`).
public struct ContractID: PortalIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// A person who can log in: provider contact, council staff or auditor (`user-<id>`).
public struct UserID: PortalIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// An Individual Service Order, a "contract document" (`iso-<id>`).
public struct ISOID: PortalIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// A Care Package Line Item, a "service agreement" (`cpli-<id>`).
public struct CPLIID: PortalIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// A change request on an organisation, a service or a contact (R-CON-1), unique within its record.
public struct ChangeRequestID: PortalIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// An invoice or credit note of a provider (part 2).
public struct InvoiceID: PortalIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// A credit note against a paid invoice (R-INV-4), its own stream `creditnote-<id>`.
public struct CreditNoteID: PortalIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// A one-off claim (part 2).
public struct ClaimID: PortalIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// A conversation, an "action" (part 2).
public struct ConversationID: PortalIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// A payment run (part 2).
public struct PaymentRunID: PortalIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// An actuals file import of an organisation (R-ACT-2, R-ACT-10).
public struct ImportID: PortalIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// An API key of a job's machine account (`jobkey-<id>`); the key itself is never stored in the log.
public struct JobKeyID: PortalIdentifier {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

extension String {
    /// The text without leading and trailing spaces, tabs and line breaks.
    var trimmingWhitespace: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}

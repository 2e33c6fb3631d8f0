/// An exact amount of money in pence. May be negative (credit notes, corrections).
///
/// JSON: a string with exactly two decimals, `"12.34"`, `"-3.50"`.
public struct Money: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public static let places = 2
    /// Magnitudes of 10^15 pounds and more are refused.
    static let limit: Int64 = 1_000_000_000_000_000 * 100

    public let pence: Int64

    public init(pence: Int64) {
        self.pence = pence
    }

    public static let zero = Money(pence: 0)

    /// Parses an amount with at most 2 decimal places, e.g. `12.34` or `-3.5`.
    public static func parse(_ text: String, field: String) throws(DomainError) -> Money {
        Money(pence: try FixedPoint.parse(
            text, places: places, allowsNegative: true, limit: limit, field: field, what: "an amount like 12.34"))
    }

    /// Parses an amount that may not be negative.
    public static func parseNonNegative(_ text: String, field: String) throws(DomainError) -> Money {
        Money(pence: try FixedPoint.parse(
            text, places: places, allowsNegative: false, limit: limit, field: field, what: "an amount like 12.34"))
    }

    /// `12.34`, `-3.50`.
    public var description: String { FixedPoint.format(pence, places: Self.places) }

    public var isNegative: Bool { pence < 0 }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.pence < rhs.pence }
    public static func + (lhs: Self, rhs: Self) -> Self { Money(pence: lhs.pence + rhs.pence) }
    public static func - (lhs: Self, rhs: Self) -> Self { Money(pence: lhs.pence - rhs.pence) }
    public static prefix func - (value: Self) -> Self { Money(pence: -value.pence) }
    public static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }

    /// Sum of amounts: totals are sums of already rounded lines (R-ACT-5).
    public static func sum<S: Sequence>(_ amounts: S) -> Money where S.Element == Money {
        amounts.reduce(.zero, +)
    }

    public init(from decoder: any Decoder) throws {
        pence = try FixedPoint.decode(from: decoder, places: Self.places, allowsNegative: true, limit: Self.limit, what: "amount")
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A price per hour or night, exact to 4 decimal places of a pound; never negative.
///
/// JSON: a string with exactly four decimals, `"18.5000"`.
public struct Rate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public static let places = 4
    /// Rates of £10,000,000 per unit and more are refused.
    static let limit: Int64 = 10_000_000 * 10_000

    public let tenThousandthsOfAPound: Int64

    public init(tenThousandthsOfAPound: Int64) {
        self.tenThousandthsOfAPound = tenThousandthsOfAPound
    }

    /// A rate of whole pence per unit.
    public init(pence: Int64) {
        self.tenThousandthsOfAPound = pence * 100
    }

    /// Parses a non-negative rate with at most 4 decimal places, e.g. `18.50` or `16.4275`.
    public static func parse(_ text: String, field: String) throws(DomainError) -> Rate {
        Rate(tenThousandthsOfAPound: try FixedPoint.parse(
            text, places: places, allowsNegative: false, limit: limit, field: field, what: "a rate like 18.50"))
    }

    /// `18.5000`.
    public var description: String { FixedPoint.format(tenThousandthsOfAPound, places: Self.places) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.tenThousandthsOfAPound < rhs.tenThousandthsOfAPound }

    public init(from decoder: any Decoder) throws {
        tenThousandthsOfAPound = try FixedPoint.decode(
            from: decoder, places: Self.places, allowsNegative: false, limit: Self.limit, what: "rate")
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

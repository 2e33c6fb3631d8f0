/// An exact quantity of care (hours or nights) to 4 decimal places, held as ten-thousandths (R-ACT-2).
///
/// JSON: a string with exactly four decimals, `"10.5000"`. Quantities of actuals are never negative;
/// ``parse(_:field:)`` refuses a negative or over-precise value and names the field.
public struct Quantity: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Decimal places kept.
    public static let places = 4
    /// Units in one whole hour or night.
    public static let unitsPerWhole: Int64 = 10_000
    /// Magnitudes of 10^9 and more are refused (keeps every product with a ``Rate`` exact in Int64 pence).
    static let limit: Int64 = 1_000_000_000 * unitsPerWhole

    /// Ten-thousandths: 10.5 is 105000.
    public let tenThousandths: Int64

    public init(tenThousandths: Int64) {
        self.tenThousandths = tenThousandths
    }

    /// A whole number of hours or nights.
    public init(_ whole: Int) {
        self.tenThousandths = Int64(whole) * Self.unitsPerWhole
    }

    public static let zero = Quantity(tenThousandths: 0)

    /// Parses a non-negative decimal with at most 4 places, e.g. `10.5` or `4.2857`.
    public static func parse(_ text: String, field: String) throws(DomainError) -> Quantity {
        Quantity(tenThousandths: try FixedPoint.parse(
            text, places: places, allowsNegative: false, limit: limit, field: field, what: "a quantity like 10.5"))
    }

    /// Parses a decimal with at most 4 places that may be negative (a correction, a difference).
    public static func parseSigned(_ text: String, field: String) throws(DomainError) -> Quantity {
        Quantity(tenThousandths: try FixedPoint.parse(
            text, places: places, allowsNegative: true, limit: limit, field: field, what: "a quantity like 10.5"))
    }

    /// `10.5000`.
    public var description: String { FixedPoint.format(tenThousandths, places: Self.places) }

    public var isZero: Bool { tenThousandths == 0 }
    public var isNegative: Bool { tenThousandths < 0 }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.tenThousandths < rhs.tenThousandths }
    public static func + (lhs: Self, rhs: Self) -> Self { Quantity(tenThousandths: lhs.tenThousandths + rhs.tenThousandths) }
    public static func - (lhs: Self, rhs: Self) -> Self { Quantity(tenThousandths: lhs.tenThousandths - rhs.tenThousandths) }
    public static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }

    /// This quantity × numerator / denominator, rounded half-up at 4 decimals (pro-rata `planned × days/7`,
    /// 50 % or 25 % of a visit).
    public func scaled(by numerator: Int, over denominator: Int) -> Quantity {
        Quantity(tenThousandths: Int64(FixedPoint.divideRoundingHalfUp(
            Int128(tenThousandths) * Int128(numerator), by: Int128(denominator))))
    }

    /// The line amount `quantity × rate`, rounded half-up to the penny (R-ACT-5).
    public func amount(at rate: Rate) -> Money {
        // 10^-4 units × 10^-4 pounds = 10^-8 pounds; a penny is 10^-2 pounds.
        let product = Int128(tenThousandths) * Int128(rate.tenThousandthsOfAPound)
        return Money(pence: Int64(FixedPoint.divideRoundingHalfUp(product, by: 1_000_000)))
    }

    /// Sum of quantities.
    public static func sum<S: Sequence>(_ quantities: S) -> Quantity where S.Element == Quantity {
        quantities.reduce(.zero, +)
    }

    public init(from decoder: any Decoder) throws {
        tenThousandths = try FixedPoint.decode(
            from: decoder, places: Self.places, allowsNegative: true, limit: Self.limit, what: "quantity")
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

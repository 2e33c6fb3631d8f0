import Foundation

/// A calendar date with no time and no zone: the date on an actual, a period boundary, a claim.
/// Weeks run Monday to Sunday. Encoded as `YYYY-MM-DD`.
public struct BusinessDate: Sendable, Hashable, Comparable, Strideable, Codable, CustomStringConvertible {
    /// Days since 1970-01-01 (a Thursday).
    public let daysSince1970: Int

    public init(daysSince1970: Int) {
        self.daysSince1970 = daysSince1970
    }

    /// The first date of the business range: 0001-01-01 (a Monday in the proleptic Gregorian calendar).
    public static let earliest = BusinessDate(year: 1, month: 1, day: 1)!
    /// The last date of the business range: 9999-12-31. Every date the portal accepts, stores or derives lies
    /// in `earliest...latest`, so its `YYYY-MM-DD` form has four year digits and day arithmetic cannot overflow.
    public static let latest = BusinessDate(year: 9999, month: 12, day: 31)!

    /// Whether the date lies in the business range `earliest...latest`.
    public var isInBusinessRange: Bool { (Self.earliest...Self.latest).contains(self) }

    /// The date, or nil when the day does not exist in that month.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: Int64(month), year: Int64(year)),
              (1...9999).contains(year) else { return nil }
        self.daysSince1970 = Int(Timestamp.days(fromCivil: Int64(year), Int64(month), Int64(day)))
    }

    /// Parses `YYYY-MM-DD` exactly.
    public init?(iso8601 text: String) {
        let chars = Array(text.utf8)
        guard chars.count == 10, chars[4] == UInt8(ascii: "-"), chars[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard chars[index] >= 48, chars[index] <= 57 else { return nil }
                value = value * 10 + Int(chars[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// The UTC calendar date of an instant.
    public init(_ timestamp: Timestamp) {
        let micros = timestamp.microsecondsSince1970
        let perDay: Int64 = 86_400_000_000
        self.daysSince1970 = Int(micros >= 0 ? micros / perDay : (micros - perDay + 1) / perDay)
    }

    public var year: Int { Int(Timestamp.civil(fromDays: Int64(daysSince1970)).0) }
    public var month: Int { Int(Timestamp.civil(fromDays: Int64(daysSince1970)).1) }
    public var day: Int { Int(Timestamp.civil(fromDays: Int64(daysSince1970)).2) }

    /// ISO weekday: Monday 1 … Sunday 7.
    public var isoWeekday: Int {
        let shifted = (daysSince1970 + 3) % 7 // 1970-01-01 was a Thursday (ISO 4)
        return (shifted < 0 ? shifted + 7 : shifted) + 1
    }

    public var isMonday: Bool { isoWeekday == 1 }
    public var isSunday: Bool { isoWeekday == 7 }

    /// The Monday of this date's week.
    public var mondayOfWeek: BusinessDate { adding(days: -(isoWeekday - 1)) }

    public func adding(days: Int) -> BusinessDate { BusinessDate(daysSince1970: daysSince1970 + days) }

    /// Midnight UTC at the start of this date.
    public var startOfDay: Timestamp { Timestamp(microsecondsSince1970: Int64(daysSince1970) * 86_400_000_000) }

    /// `2026-11-16`.
    public var iso8601: String {
        let (y, m, d) = Timestamp.civil(fromDays: Int64(daysSince1970))
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    public var description: String { iso8601 }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.daysSince1970 < rhs.daysSince1970 }
    public func distance(to other: Self) -> Int { other.daysSince1970 - daysSince1970 }
    public func advanced(by n: Int) -> Self { adding(days: n) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = BusinessDate(iso8601: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a date like 2026-11-16")
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso8601)
    }
}

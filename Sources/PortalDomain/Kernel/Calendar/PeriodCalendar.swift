import Chronology

/// A week, Monday to Sunday, named by its Monday. JSON: the Monday as `YYYY-MM-DD`.
public struct Week: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The Monday that starts the week.
    public let monday: BusinessDate

    /// The week that contains `date`.
    public init(containing date: BusinessDate) {
        self.monday = date.mondayOfWeek
    }

    /// The week starting on `monday`, or an error naming `field` when the date is not a Monday.
    public static func starting(_ monday: BusinessDate, field: String = "week") throws(DomainError) -> Week {
        guard monday.isMonday else {
            throw .invalidValue(field: field, "\(field) \(monday) is not a Monday; weeks run Monday to Sunday (give \(monday.mondayOfWeek))")
        }
        return Week(containing: monday)
    }

    /// Parses `YYYY-MM-DD` of a Monday.
    public static func parse(_ text: String, field: String = "week") throws(DomainError) -> Week {
        guard let date = BusinessDate(iso8601: text.trimmingWhitespace) else {
            throw .invalidValue(field: field, "\(field) '\(text)' is not a date like 2026-11-16")
        }
        return try starting(date, field: field)
    }

    public var sunday: BusinessDate { monday.adding(days: 6) }
    /// The seven days, Monday first.
    public var days: [BusinessDate] { (0..<7).map { monday.adding(days: $0) } }
    public func contains(_ date: BusinessDate) -> Bool { date >= monday && date <= sunday }
    public func adding(weeks: Int) -> Week { Week(containing: monday.adding(days: 7 * weeks)) }

    public var description: String { monday.iso8601 }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.monday < rhs.monday }

    public init(from decoder: any Decoder) throws {
        let date = try BusinessDate(from: decoder)
        guard date.isMonday else {
            let container = try decoder.singleValueContainer()
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "week \(date) is not a Monday")
        }
        self.monday = date
    }

    public func encode(to encoder: any Encoder) throws {
        try monday.encode(to: encoder)
    }
}

/// The number of a four-week period, counted from the calendar's anchor Monday (period 1). JSON: a number.
public struct PeriodNumber: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let value: Int

    public init(_ value: Int) {
        self.value = value
    }

    public var next: PeriodNumber { PeriodNumber(value + 1) }
    public var previous: PeriodNumber { PeriodNumber(value - 1) }
    public var description: String { String(value) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(Int.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// One four-week period: its number and its weeks.
public struct Period: Sendable, Hashable, CustomStringConvertible {
    public let number: PeriodNumber
    /// The Monday of its first week.
    public let firstDay: BusinessDate

    public var weeks: [Week] { (0..<PeriodCalendar.weeksPerPeriod).map { Week(containing: firstDay.adding(days: 7 * $0)) } }
    /// The Sunday of its fourth week: the date of a one-off claim (R-OOC-3).
    public var lastDay: BusinessDate { firstDay.adding(days: 7 * PeriodCalendar.weeksPerPeriod - 1) }
    public func contains(_ date: BusinessDate) -> Bool { date >= firstDay && date <= lastDay }
    public func contains(_ week: Week) -> Bool { contains(week.monday) }
    public var description: String { "period \(number) (\(firstDay) to \(lastDay))" }
}

/// Four-week periods numbered from an anchor Monday (R-PER-1): period 1 is the anchor's four weeks,
/// period 2 the next four, and so on. Dates before the anchor belong to no period.
public struct PeriodCalendar: Sendable, Hashable, Codable {
    public static let weeksPerPeriod = 4

    /// The Monday that starts period 1.
    public let anchor: BusinessDate

    /// A calendar anchored at `anchor`, which must be a Monday.
    public init(anchor: BusinessDate) throws(DomainError) {
        guard anchor.isMonday else {
            throw .invalidValue(field: "anchor", "the period anchor \(anchor) is not a Monday", rule: "R-PER-1")
        }
        self.anchor = anchor
    }

    /// The period with this number (1 or more).
    public func period(_ number: PeriodNumber) -> Period {
        Period(number: number, firstDay: anchor.adding(days: (number.value - 1) * 7 * Self.weeksPerPeriod))
    }

    /// The period that contains `date`, or nil before the anchor.
    public func period(containing date: BusinessDate) -> Period? {
        let days = anchor.distance(to: date)
        guard days >= 0 else { return nil }
        return period(PeriodNumber(days / (7 * Self.weeksPerPeriod) + 1))
    }

    /// The period of `date`, or an error naming `field` when the date is before the anchor.
    public func requirePeriod(containing date: BusinessDate, field: String) throws(DomainError) -> Period {
        guard let period = period(containing: date) else {
            throw .invalidValue(field: field, "\(field) \(date) is before the first period, which starts on \(anchor)", rule: "R-PER-1")
        }
        return period
    }

    /// The period with this number, or an error naming `field` for a number below 1.
    public func requirePeriod(_ number: PeriodNumber, field: String = "period") throws(DomainError) -> Period {
        guard number.value >= 1 else {
            throw .invalidValue(field: field, "\(field) \(number) does not exist; periods are numbered from 1", rule: "R-PER-1")
        }
        return period(number)
    }
}

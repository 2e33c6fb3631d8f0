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
        guard Self.range.contains(monday) else { throw outOfRange(monday, field: field) }
        return Week(containing: monday)
    }

    /// The Mondays of the business range: weeks whose seven days all lie in 0001-01-01 … 9999-12-31, the first
    /// starting on 0001-01-01 (a Monday), the last on 9999-12-20 (9999-12-31 is a Friday).
    public static let range = BusinessDate.earliest...BusinessDate.latest.adding(days: -6).mondayOfWeek

    static func outOfRange(_ monday: BusinessDate, field: String) -> DomainError {
        .invalidValue(field: field, "\(field) \(monday) is outside the weeks the portal keeps (\(range.lowerBound) to \(range.upperBound))")
    }

    /// Parses `YYYY-MM-DD` of a Monday.
    public static func parse(_ text: String, field: String = "week") throws(DomainError) -> Week {
        guard let date = BusinessDate(iso8601: text.trimmingWhitespace) else {
            throw .invalidValue(field: field, "\(field) '\(text)' is not a date like 2026-11-16")
        }
        return try starting(date, field: field)
    }

    /// Parses the Monday as a spreadsheet writes a date: `2026-10-19`, `19/10/2026` or `19/10/26` (UK order).
    public static func parse(spreadsheet text: String, field: String = "week") throws(DomainError) -> Week {
        guard let date = BusinessDate(spreadsheet: text) else {
            throw .invalidValue(field: field, "\(field) '\(text)' is not a date like 2026-11-16, 16/11/2026 or 16/11/26")
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
        guard date.isMonday, Self.range.contains(date) else {
            let container = try decoder.singleValueContainer()
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: date.isMonday ? Self.outOfRange(date, field: "week").message : "week \(date) is not a Monday")
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

    /// Period numbers any calendar can have: the anchor is a date from 0001-01-01, so no period whose days lie
    /// in the business range has a number above 130,430 (9999-12-31 is day 3,652,059 from 0001-01-01). A
    /// number from a request is checked against this before any arithmetic, then against its calendar
    /// (``PeriodCalendar/requirePeriod(_:field:)``).
    public static let possible = 1...((BusinessDate.earliest.distance(to: BusinessDate.latest) + 1) / (7 * PeriodCalendar.weeksPerPeriod))

    /// A period number written in a request (path, query, CSV): decimal digits of a number in ``possible``.
    /// Text that is no number, and a number out of range (however many digits), name `field`.
    public static func parse(_ text: String, field: String = "period") throws(DomainError) -> PeriodNumber {
        let digits = text.trimmingWhitespace
        let unsigned = digits.hasPrefix("-") ? digits.dropFirst() : Substring(digits)
        guard !unsigned.isEmpty, unsigned.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw .invalidValue(field: field, "\(field) '\(text)' is not a period number; periods are numbered from 1", rule: "R-PER-1")
        }
        // Int(_:) is nil past Int.max: such a number is out of range too, and never reaches arithmetic.
        guard let value = Int(digits), possible.contains(value) else {
            throw .invalidValue(field: field, "\(field) \(digits) does not exist; periods are numbered from 1 to at most \(possible.upperBound)", rule: "R-PER-1")
        }
        return PeriodNumber(value)
    }

    public var next: PeriodNumber { PeriodNumber(value + 1) }
    public var previous: PeriodNumber { PeriodNumber(value - 1) }
    public var description: String { String(value) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    /// A JSON number. One too large for an integer is refused naming its field (Foundation's decoder would
    /// call the whole body "not valid JSON"); a fraction or text is the wrong type.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self.value = value
            return
        }
        // Only to tell a too-large whole number from a wrong type; the value itself is never used.
        if let number = try? container.decode(Double.self), number.isFinite, number.rounded() == number {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "period \(number) does not exist; periods are numbered from 1 to at most \(Self.possible.upperBound)")
        }
        self.value = try container.decode(Int.self)
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
        guard anchor.isInBusinessRange, anchor.adding(days: 7 * Self.weeksPerPeriod - 1) <= BusinessDate.latest else {
            throw .invalidValue(field: "anchor", "the period anchor \(anchor) leaves no period on or before \(BusinessDate.latest)", rule: "R-PER-1")
        }
        self.anchor = anchor
    }

    /// The last period: the last whose four weeks all lie in the business range (on or before 9999-12-31).
    /// Periods run from 1 to this number (R-PER-1); a number past it is refused, never computed.
    public var lastPeriod: PeriodNumber {
        PeriodNumber((anchor.distance(to: BusinessDate.latest) + 1) / (7 * Self.weeksPerPeriod))
    }

    /// The period with this number, which must lie in `1...lastPeriod` (numbers from input go through
    /// ``requirePeriod(_:field:)`` first).
    public func period(_ number: PeriodNumber) -> Period {
        Period(number: number, firstDay: anchor.adding(days: (number.value - 1) * 7 * Self.weeksPerPeriod))
    }

    /// The period that contains `date`, or nil before the anchor or after the last period.
    public func period(containing date: BusinessDate) -> Period? {
        let days = anchor.distance(to: date)
        guard days >= 0 else { return nil }
        let number = PeriodNumber(days / (7 * Self.weeksPerPeriod) + 1)
        guard number <= lastPeriod else { return nil }
        return period(number)
    }

    /// The period of `date`, or an error naming `field` when the date is before the anchor or after the last
    /// period.
    public func requirePeriod(containing date: BusinessDate, field: String) throws(DomainError) -> Period {
        guard let period = period(containing: date) else {
            if date < anchor {
                throw .invalidValue(field: field, "\(field) \(date) is before the first period, which starts on \(anchor)", rule: "R-PER-1")
            }
            throw .invalidValue(field: field, "\(field) \(date) is after the last period, which ends on \(period(lastPeriod).lastDay)", rule: "R-PER-1")
        }
        return period
    }

    /// The period with this number, or an error naming `field` for a number below 1 or past ``lastPeriod``.
    public func requirePeriod(_ number: PeriodNumber, field: String = "period") throws(DomainError) -> Period {
        guard number.value >= 1 else {
            throw .invalidValue(field: field, "\(field) \(number) does not exist; periods are numbered from 1", rule: "R-PER-1")
        }
        guard number <= lastPeriod else {
            throw .invalidValue(field: field, "\(field) \(number) does not exist; the last period is \(lastPeriod), which ends on 9999-12-31 at the latest", rule: "R-PER-1")
        }
        return period(number)
    }

    /// A period number written in a request, checked against this calendar: see ``PeriodNumber/parse(_:field:)``.
    public func requirePeriod(parsing text: String, field: String = "period") throws(DomainError) -> Period {
        try requirePeriod(PeriodNumber.parse(text, field: field), field: field)
    }
}

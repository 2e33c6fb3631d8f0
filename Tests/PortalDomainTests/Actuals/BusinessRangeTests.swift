import Chronology
import Foundation
import PortalDomain
import Testing

/// Every period number, week and date from input is bounded to the business range before any arithmetic:
/// dates 0001-01-01 … 9999-12-31, weeks wholly inside it, periods 1 … the last period ending by 9999-12-31.
@Suite("R-PER-1: the business range of dates, weeks and periods")
struct BusinessRangeTests {
    typealias F = Fixture

    @Test("R-PER-1: the last period is the last whose four weeks end on or before 9999-12-31")
    func lastPeriod() throws {
        let last = F.calendar.lastPeriod
        let period = try F.calendar.requirePeriod(last)
        #expect(period.lastDay <= BusinessDate.latest)
        #expect(period.lastDay.adding(days: 28) > BusinessDate.latest)
        #expect(period.lastDay.iso8601.hasPrefix("9999-"))
        #expect(F.calendar.period(containing: BusinessDate.latest) == nil)
        #expect(F.calendar.period(containing: period.lastDay)?.number == last)
    }

    @Test("R-PER-1: period numbers below 1, past the last period, or past Int64 are refused naming the field, never trapped")
    func periodNumbers() throws {
        for number in [0, -1, F.calendar.lastPeriod.value + 1, 329_406_144_173_358_422, Int.max, Int.min] {
            let error = #expect(throws: DomainError.self) { try F.calendar.requirePeriod(PeriodNumber(number)) }
            #expect(error?.field == "period", "\(number)")
            #expect(error?.rule == "R-PER-1")
        }
        for text in ["329406144173358422", "99999999999999999999999999", "-9223372036854775808", "0", "130432"] {
            let error = #expect(throws: DomainError.self) { try F.calendar.requirePeriod(parsing: text) }
            #expect(error?.field == "period", "\(text)")
            #expect(error?.message.contains("does not exist") == true, "\(text): \(error?.message ?? "")")
        }
        for text in ["", "x", "1e3", "+1", "١", "-"] {
            let error = #expect(throws: DomainError.self) { try PeriodNumber.parse(text, field: "period") }
            #expect(error?.message.contains("not a period number") == true, "\(text)")
        }
        #expect(try F.calendar.requirePeriod(parsing: " 8 ").number == PeriodNumber(8))
        #expect(try F.calendar.requirePeriod(parsing: String(F.calendar.lastPeriod.value)).number == F.calendar.lastPeriod)
        // An anchor of 0001-01-01 has the most periods any calendar can have.
        let earliest = try PeriodCalendar(anchor: BusinessDate.earliest)
        #expect(earliest.lastPeriod.value == PeriodNumber.possible.upperBound)
        #expect(PeriodNumber.possible.upperBound == 130_430)
    }

    @Test("R-PER-1: a date after the last period names the field; a calendar anchored past the range is refused")
    func datesPastTheLastPeriod() throws {
        let error = #expect(throws: DomainError.self) { try F.calendar.requirePeriod(containing: F.date("9999-12-31"), field: "dateOfClaim") }
        #expect(error?.field == "dateOfClaim")
        #expect(error?.message.contains("after the last period") == true)
        #expect(throws: DomainError.self) { try PeriodCalendar(anchor: F.date("9999-12-27")) }
        #expect(BusinessDate(iso8601: "0000-12-31") == nil)
        #expect(BusinessDate(iso8601: "9999-12-31") == BusinessDate.latest)
    }

    @Test("Weeks lie wholly in 0001-01-01 … 9999-12-31: the Monday 9999-12-27 (its Sunday in year 10000) is refused")
    func weeks() throws {
        #expect(try Week.parse("0001-01-01").monday == BusinessDate.earliest)
        #expect(try Week.parse("9999-12-20").sunday == F.date("9999-12-26"))
        let error = #expect(throws: DomainError.self) { try Week.parse("9999-12-27", field: "week") }
        #expect(error?.field == "week")
        #expect(error?.message.contains("outside") == true)
        #expect(throws: (any Error).self) { try JSONDecoder().decode([Week].self, from: Data(#"["9999-12-27"]"#.utf8)) }
    }
}

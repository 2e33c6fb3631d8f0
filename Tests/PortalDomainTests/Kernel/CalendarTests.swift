import Chronology
import PortalDomain
import Testing

@Suite("R-PER-1: period calendar")
struct CalendarTests {
    let calendar = try! PeriodCalendar(anchor: BusinessDate(iso8601: "2026-04-06")!)

    func date(_ text: String) -> BusinessDate { BusinessDate(iso8601: text)! }

    @Test("R-PER-1: periods are numbered from the anchor Monday, four weeks each")
    func numbering() throws {
        let first = try #require(calendar.period(containing: date("2026-04-06")))
        #expect(first.number == PeriodNumber(1))
        #expect(first.lastDay == date("2026-05-03"))
        #expect(calendar.period(containing: date("2026-05-03"))?.number == PeriodNumber(1))
        #expect(calendar.period(containing: date("2026-05-04"))?.number == PeriodNumber(2))
        // 2026-11-16 is 224 days (8 periods) after the anchor.
        let ninth = try #require(calendar.period(containing: date("2026-11-16")))
        #expect(ninth.number == PeriodNumber(9))
        #expect(ninth.firstDay == date("2026-11-16"))
        #expect(ninth.lastDay == date("2026-12-13"))
        #expect(ninth.weeks.map(\.description) == ["2026-11-16", "2026-11-23", "2026-11-30", "2026-12-07"])
        #expect(calendar.period(containing: date("2026-11-15"))?.number == PeriodNumber(8))
    }

    @Test("R-PER-1: dates before the anchor have no period; the anchor must be a Monday")
    func refusals() {
        #expect(calendar.period(containing: date("2026-04-05")) == nil)
        let error = #expect(throws: DomainError.self) { try calendar.requirePeriod(containing: date("2026-04-05"), field: "week") }
        #expect(error?.rule == "R-PER-1")
        #expect(throws: DomainError.self) { try PeriodCalendar(anchor: date("2026-04-07")) }
        #expect(throws: DomainError.self) { try calendar.requirePeriod(PeriodNumber(0)) }
    }

    @Test("weeks are named by their Monday; other days are refused with the Monday to use")
    func weeks() throws {
        #expect(try Week.parse("2026-11-16").sunday == date("2026-11-22"))
        let error = #expect(throws: DomainError.self) { try Week.parse("2026-11-18") }
        #expect(error?.field == "week")
        #expect(error?.message.contains("2026-11-16") == true)
        #expect(Week(containing: date("2026-11-22")).monday == date("2026-11-16"))
    }
}

import Chronology
import Foundation
import Testing

@Suite("Timestamp")
struct TimestampTests {
    @Test("ISO 8601 round trip at microsecond precision, UTC only")
    func roundTrip() throws {
        let text = "2026-11-16T09:30:00.000125Z"
        let timestamp = try #require(Timestamp(iso8601: text))
        #expect(timestamp.iso8601 == text)
        #expect(Timestamp(iso8601: "2026-11-16T09:30:00Z")?.iso8601 == "2026-11-16T09:30:00.000000Z")
        #expect(Timestamp(iso8601: "2026-11-16T09:30:00.5+00:00")?.iso8601 == "2026-11-16T09:30:00.500000Z")
        #expect(Timestamp(iso8601: "2026-11-16")?.iso8601 == "2026-11-16T00:00:00.000000Z")
        #expect(Timestamp(iso8601: "1969-12-31T23:59:59.999999Z")?.microsecondsSince1970 == -1)
        #expect(Timestamp(microsecondsSince1970: -1).iso8601 == "1969-12-31T23:59:59.999999Z")
    }

    @Test("malformed or zoned timestamps are refused")
    func refused() {
        for text in ["", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-16T24:00:00Z",
                     "2026-11-16T09:30:00+01:00", "2026-11-16T09:30:00", "2026-11-16T09:30:00.Z", "16/11/2026"] {
            #expect(Timestamp(iso8601: text) == nil, "\(text)")
        }
    }

    @Test("a Date converts to the microsecond below it")
    func fromDate() {
        let date = Date(timeIntervalSince1970: 1_763_285_400.000_125_7)
        #expect(Timestamp(date).iso8601.hasPrefix("2025-11-16T09:30:00.0001"))
    }

    @Test("JSON is the ISO string")
    func json() throws {
        let encoded = try JSONEncoder().encode([Timestamp(iso8601: "2026-01-02T03:04:05.000006Z")!])
        #expect(String(decoding: encoded, as: UTF8.self) == #"["2026-01-02T03:04:05.000006Z"]"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Timestamp].self, from: Data(#"["yesterday"]"#.utf8)) }
    }
}

@Suite("BusinessDate")
struct BusinessDateTests {
    @Test("weeks run Monday to Sunday")
    func weekdays() throws {
        let monday = try #require(BusinessDate(iso8601: "2026-11-16"))
        #expect(monday.isoWeekday == 1)
        #expect(monday.isMonday)
        #expect(monday.adding(days: 6).isSunday)
        #expect(monday.adding(days: 6).mondayOfWeek == monday)
        #expect(monday.adding(days: 7).mondayOfWeek == monday.adding(days: 7))
        #expect(BusinessDate(iso8601: "1970-01-01")?.isoWeekday == 4)
        #expect(BusinessDate(iso8601: "1969-12-29")?.isMonday == true)
    }

    @Test("calendar fields, leap years and invalid dates")
    func calendar() {
        #expect(BusinessDate(year: 2028, month: 2, day: 29)?.iso8601 == "2028-02-29")
        #expect(BusinessDate(year: 2026, month: 2, day: 29) == nil)
        #expect(BusinessDate(year: 2100, month: 2, day: 29) == nil)
        #expect(BusinessDate(year: 2000, month: 2, day: 29) != nil)
        #expect(BusinessDate(iso8601: "2026-11-31") == nil)
        #expect(BusinessDate(iso8601: "2026-1-01") == nil)
        let date = BusinessDate(iso8601: "2026-12-31")!
        #expect((date.year, date.month, date.day) == (2026, 12, 31))
        #expect(date.adding(days: 1).iso8601 == "2027-01-01")
        #expect(BusinessDate(iso8601: "2026-11-16")!.distance(to: BusinessDate(iso8601: "2026-12-14")!) == 28)
    }

    @Test("the UTC date of an instant")
    func ofTimestamp() {
        #expect(BusinessDate(Timestamp(iso8601: "2026-11-16T23:59:59.999999Z")!).iso8601 == "2026-11-16")
        #expect(BusinessDate(Timestamp(iso8601: "1969-12-31T23:00:00Z")!).iso8601 == "1969-12-31")
        #expect(BusinessDate(iso8601: "2026-11-16")!.startOfDay.iso8601 == "2026-11-16T00:00:00.000000Z")
    }
}

import Chronology
import PortalDomain
import Testing

@Suite("Actual changes and the period CSV as a spreadsheet saves it")
struct ActualChangesTests {
    typealias F = Fixture

    static let visit = AbortedVisit(date: F.date("2026-11-17"), length: F.q("0.5"), noticeHours: F.q("2"), time: .day, cause: .cancelled)

    static let line = ActualRecorded(
        serviceID: F.service, period: F.period9, cpliID: "cpli-1", week: F.week1, planned: F.q("10.5"), isProRata: false,
        actual: F.q("9.5"), frustrated: F.q("0.5"), missed: F.q("1"), extra: .zero, visits: 7, comment: "aborted 17/11/2026",
        invoiceReference: nil, abortedVisits: [AbortedVisitClaim(visit: visit, claimable: F.q("0.5"), basis: "x")], paidQuantity: F.q("10"),
        flags: [], source: .calendar, importID: nil)

    @Test("the fields given replace the line's, the others are kept; Frustrated follows the aborted visits unless given")
    func applied() {
        let actualOnly = ActualChanges(actual: F.q("9")).applied(to: Self.line)
        #expect(actualOnly == ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("9"), frustrated: nil, missed: F.q("1"), extra: .zero,
                                          visits: 7, comment: "aborted 17/11/2026", abortedVisits: [Self.visit]))
        #expect(ActualChanges(frustrated: .given(F.q("2"))).applied(to: Self.line).frustrated == F.q("2"))
        #expect(ActualChanges(abortedVisits: []).applied(to: Self.line).frustrated == nil, "cleared visits: computed, so 0")
        var noVisits = Self.line
        noVisits.abortedVisits = []
        #expect(ActualChanges(visits: 3).applied(to: noVisits).frustrated == F.q("0.5"), "given without visits: kept")
        #expect(ActualChanges(abortedVisits: [Self.visit]).applied(to: noVisits).frustrated == nil, "visits added: computed")
        #expect(ActualChanges(actual: F.q("1")).missingFields == ["frustrated", "missed", "extra", "visits", "comment", "abortedVisits"])
        let entry = ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("3"), comment: "c")
        #expect(ActualChanges(entry).missingFields.isEmpty)
        #expect(ActualChanges(entry).applied(to: Self.line) == entry, "a complete change is the entry, whatever the line")
    }

    @Test("the week column takes 2026-11-16, 16/11/2026 and 16/11/26 (UK order); other text and days that do not exist are refused naming it")
    func spreadsheetWeeks() throws {
        for text in ["2026-11-16", "16/11/2026", "16/11/26", " 16/11/2026 ", "16/11/2026"] {
            #expect(try Week.parse(spreadsheet: text) == F.week1, "\(text)")
        }
        for text in ["11/16/2026", "31/11/2026", "16-11-2026", "16/11", "16/11/026", "2026/11/16", ""] {
            let error = #expect(throws: DomainError.self, "\(text)") { try Week.parse(spreadsheet: text) }
            #expect(error?.field == "week")
        }
        let tuesday = #expect(throws: DomainError.self) { try Week.parse(spreadsheet: "17/11/2026") }
        #expect(tuesday?.message.contains("not a Monday") == true)
    }

    @Test("an aborted_visits cell lists visits by ;, reads back what it writes, and names the visit and the part that is wrong")
    func abortedVisitsCell() throws {
        let night = AbortedVisit(date: F.date("2026-11-19"), length: F.q("1"), noticeHours: F.q("30"), time: .night, cause: .hospitalisation)
        let cell = AbortedVisitsCell.render([Self.visit, night])
        #expect(cell == "2026-11-17 day length 0.5000 notice 2.0000 cancelled; 2026-11-19 night length 1.0000 notice 30.0000 hospitalisation")
        #expect(try AbortedVisitsCell.parse(cell) == [Self.visit, night])
        #expect(try AbortedVisitsCell.parse("17/11/26 Day LENGTH 0.5 notice 2 Cancelled;") == [Self.visit])
        #expect(try AbortedVisitsCell.parse(" ") == [])
        for (text, part) in [("2026-11-17 day 0.5 2 cancelled", "is not an aborted visit"), ("2026-13-17 day length 0.5 notice 2 cancelled", "is not a date"),
                             ("2026-11-17 day length 0.5 notice 2 flu", "is not a cause"), ("2026-11-17 day length -1 notice 2 cancelled", "length")] {
            let error = #expect(throws: DomainError.self, "\(text)") { try AbortedVisitsCell.parse("2026-11-17 day length 0.5 notice 2 cancelled; " + text) }
            #expect(error?.field == "aborted_visits")
            #expect(error?.message.hasPrefix("aborted visit 2 '") == true, "\(String(describing: error))")
            #expect(error?.message.contains(part) == true, "\(String(describing: error))")
        }
    }

    @Test("R-ACT-10: the same content has the same canonical form whatever the bytes (BOM, CRLF, UK dates, row order, trailing zeros, ignored columns); different values do not")
    func canonicalContent() throws {
        let a = try ActualsFile.parse("service,cpli,week,actual,comment\noasis-hs,cpli-1,2026-11-16,9.5,x\noasis-hs,cpli-2,2026-11-16,1,\n")
        let b = try ActualsFile.parse("\u{FEFF}client_name,Actual,Service,CPLI,week,Comment\r\nBo,1.0000,oasis-hs,cpli-2,16/11/26,\r\nAnn,9.50,oasis-hs,cpli-1,16/11/2026,x\r\n")
        #expect(a.canonicalContent == b.canonicalContent)
        let c = try ActualsFile.parse("service,cpli,week,actual,comment\noasis-hs,cpli-1,2026-11-16,9.5,y\noasis-hs,cpli-2,2026-11-16,1,\n")
        #expect(a.canonicalContent != c.canonicalContent)
        let d = try ActualsFile.parse("service,cpli,week,actual\noasis-hs,cpli-1,2026-11-16,9.5\noasis-hs,cpli-2,2026-11-16,1\n")
        #expect(a.canonicalContent != d.canonicalContent, "a file without the comment column says something else: keep the comments")
    }

    @Test("a text cell the export neutralised reads back as written; other apostrophes stay")
    func unneutralised() {
        for text in ["=1+1", "+SUM(A1)", "-2 hours", "@x", "plain", "'quoted'", "it's"] {
            #expect(CSVText.unneutralised(CSVText.neutralised(text)) == text, "\(text)")
        }
        #expect(CSVText.unneutralised("'hello") == "'hello")
    }
}

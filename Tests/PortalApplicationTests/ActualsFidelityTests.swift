import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import Testing

/// Data fidelity of actuals: an edit never resets what it does not mention, and the period's CSV goes through
/// a spreadsheet and back without losing anything.
@Suite("Application: actual edits keep what they do not mention; the period CSV round-trips")
struct ActualsFidelityTests {
    typealias T = TestPortal

    static let visit = AbortedVisit(date: T.date("2026-11-17"), length: T.q("0.5"), noticeHours: T.q("2"), time: .day, cause: .cancelled)

    /// A line of cpli-1 in week 1 with 7 visits, an aborted visit (Frustrated 0.5, computed) and a comment naming it.
    func recordedLine(_ test: TestPortal) async throws {
        _ = try await test.portal.changeActual(
            service: test.service, cpli: "cpli-1", week: test.week1,
            ActualChanges(actual: T.q("9.5"), frustrated: .computed, missed: .zero, extra: .zero, visits: 7,
                          comment: "visit of 17/11/2026 cancelled by the family", abortedVisits: [Self.visit]),
            test.request(test.superUser))
    }

    func line(_ test: TestPortal, _ cpli: CPLIID = "cpli-1", _ week: Week? = nil) throws -> ActualRecorded {
        try #require(try test.portal.actualLines(test.period9, for: test.superUser).first { $0.cpliID == cpli && $0.week == (week ?? test.week1) })
    }

    func recordedTypes(after head: UInt64, _ test: TestPortal) throws -> [String] {
        try test.log.readAll(from: head + 1, limit: 1_000).map(\.type)
    }

    @Test("a change names only its fields: Actual alone keeps 7 visits, the comment, the aborted visit and its Frustrated; the outcome gives the line and the stream's new version")
    func changeKeepsWhatItDoesNotMention() async throws {
        let test = try await T.make()
        try await test.cpli("cpli-1")
        try await recordedLine(test)
        let outcome = try await test.portal.changeActual(service: test.service, cpli: "cpli-1", week: test.week1, ActualChanges(actual: T.q("9")),
                                                         test.request(test.superUser))
        let change = try #require(outcome.value)
        #expect(change.changed && change.isRecorded)
        #expect(change.line.actual == T.q("9"))
        #expect(change.line.visits == 7)
        #expect(change.line.comment == "visit of 17/11/2026 cancelled by the family")
        #expect(change.line.abortedVisits.map(\.visit) == [Self.visit])
        #expect(change.line.frustrated == T.q("0.5"))
        #expect(try line(test) == change.line)
        #expect(outcome.version(of: test.period9.streamID) == 2)
        #expect(outcome.version(of: test.period9.streamID) == (try test.log.streamVersion(test.period9.streamID)))
        // Nothing given changes nothing, and records nothing.
        let head = try test.head()
        let same = try await test.portal.changeActual(service: test.service, cpli: "cpli-1", week: test.week1, ActualChanges(), test.request(test.superUser))
        #expect(same.value?.changed == false)
        #expect(same.version(of: test.period9.streamID) == 2)
        #expect(try test.head() == head)
    }

    @Test("R-ABT: Frustrated follows the aborted visits unless given; cleared visits give 0; a Frustrated that contradicts kept visits is refused naming frustrated")
    func frustratedFollowsTheVisits() async throws {
        let test = try await T.make()
        try await test.cpli("cpli-1")
        try await recordedLine(test)
        let me = test.request(test.superUser)
        // A second visit added: Frustrated computed from both (0.5 + 0.5).
        let second = AbortedVisit(date: T.date("2026-11-19"), length: T.q("1"), noticeHours: T.q("3"), time: .day, cause: .noEntry)
        let added = try await test.portal.changeActual(service: test.service, cpli: "cpli-1", week: test.week1, ActualChanges(
            comment: "visits of 17/11/2026 and 19/11/2026 aborted", abortedVisits: [Self.visit, second]), me)
        #expect(added.value?.line.frustrated == T.q("1"))
        // Frustrated given while the line keeps its visits: it must be their claim (R-ABT), and nothing is written.
        let head = try test.head()
        let contradicts = await #expect(throws: DomainError.self) {
            try await test.portal.changeActual(service: test.service, cpli: "cpli-1", week: test.week1, ActualChanges(frustrated: .given(T.q("2"))), me)
        }
        #expect(contradicts?.field == "frustrated")
        #expect(contradicts?.rule == "R-ABT")
        #expect(try test.head() == head)
        // Visits cleared: Frustrated is computed again, 0.
        let cleared = try await test.portal.changeActual(service: test.service, cpli: "cpli-1", week: test.week1, ActualChanges(abortedVisits: []), me)
        #expect(cleared.value?.line.frustrated == .zero)
        #expect(cleared.value?.line.visits == 7)
        // The guide's way without visits: a Frustrated given with a dated comment is kept by later changes.
        _ = try await test.portal.changeActual(service: test.service, cpli: "cpli-1", week: test.week1,
                                               ActualChanges(frustrated: .given(T.q("0.25")), comment: "aborted on 18/11/2026"), me)
        let kept = try await test.portal.changeActual(service: test.service, cpli: "cpli-1", week: test.week1, ActualChanges(visits: 6), me)
        #expect(kept.value?.line.frustrated == T.q("0.25"))
    }

    @Test("R-ACT-2, R-ACT-9: the period's export imports back unchanged recording nothing, keeping the confirmation and the aborted visit; saved by a spreadsheet (BOM, CRLF, UK dates) with one edit, one line is recorded")
    func exportImportsBackWithoutLoss() async throws {
        let test = try await T.make()
        try await test.cpli("cpli-1")
        try await test.cpli("cpli-2")
        try await recordedLine(test)
        // Comments a spreadsheet would take for formulas come back as they were.
        _ = try await test.portal.changeActual(service: test.service, cpli: "cpli-2", week: test.week1,
                                               ActualChanges(actual: T.q("8"), comment: "-2 hours, =see notes"), test.request(test.superUser))
        _ = try await test.portal.confirmWeek(test.period9, test.week1, test.request(test.superUser))
        let exported = try test.portal.exportActuals(test.period9, for: test.superUser)
        #expect(exported.contains(",2026-11-17 day length 0.5000 notice 2.0000 cancelled\r\n"), "\(exported)")
        #expect(exported.contains(#","'-2 hours, =see notes","#), "the comment is neutralised in the file")
        let head = try test.head()
        let unchanged = try await test.portal.importActuals(organisation: test.organisation, period: PeriodNumber(9), fileName: "p9.csv",
                                                            content: Data(exported.utf8), test.request(test.superUser))
        #expect(unchanged.value?.applied == false)
        #expect(unchanged.value?.linesUnchanged == 8)
        #expect(unchanged.value?.linesRecorded == 0)
        #expect(try test.head() == head, "an unchanged file records nothing")
        #expect(try test.portal.state(of: Actuals.self, test.period9.id).confirmation(of: test.week1)?.changedSinceConfirmation == false)

        // As a UK spreadsheet saves it: byte-order mark, CRLF, dates day/month/year (some with two-digit years),
        // quantities without trailing zeros; one edit, of cpli-2's second week.
        var spreadsheet = "\u{FEFF}"
        for (index, line) in exported.split(separator: "\r\n", omittingEmptySubsequences: true).enumerated() {
            var cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if index > 0, let monday = BusinessDate(iso8601: cells[4]) {
                cells[4] = String(format: index % 2 == 0 ? "%02d/%02d/%04d" : "%02d/%02d/%02d", monday.day, monday.month,
                                  index % 2 == 0 ? monday.year : monday.year % 100)
                cells[6] = cells[6].replacingOccurrences(of: ".5000", with: ".5").replacingOccurrences(of: ".0000", with: "")
                if cells[1] == "cpli-2", cells[4].hasPrefix("23/11") { cells[6] = "7"; cells[11] = "short visits" }
            }
            spreadsheet += cells.joined(separator: ",") + "\r\n"
        }
        let edited = try await test.portal.importActuals(organisation: test.organisation, period: PeriodNumber(9), fileName: "p9-edited.csv",
                                                         content: Data(spreadsheet.utf8), test.request(test.superUser))
        #expect(edited.value?.linesRecorded == 1)
        #expect(edited.value?.linesNew == 1)
        #expect(try recordedTypes(after: head, test) == ["ActualsFileImported", "ActualRecorded"])
        #expect(try line(test).abortedVisits.map(\.visit) == [Self.visit], "the aborted visit survives")
        #expect(try line(test).visits == 7)
        #expect(try line(test, "cpli-2").comment == "-2 hours, =see notes")
        #expect(try line(test, "cpli-2", try Week.parse("2026-11-23")).actual == T.q("7"))
        #expect(try test.portal.state(of: Actuals.self, test.period9.id).confirmation(of: test.week1)?.changedSinceConfirmation == false,
                "week 1 was not changed, so it stays confirmed")
    }

    @Test("a file without the aborted_visits column keeps a line's aborted visits while its Frustrated is unchanged; a changed Frustrated is refused by row and column, naming them")
    func fileWithoutTheColumnKeepsTheVisits() async throws {
        let test = try await T.make()
        try await test.cpli("cpli-1")
        try await recordedLine(test)
        let header = "service,cpli,week,actual,frustrated,comment\n"
        let same = header + "oasis-hs,cpli-1,2026-11-16,9,0.5,visit of 17/11/2026 cancelled by the family\n"
        let kept = try await test.portal.importActuals(organisation: test.organisation, period: PeriodNumber(9), fileName: nil,
                                                       content: Data(same.utf8), test.request(test.superUser))
        #expect(kept.value?.linesChanged == 1)
        #expect(try line(test).actual == T.q("9"))
        #expect(try line(test).abortedVisits.map(\.visit) == [Self.visit])
        #expect(try line(test).visits == 7, "a column the file does not have changes nothing")
        let head = try test.head()
        let changed = header + "oasis-hs,cpli-1,2026-11-16,9,1,visit of 17/11/2026 cancelled by the family\n"
        let refused = await #expect(throws: ImportRejected.self) {
            try await test.portal.importActuals(organisation: test.organisation, period: PeriodNumber(9), fileName: nil,
                                                content: Data(changed.utf8), test.request(test.superUser))
        }
        #expect(refused?.problems.map { "\($0.row):\($0.column):\($0.rule ?? "")" } == ["2:frustrated:R-ABT"])
        #expect(try test.head() == head)
    }

    @Test("R-ACT-2: a bad aborted_visits cell or UK date is a problem of its row and column; the preview lists what an import would do and writes nothing")
    func abortedVisitProblemsAndPreview() async throws {
        let test = try await T.make()
        try await test.cpli("cpli-1")
        try await test.cpli("cpli-2")
        let file = "service,cpli,week,actual,comment,aborted_visits\n"
            + "oasis-hs,cpli-1,16/11/2026,9,aborted 17/11/2026,2026-11-17 day length 0.5 notice two cancelled\n"
            + "oasis-hs,cpli-2,31/11/2026,9,x,\n"
            + "oasis-hs,cpli-2,16/11/26,9,aborted 20/11/2026,20/11/2026 evening length 1 notice 2 cancelled\n"
            + "oasis-hs,cpli-1,23/11/26,9,aborted 1/12/2026,1/12/2026 day length 1 notice 2 cancelled\n"
        let head = try test.head()
        let rejected = await #expect(throws: ImportRejected.self) {
            try await test.portal.importActuals(organisation: test.organisation, period: PeriodNumber(9), fileName: nil,
                                                content: Data(file.utf8), test.request(test.superUser))
        }
        #expect(rejected?.problems.map { "\($0.row):\($0.column)" } == ["2:aborted_visits", "3:week", "4:aborted_visits", "5:aborted_visits"])
        #expect(rejected?.description.contains("aborted visit 1 '2026-11-17 day length 0.5 notice two cancelled'") == true)
        #expect(rejected?.description.contains("'evening' is not day or night") == true)
        #expect(rejected?.description.contains("not in week 2026-11-23") == true)
        #expect(try test.head() == head)

        let good = "service,cpli,week,actual,comment,aborted_visits\n"
            + "oasis-hs,cpli-1,16/11/2026,9,aborted 17/11/2026,17/11/2026 day length 0.5 notice 2 cancelled\n"
            + "oasis-hs,cpli-2,16/11/26,10.5,,\n"
        let preview = try await test.portal.importActuals(organisation: test.organisation, period: PeriodNumber(9), fileName: nil,
                                                          content: Data(good.utf8), apply: false, test.request(test.superUser))
        #expect(preview.value?.applied == false)
        #expect(preview.value?.linesNew == 1)
        #expect(preview.value?.linesUnchanged == 1)
        #expect(try test.head() == head, "a preview writes nothing")
        let applied = try await test.portal.importActuals(organisation: test.organisation, period: PeriodNumber(9), fileName: nil,
                                                          content: Data(good.utf8), test.request(test.superUser))
        #expect(applied.value?.applied == true)
        #expect(applied.value?.importID == preview.value?.importID)
        #expect(try line(test).frustrated == T.q("0.5"))
    }
}

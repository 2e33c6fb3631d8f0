import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import Testing

@Suite("Application: contract documents, actuals and imports")
struct ActualsApplicationTests {
    typealias T = TestPortal

    @Test("R-ISO-1/R-ISO-3: publishing commissions the CPLIs (listed under their service) atomically; agreeing activates them; only then are they in actuals")
    func isoToActuals() async throws {
        let test = try await T.make()
        try await test.cpli("cpli-1", agree: false)
        let published = try test.log.readAll(from: 1, limit: 10_000).suffix(3)
        #expect(published.map(\.type) == ["ISOPublished", "CPLICommissioned", "CPLIListed"])
        #expect(Set(published.map(\.correlationID)).count == 1)
        let entry = ActualEntry(cpliID: "cpli-1", week: test.week1, actual: T.q("9"), comment: "less care")
        let inactive = await #expect(throws: DomainError.self) {
            try await test.portal.recordActual(test.period9, entry, test.request(test.superUser))
        }
        #expect(inactive?.rule == "R-ISO-3")
        #expect(try test.portal.actualLines(test.period9, for: test.superUser).isEmpty)
        _ = try await test.portal.agreeISO("iso-cpli-1", test.request(test.superUser))
        #expect(try test.portal.state(of: CPLI.self, "cpli-1").status == .active)
        #expect(try test.portal.actualLines(test.period9, for: test.superUser).count == 4)
        let recorded = try await test.portal.recordActual(test.period9, entry, test.request(test.superUser))
        #expect(recorded.eventCount == 1)
        let again = await #expect(throws: DomainError.self) { try await test.portal.agreeISO("iso-cpli-1", test.request(test.superUser)) }
        #expect(again?.rule == "R-ISO-1")
    }

    @Test("R-ROLE: a read-only contact may not record actuals; the refusal names edit:actuals and writes nothing")
    func readOnlyRefused() async throws {
        let test = try await T.make()
        try await test.cpli("cpli-1")
        let reader = try await test.contact("reader", of: test.organisation, role: .readOnly)
        let head = try test.head()
        let error = await #expect(throws: AccessRefused.self) {
            try await test.portal.recordActual(test.period9, ActualEntry(cpliID: "cpli-1", week: test.week1, actual: T.q("9"), comment: "x"), test.request(reader))
        }
        #expect(error?.missingPermission == .edit(.actuals))
        #expect(try test.head() == head)
        #expect(try test.portal.actualLines(test.period9, for: reader).count == 4)
    }

    @Test("bad input: negative, unknown CPLI, outside the CPLI's dates, locked or future period, another organisation's CPLI — a clear error and the log unchanged")
    func badInputLeavesTheLogUnchanged() async throws {
        let test = try await T.make()
        try await test.cpli("cpli-1", end: "2026-11-22")
        try await test.cpli("cpli-3")
        try await test.registerProvider("elsewhere", service: "elsewhere-hs")
        try await test.cpli("cpli-x", service: "elsewhere-hs", organisation: "elsewhere",
                            agreedBy: try await test.contact("else-su", of: "elsewhere", role: .superUserScheduled))
        let me = test.request(test.superUser)
        let week2 = try Week.parse("2026-11-23")
        let cases: [(String, Actuals.Key, ActualEntry, String)] = [
            ("negative", test.period9, ActualEntry(cpliID: "cpli-1", week: test.week1, actual: T.q("-1"), comment: "x"), "actual"),
            ("unknown CPLI", test.period9, ActualEntry(cpliID: "cpli-404", week: test.week1, actual: T.q("1"), comment: "x"), "cpli"),
            ("outside the CPLI's dates", test.period9, ActualEntry(cpliID: "cpli-1", week: week2, actual: T.q("1"), comment: "x"), "week"),
            ("future period", Actuals.Key(serviceID: test.service, period: PeriodNumber(10)),
             ActualEntry(cpliID: "cpli-3", week: try Week.parse("2026-12-14"), actual: T.q("1"), comment: "x"), "period"),
            ("another organisation's CPLI", test.period9, ActualEntry(cpliID: "cpli-x", week: test.week1, actual: T.q("1"), comment: "x"), "cpli"),
        ]
        let head = try test.head()
        for (name, key, entry, field) in cases {
            let error = await #expect(throws: DomainError.self, "\(name)") { try await test.portal.recordActual(key, entry, me) }
            #expect(error?.field == field, "\(name): \(String(describing: error))")
            #expect(try test.head() == head, "\(name) wrote to the log")
        }
        let overPrecise = #expect(throws: DomainError.self) { try Quantity.parse("4.28571", field: "actual") }
        #expect(overPrecise?.field == "actual")
        _ = try await test.portal.changePeriodLock(test.service, .lock(test.service, PeriodNumber(9), invoice: "inv-9"), test.request(test.payments))
        let lockedHead = try test.head()
        let locked = await #expect(throws: DomainError.self) {
            try await test.portal.recordActual(test.period9, ActualEntry(cpliID: "cpli-1", week: test.week1, actual: T.q("1"), comment: "x"), me)
        }
        #expect(locked?.rule == "R-PER-3")
        #expect(try test.head() == lockedHead)
    }

    @Test("an idempotency key applies a request once: the retry writes nothing and returns the same positions")
    func idempotency() async throws {
        let test = try await T.make()
        try await test.cpli("cpli-1")
        let entry = ActualEntry(cpliID: "cpli-1", week: test.week1, actual: T.q("9"), comment: "less care")
        let first = try await test.portal.recordActual(test.period9, entry, test.request(test.superUser, key: "edit-42"))
        let head = try test.head()
        let retry = try await test.portal.recordActual(test.period9, entry, test.request(test.superUser, key: "edit-42"))
        #expect(retry.wasAlreadyApplied)
        #expect(retry.positions == first.positions)
        #expect(try test.head() == head)
        let other = try await test.portal.recordActual(test.period9, ActualEntry(cpliID: "cpli-1", week: test.week1, actual: T.q("8"), comment: "less"),
                                                       test.request(test.superUser, key: "edit-43"))
        #expect(!other.wasAlreadyApplied)
        #expect(try test.head() == head + 1)
    }

    func csv(_ rows: [String]) -> Data {
        Data((["service,cpli,client_reference,week,planned,actual,frustrated,missed,extra,visits,comment"] + rows).joined(separator: "\r\n").utf8)
    }

    @Test("R-ACT-2: an import with bad rows lists every problem by row and column and applies nothing")
    func importAllOrNothing() async throws {
        let test = try await T.make()
        try await test.cpli("cpli-1")
        try await test.cpli("cpli-2")
        let file = csv([
            "oasis-hs,cpli-1,C-cpli-1,2026-11-16,10.5,9,0,0,0,0,less care",
            "oasis-hs,cpli-1,C-cpli-1,2026-11-23,10.5,-2,0,0,0,0,x",
            "oasis-hs,cpli-404,C,2026-11-16,10.5,1,0,0,0,0,x",
            "oasis-hs,cpli-2,C-cpli-2,2026-11-16,10.5,0,0,0,0,0,",
            "oasis-hs,cpli-2,C-cpli-2,2026-11-24,10.5,1.23456,0,0,0,0,x",
        ])
        let head = try test.head()
        let rejected = await #expect(throws: ImportRejected.self) {
            try await test.portal.importActuals(organisation: test.organisation, period: PeriodNumber(9), fileName: "p9.csv", content: file, test.request(test.superUser))
        }
        let problems = rejected?.problems.map { "\($0.row):\($0.column)" } ?? []
        // Every problem: the rows that do not parse (3, 6) and those that parse but break a rule (4: unknown CPLI,
        // 5: an Actual of 0 needs a comment), by row.
        #expect(problems == ["3:actual", "4:cpli", "5:comment", "6:week", "6:actual"])
        #expect(try test.head() == head)
        let domainProblems = csv([
            "oasis-hs,cpli-1,C-cpli-1,2026-11-16,10.5,9,0,0,0,0,less care",
            "oasis-hs,cpli-404,C,2026-11-16,10.5,1,0,0,0,0,x",
            "oasis-hs,cpli-2,C-cpli-2,2026-11-16,10.5,0,0,0,0,0,",
            "oasis-hs,cpli-2,C-cpli-2,2026-11-16,10.5,1,0,0,0,0,twice",
        ])
        let second = await #expect(throws: ImportRejected.self) {
            try await test.portal.importActuals(organisation: test.organisation, period: PeriodNumber(9), fileName: "p9.csv", content: domainProblems, test.request(test.superUser))
        }
        #expect(second?.problems.map { "\($0.row):\($0.column):\($0.rule ?? "")" } == ["3:cpli:", "4:comment:R-ACT-3", "5:week:R-ACT-2"])
        #expect(second?.description.contains("row 4, column comment: week 2026-11-16: Actual is 0, a comment is required (R-ACT-3)") == true)
        #expect(try test.head() == head)
    }

    @Test("R-ACT-10: a good file is applied in one atomic append; the same file again is a duplicate: answered so when it would change nothing, refused when it would undo later edits; nothing is applied either way")
    func importAndDuplicate() async throws {
        let test = try await T.make()
        try await test.cpli("cpli-1")
        try await test.cpli("cpli-2")
        let file = csv([
            "oasis-hs,cpli-1,C-cpli-1,2026-11-16,10.5,9,0,0,0,0,less care",
            "oasis-hs,cpli-1,C-cpli-1,2026-11-23,10.5,10.5,0,0,0,0,",
            "oasis-hs,cpli-2,C-cpli-2,2026-11-16,10.5,\"11,5\",0,0,0,0,x",
        ])
        let badNumber = await #expect(throws: ImportRejected.self) {
            try await test.portal.importActuals(organisation: test.organisation, period: PeriodNumber(9), fileName: nil, content: file, test.request(test.superUser))
        }
        #expect(badNumber?.problems.map(\.row) == [4])
        let good = csv([
            "oasis-hs,cpli-1,C-cpli-1,2026-11-16,10.5,9,0,0,0,0,less care",
            "oasis-hs,cpli-1,C-cpli-1,2026-11-23,10.5,10.5,0,0,0,0,",
            "oasis-hs,cpli-2,C-cpli-2,2026-11-16,10.5,11.5,0.5,0,0,0,\"aborted 17/11, notice 2h\"",
        ])
        let outcome = try await test.portal.importActuals(organisation: test.organisation, period: PeriodNumber(9), fileName: "p9.csv", content: good, test.request(test.superUser))
        let imported = try #require(outcome.value)
        #expect(imported.rows == 3)
        #expect(imported.linesRecorded == 2) // the second row equals the generated line
        #expect(outcome.value?.linesUnchanged == 1)
        let events = try outcome.positions.map { try #require(try test.log.event(at: $0)) }
        #expect(events.map(\.type) == ["ActualsFileImported", "ActualRecorded", "ActualRecorded"])
        #expect(Set(events.map(\.correlationID)).count == 1)
        let lines = try test.portal.actualLines(test.period9, for: test.superUser)
        #expect(lines.first { $0.cpliID == "cpli-2" && $0.week == test.week1 }?.frustrated == T.q("0.5"))
        let head = try test.head()
        let again = try await test.portal.importActuals(organisation: test.organisation, period: PeriodNumber(9), fileName: "again.csv", content: good, test.request(test.superUser))
        #expect(again.value?.duplicateOf == imported.importID)
        #expect(again.value?.applied == false)
        #expect(try test.head() == head)
        // Saved again by a spreadsheet (BOM, UK dates, another row order): the same content, the same import.
        let resaved = "\u{FEFF}service,cpli,client_reference,week,planned,actual,frustrated,missed,extra,visits,comment\r\n"
            + "oasis-hs,cpli-2,C-cpli-2,16/11/2026,10.5,11.5,0.5,0,0,0,\"aborted 17/11, notice 2h\"\r\n"
            + "oasis-hs,cpli-1,C-cpli-1,16/11/26,10.5,9,0,0,0,0,less care\r\n"
            + "oasis-hs,cpli-1,C-cpli-1,23/11/2026,10.5,10.5,0,0,0,0,\r\n"
        #expect(try await test.portal.importActuals(organisation: test.organisation, period: PeriodNumber(9), fileName: nil,
                                                    content: Data(resaved.utf8), test.request(test.superUser)).value?.duplicateOf == imported.importID)
        // After a calendar edit, the old file would undo it: refused as a duplicate, nothing applied.
        _ = try await test.portal.recordActual(test.period9, ActualEntry(cpliID: "cpli-1", week: test.week1, actual: T.q("8"), comment: "less care"),
                                               test.request(test.superUser))
        let edited = try test.head()
        for content in [good, Data(resaved.utf8)] {
            let duplicate = await #expect(throws: DomainError.self) {
                try await test.portal.importActuals(organisation: test.organisation, period: PeriodNumber(9), fileName: "again.csv", content: content, test.request(test.superUser))
            }
            #expect(duplicate?.rule == "R-ACT-10")
            #expect(duplicate?.message.contains("would change 1 line edited since") == true, "\(String(describing: duplicate))")
        }
        #expect(try test.head() == edited)
        // The same rows with one more that does not parse is another file: its problem is listed.
        let withBadRow = Data((String(decoding: good, as: UTF8.self) + "\r\noasis-hs,cpli-2,C-cpli-2,2026-11-23,10.5,lots,0,0,0,0,x").utf8)
        let rejected = await #expect(throws: ImportRejected.self) {
            try await test.portal.importActuals(organisation: test.organisation, period: PeriodNumber(9), fileName: nil, content: withBadRow, test.request(test.superUser))
        }
        #expect(rejected?.problems.map { "\($0.row):\($0.column)" } == ["5:actual"])
        #expect(try test.head() == edited)
    }



    @Test("R-ACT-2: an exported period imports back; only the changed row is recorded")
    func exportImportRoundTrip() async throws {
        let test = try await T.make()
        try await test.cpli("cpli-1")
        let exported = try test.portal.exportActuals(test.period9, for: test.superUser)
        #expect(exported.hasPrefix("service,cpli,client_reference,client_name,week,planned,actual"))
        let edited = exported.replacingOccurrences(of: "2026-11-23,10.5000,10.5000,0.0000,0.0000,0.0000,0,",
                                                   with: "2026-11-23,10.5000,8.0000,0.0000,0.0000,0.0000,0,fewer visits")
        #expect(edited != exported)
        let outcome = try await test.portal.importActuals(organisation: test.organisation, period: PeriodNumber(9), fileName: "p9.csv",
                                                          content: Data(edited.utf8), test.request(test.superUser))
        #expect(outcome.value?.linesRecorded == 1)
    }
}

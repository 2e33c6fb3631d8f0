import Chronology
import PortalDomain
import Testing

@Suite("R-ABT: aborted visits")
struct AbortedVisitTests {
    typealias F = Fixture

    struct Case: Sendable, CustomTestStringConvertible {
        var contract: ContractType
        var time: VisitTime
        var cause: AbortCause
        var length: String
        var notice: String
        var expected: String
        var testDescription: String { "\(contract) \(time) \(cause) \(length)h notice \(notice)h → \(expected)" }
    }

    static let table: [Case] = [
        // R-ABT-1: the visit's length, at most 30 minutes.
        Case(contract: .spotOldBlock, time: .day, cause: .cancelled, length: "0.75", notice: "2", expected: "0.5"),
        Case(contract: .spotOldBlock, time: .day, cause: .cancelled, length: "0.25", notice: "23.9999", expected: "0.25"),
        Case(contract: .block2013, time: .day, cause: .noEntry, length: "0.75", notice: "0", expected: "0.5"),
        Case(contract: .block2013, time: .day, cause: .cancelled, length: "0.5", notice: "1", expected: "0.5"),
        // R-ABT-2: 50 %: a 45-minute visit gives 22.5 minutes.
        Case(contract: .block2015Framework, time: .day, cause: .cancelled, length: "0.75", notice: "3", expected: "0.375"),
        Case(contract: .block2015Framework, time: .day, cause: .cancelled, length: "2", notice: "3", expected: "1"),
        // Exactly 24 hours' notice is not claimable, under every contract type.
        Case(contract: .spotOldBlock, time: .day, cause: .cancelled, length: "0.75", notice: "24", expected: "0"),
        Case(contract: .block2013, time: .day, cause: .cancelled, length: "0.75", notice: "24", expected: "0"),
        Case(contract: .block2015Framework, time: .day, cause: .cancelled, length: "0.75", notice: "24", expected: "0"),
        Case(contract: .block2015Framework, time: .night, cause: .hospitalisation, length: "1", notice: "30", expected: "0"),
        // R-ABT-3: nights 25 %, or 100 % with hospitalisation or death, all contract types.
        Case(contract: .spotOldBlock, time: .night, cause: .cancelled, length: "1", notice: "5", expected: "0.25"),
        Case(contract: .block2013, time: .night, cause: .hospitalisation, length: "1", notice: "0", expected: "1"),
        Case(contract: .block2015Framework, time: .night, cause: .cancelled, length: "1", notice: "12", expected: "0.25"),
        Case(contract: .block2015Framework, time: .night, cause: .death, length: "1", notice: "2", expected: "1"),
        Case(contract: .spotOldBlock, time: .night, cause: .cancelled, length: "10", notice: "5", expected: "2.5"),
    ]

    @Test("R-ABT: claimable Frustrated per contract type", arguments: table)
    func claim(_ row: Case) {
        let visit = AbortedVisit(date: F.date("2026-11-17"), length: F.q(row.length), noticeHours: F.q(row.notice), time: row.time, cause: row.cause)
        #expect(AbortedVisits.claim(visit, contractType: row.contract).claimable == F.q(row.expected))
    }

    @Test("R-ABT: listed visits set Frustrated; a different Frustrated is refused; a visit outside the week is refused")
    func listedVisits() throws {
        let visits = [
            AbortedVisit(date: F.date("2026-11-17"), length: F.q("0.75"), noticeHours: F.q("2"), time: .day, cause: .cancelled),
            AbortedVisit(date: F.date("2026-11-18"), length: F.q("0.75"), noticeHours: F.q("24"), time: .day, cause: .cancelled),
        ]
        let entry = ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("9"), comment: "aborted 17/11 and 18/11", abortedVisits: visits)
        let framework = try #require(try F.record(entry, facts: F.facts(contractType: .block2015Framework)))
        #expect(framework.frustrated == F.q("0.375"))
        #expect(framework.abortedVisits.map(\.claimable) == [F.q("0.375"), .zero])
        let spot = try #require(try F.record(entry, facts: F.facts(contractType: .spotOldBlock)))
        #expect(spot.frustrated == F.q("0.5"))
        var wrong = entry
        wrong.frustrated = F.q("1.5")
        let error = #expect(throws: DomainError.self) { try F.record(wrong, facts: F.facts(contractType: .spotOldBlock)) }
        #expect(error?.field == "frustrated")
        var outside = entry
        outside.abortedVisits[0].date = F.date("2026-11-24")
        #expect(throws: DomainError.self) { try F.record(outside) }
        var unnamed = entry
        unnamed.comment = "aborted 17/11"
        let missing = #expect(throws: DomainError.self) { try F.record(unnamed) }
        #expect(missing?.rule == "R-ACT-4")
    }
}

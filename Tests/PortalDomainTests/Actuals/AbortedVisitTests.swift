import Chronology
import PortalDomain
import Testing

@Suite("R-ABT: aborted visits (R-ABT-1, R-ABT-2, R-ABT-3)")
struct AbortedVisitTests {
    typealias F = Fixture

    struct Case: Sendable, CustomTestStringConvertible {
        var contract: ContractType
        var time: VisitTime
        var cause: AbortCause
        var length: String
        var notice: String
        var expected: String
        var testDescription: String { "\(contract) \(time) \(cause), length \(length), notice \(notice)h → \(expected)" }
    }

    /// R-ABT-1: `spot-old-block` and `block-2013` day visits pay their length, at most 30 minutes; with 24 hours'
    /// notice or more nothing is claimable.
    static let rule1Cases: [Case] = [
        Case(contract: .spotOldBlock, time: .day, cause: .cancelled, length: "0.75", notice: "2", expected: "0.5"),
        Case(contract: .spotOldBlock, time: .day, cause: .cancelled, length: "0.25", notice: "23.9999", expected: "0.25"),
        Case(contract: .spotOldBlock, time: .day, cause: .hospitalisation, length: "1.5", notice: "1", expected: "0.5"),
        Case(contract: .block2013, time: .day, cause: .noEntry, length: "0.75", notice: "0", expected: "0.5"),
        Case(contract: .block2013, time: .day, cause: .cancelled, length: "0.5", notice: "1", expected: "0.5"),
        Case(contract: .block2013, time: .day, cause: .death, length: "0.4", notice: "3", expected: "0.4"),
        // Refused: exactly 24 hours' notice, or more, is not claimable.
        Case(contract: .spotOldBlock, time: .day, cause: .cancelled, length: "0.75", notice: "24", expected: "0"),
        Case(contract: .block2013, time: .day, cause: .cancelled, length: "0.75", notice: "24", expected: "0"),
        Case(contract: .block2013, time: .day, cause: .noEntry, length: "0.5", notice: "48", expected: "0"),
    ]

    /// R-ABT-2: `block-2015-framework` day visits pay 50 % of their length, half-up at 4 places.
    static let rule2Cases: [Case] = [
        // A 45-minute visit gives 22.5 minutes.
        Case(contract: .block2015Framework, time: .day, cause: .cancelled, length: "0.75", notice: "3", expected: "0.375"),
        Case(contract: .block2015Framework, time: .day, cause: .cancelled, length: "2", notice: "3", expected: "1"),
        // 0.3333 × 50 % = 0.16665 → 0.1667.
        Case(contract: .block2015Framework, time: .day, cause: .noEntry, length: "0.3333", notice: "23.9999", expected: "0.1667"),
        // Refused: exactly 24 hours' notice, or more.
        Case(contract: .block2015Framework, time: .day, cause: .cancelled, length: "0.75", notice: "24", expected: "0"),
        Case(contract: .block2015Framework, time: .day, cause: .hospitalisation, length: "0.75", notice: "25", expected: "0"),
    ]

    /// R-ABT-3: a night sit/sleep cancelled within 24 hours of its start pays 25 % of its length; 100 % when
    /// interrupted by hospitalisation or death; under every contract type. With 24 hours' notice or more a
    /// night pays nothing, hospitalisation and death included.
    static let rule3Cases: [Case] = [
        // Cancelled or no entry: 25 %, every contract type.
        Case(contract: .spotOldBlock, time: .night, cause: .cancelled, length: "1", notice: "5", expected: "0.25"),
        Case(contract: .spotOldBlock, time: .night, cause: .noEntry, length: "1", notice: "5", expected: "0.25"),
        Case(contract: .block2013, time: .night, cause: .cancelled, length: "1", notice: "5", expected: "0.25"),
        Case(contract: .block2013, time: .night, cause: .noEntry, length: "1", notice: "23.9999", expected: "0.25"),
        Case(contract: .block2015Framework, time: .night, cause: .cancelled, length: "1", notice: "12", expected: "0.25"),
        Case(contract: .block2015Framework, time: .night, cause: .noEntry, length: "1", notice: "0", expected: "0.25"),
        // A night's length is in the CPLI's unit: 10 hours of night sit give 2.5 hours; 25 % half-up at 4 places.
        Case(contract: .spotOldBlock, time: .night, cause: .cancelled, length: "10", notice: "5", expected: "2.5"),
        Case(contract: .block2013, time: .night, cause: .cancelled, length: "0.0002", notice: "5", expected: "0.0001"),
        // Hospitalisation or death: 100 %, every contract type.
        Case(contract: .spotOldBlock, time: .night, cause: .hospitalisation, length: "1", notice: "2", expected: "1"),
        Case(contract: .spotOldBlock, time: .night, cause: .death, length: "1", notice: "0", expected: "1"),
        Case(contract: .block2013, time: .night, cause: .hospitalisation, length: "1", notice: "0", expected: "1"),
        Case(contract: .block2013, time: .night, cause: .death, length: "1", notice: "23.9999", expected: "1"),
        Case(contract: .block2015Framework, time: .night, cause: .hospitalisation, length: "1", notice: "6", expected: "1"),
        Case(contract: .block2015Framework, time: .night, cause: .death, length: "1", notice: "2", expected: "1"),
        // Refused: 24 hours' notice or more, whatever the cause, every contract type.
        Case(contract: .spotOldBlock, time: .night, cause: .cancelled, length: "1", notice: "24", expected: "0"),
        Case(contract: .spotOldBlock, time: .night, cause: .hospitalisation, length: "1", notice: "24", expected: "0"),
        Case(contract: .spotOldBlock, time: .night, cause: .death, length: "1", notice: "48", expected: "0"),
        Case(contract: .block2013, time: .night, cause: .cancelled, length: "1", notice: "24", expected: "0"),
        Case(contract: .block2013, time: .night, cause: .hospitalisation, length: "1", notice: "24", expected: "0"),
        Case(contract: .block2013, time: .night, cause: .death, length: "1", notice: "36", expected: "0"),
        Case(contract: .block2015Framework, time: .night, cause: .cancelled, length: "1", notice: "24", expected: "0"),
        Case(contract: .block2015Framework, time: .night, cause: .hospitalisation, length: "1", notice: "30", expected: "0"),
        Case(contract: .block2015Framework, time: .night, cause: .death, length: "1", notice: "24", expected: "0"),
    ]

    func claimable(_ row: Case) -> Quantity {
        let visit = AbortedVisit(date: F.date("2026-11-17"), length: F.q(row.length), noticeHours: F.q(row.notice), time: row.time, cause: row.cause)
        return AbortedVisits.claim(visit, contractType: row.contract).claimable
    }

    @Test("R-ABT-1: spot-old-block and block-2013 day visits pay their length, at most 30 minutes; 24 hours' notice or more pays nothing", arguments: rule1Cases)
    func rule1(_ row: Case) {
        #expect(claimable(row) == F.q(row.expected))
    }

    @Test("R-ABT-2: block-2015-framework day visits pay 50% of their length; 24 hours' notice or more pays nothing", arguments: rule2Cases)
    func rule2(_ row: Case) {
        #expect(claimable(row) == F.q(row.expected))
    }

    @Test("R-ABT-3: nights pay 25%, or 100% with hospitalisation or death, under every contract type; 24 hours' notice or more pays nothing", arguments: rule3Cases)
    func rule3(_ row: Case) {
        #expect(claimable(row) == F.q(row.expected))
    }

    @Test("R-ABT-3: the table covers every contract type with every cause of a night, within 24 hours and with 24 hours' notice")
    func rule3Coverage() {
        for contract in ContractType.allCases {
            for cause in AbortCause.allCases {
                #expect(Self.rule3Cases.contains { $0.contract == contract && $0.cause == cause && F.q($0.notice) < F.q("24") },
                        "no night within 24 hours for \(contract) \(cause)")
            }
            for cause in [AbortCause.cancelled, .hospitalisation, .death] {
                #expect(Self.rule3Cases.contains { $0.contract == contract && $0.cause == cause && F.q($0.notice) >= F.q("24") },
                        "no night with 24 hours' notice for \(contract) \(cause)")
            }
        }
    }

    @Test("R-ABT-3: the claim says why: 25% for a cancelled night, 100% for hospitalisation, not claimable with 24 hours' notice")
    func nightBasis() {
        let night = AbortedVisit(date: F.date("2026-11-17"), length: F.q("1"), noticeHours: F.q("5"), time: .night, cause: .cancelled)
        #expect(AbortedVisits.claim(night, contractType: .block2013).basis.contains("25%"))
        var hospital = night
        hospital.cause = .hospitalisation
        #expect(AbortedVisits.claim(hospital, contractType: .spotOldBlock).basis.contains("100%"))
        hospital.noticeHours = F.q("24")
        let late = AbortedVisits.claim(hospital, contractType: .spotOldBlock)
        #expect(late.claimable == .zero)
        #expect(late.basis.contains("not claimable"))
    }

    @Test("R-ABT-1/R-ABT-2: listed visits set Frustrated; a different Frustrated is refused; a visit outside the week is refused")
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

import Chronology
import PortalDomain
import Testing

@Suite("R-ACT: actual edits")
struct ActualRulesTests {
    typealias F = Fixture

    @Test("R-ACT-1: a full week's generated Planned is the weekly quantity")
    func generatedFullWeek() throws {
        let generated = try #require(GeneratedActual(F.definition(planned: "10.5"), week: F.week1))
        #expect(generated.planned == F.q("10.5"))
        #expect(!generated.isProRata)
    }

    @Test("R-ACT-1: a CPLI ending on Thursday gives planned × 4/7 at 4 dp; one starting on Saturday × 2/7")
    func generatedProRata() throws {
        let ending = try #require(GeneratedActual(F.definition(planned: "7.5", end: "2026-11-19"), week: F.week1))
        #expect(ending.planned == F.q("4.2857"))
        #expect(ending.isProRata)
        let starting = try #require(GeneratedActual(F.definition(planned: "10.5", start: "2026-11-21"), week: F.week1))
        #expect(starting.planned == F.q("3.0000"))
        #expect(GeneratedActual(F.definition(start: "2026-11-23"), week: F.week1) == nil)
    }

    @Test("R-ACT-1: lines list the recorded actual where there is one and the generated one elsewhere")
    func lines() throws {
        let recorded = try #require(try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("9"), comment: "less")))
        let state = Actuals.evolve(Actuals.initialState, .recorded(recorded))
        let lines = Actuals.lines(state, key: F.key, cplis: [F.activeCPLI()], calendar: F.calendar, policy: .norfolk)
        #expect(lines.count == 4)
        #expect(lines[0].actual == F.q("9"))
        #expect(lines[1].actual == F.q("10.5"))
        let commissionedOnly = CPLI.State(definition: F.definition("cpli-2"), status: .commissioned)
        #expect(Actuals.lines(state, key: F.key, cplis: [commissionedOnly], calendar: F.calendar, policy: .norfolk).isEmpty)
    }

    @Test("R-ACT-2: an edit within the weekly bound is recorded; one over 168 hours is refused naming the bound")
    func weeklyBound() throws {
        let accepted = try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("168"), comment: "live-in"))
        #expect(accepted?.actual == F.q("168"))
        let error = #expect(throws: DomainError.self) {
            try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("168.0001"), comment: "x"))
        }
        #expect(error?.rule == "R-ACT-2")
        #expect(error?.field == "actual")
        #expect(error?.message.contains("168.0000") == true)
        let nights = F.facts(F.activeCPLI(F.definition(planned: "7", unit: .nights)))
        #expect(throws: DomainError.self) {
            try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("8"), comment: "x"), facts: nights)
        }
        let negative = #expect(throws: DomainError.self) {
            try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("1"), missed: F.q("-1"), comment: "x"))
        }
        #expect(negative?.field == "missed")
    }

    @Test("R-ACT-3: a week whose Actual is 0 needs a comment")
    func zeroNeedsComment() throws {
        let error = #expect(throws: DomainError.self) {
            try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: .zero))
        }
        #expect(error?.rule == "R-ACT-3")
        #expect(error?.field == "comment")
        #expect(error?.description == "week 2026-11-16: Actual is 0, a comment is required (R-ACT-3)")
        let accepted = try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: .zero, comment: "client in hospital"))
        #expect(accepted?.actual == .zero)
    }

    @Test("R-ACT-4: Frustrated needs a comment naming the date(s) of the aborted visits")
    func frustratedNeedsDates() throws {
        let noDate = #expect(throws: DomainError.self) {
            try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("10"), frustrated: F.q("0.5"), comment: "aborted visit"))
        }
        #expect(noDate?.rule == "R-ACT-4")
        let otherWeek = #expect(throws: DomainError.self) {
            try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("10"), frustrated: F.q("0.5"), comment: "aborted 24/11/2026"))
        }
        #expect(otherWeek?.rule == "R-ACT-4")
        for comment in ["aborted 17/11/2026", "aborted 2026-11-17", "aborted 17/11"] {
            let accepted = try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("10"), frustrated: F.q("0.5"), comment: comment))
            #expect(accepted?.frustrated == F.q("0.5"))
        }
    }

    @Test("R-ACT-5/R-ACT-8: under norfolk the paid quantity is Actual + Frustrated; Missed, Extra and Visits are ignored")
    func norfolkPaidQuantity() throws {
        let recorded = try #require(try F.record(ActualEntry(
            cpliID: "cpli-1", week: F.week1, actual: F.q("9"), frustrated: F.q("0.5"), missed: F.q("1"), extra: F.q("2"),
            visits: 12, comment: "aborted 18/11")))
        #expect(recorded.paidQuantity == F.q("9.5"))
        #expect(recorded.missed == F.q("1"))
        #expect(recorded.paidQuantity.amount(at: Rate(pence: 1850)) == Money(pence: 17575))
    }

    @Test("R-ACT-6: Actual above 1.2 × Planned is flagged; exactly 1.2 × Planned is not")
    func overException() throws {
        // Planned 10.5: 1.2 × 10.5 = 12.6
        let atLimit = try #require(try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("12.6"))))
        #expect(!atLimit.isOverException)
        let over = try #require(try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("12.6001"))))
        #expect(over.isOverException)
        #expect(over.flags == [.overException])
    }

    @Test("R-ACT-7: worked example 1 (planned 10.5, notice 4.5) holds under lancashire exactly as printed")
    func lancashireExample1() throws {
        let context = F.context(policy: .lancashire)
        let entry = ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("4"), frustrated: F.q("0"), missed: F.q("6.5"),
                                extra: F.q("4.5"), visits: 11, comment: "Notice : 4.5hr(s)")
        let recorded = try #require(try F.record(entry, context: context))
        #expect(recorded.planned == F.q("10.5"))
        #expect(!recorded.isProRata)
        #expect(recorded.flags.isEmpty)
        #expect(recorded.paidQuantity == F.q("8.5"))
        var unbalanced = entry
        unbalanced.missed = .zero
        let error = #expect(throws: DomainError.self) { try F.record(unbalanced, context: context) }
        #expect(error?.rule == "R-ACT-7")
        #expect(error?.message.contains("must equal Planned 10.5000") == true)
        // The same line is fine under norfolk, which has no balance rule.
        #expect(try F.record(unbalanced, context: F.context(policy: .norfolk)) != nil)
    }

    @Test("R-ACT-7: worked example 2 (planned 4.2857 irregular pro-rata) holds under lancashire exactly as printed")
    func lancashireExample2() throws {
        let context = F.context(policy: .lancashire)
        let facts = F.facts(F.activeCPLI(F.definition(planned: "7.5", end: "2026-11-19")))
        var entry = ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("5"), frustrated: F.q("0"), missed: F.q("0"),
                                extra: F.q("3.5"), visits: 4, comment: "Waiting for Ambulance: 1hr(s) / Notice: 2.5hr(s)")
        let recorded = try #require(try F.record(entry, facts: facts, context: context))
        #expect(recorded.planned == F.q("4.2857"))
        #expect(recorded.isProRata)
        #expect(recorded.flags.isEmpty)
        #expect(recorded.invoiceReference == nil)
        #expect(recorded.paidQuantity == F.q("8.5"))
        // With the provider's own invoice reference after | (the seed's "…|INV001").
        entry.comment += "|INV001"
        #expect(try F.record(entry, facts: facts, context: context)?.invoiceReference == "INV001")
        // The same line in a full (not pro-rata) week does not balance, so it is refused there.
        let fullWeek = F.facts(F.activeCPLI(F.definition(planned: "4.2857")))
        let error = #expect(throws: DomainError.self) { try F.record(entry, facts: fullWeek, context: context) }
        #expect(error?.rule == "R-ACT-7")
    }

    @Test("R-ACT-7: under lancashire a line that differs from Planned needs a reason before the |")
    func lancashireReason() throws {
        let context = F.context(policy: .lancashire)
        let entry = ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("4"), missed: F.q("6.5"), comment: "|INV001")
        let error = #expect(throws: DomainError.self) { try F.record(entry, context: context) }
        #expect(error?.rule == "R-ACT-7")
        #expect(error?.field == "comment")
        let same = ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("10.5"), comment: "|INV001")
        #expect(try F.record(same, context: context)?.invoiceReference == "INV001")
    }

    @Test("R-ACT-9: a started week is confirmed once; an edit after it makes a new confirmation possible")
    func confirmation() throws {
        let context = F.context()
        let confirm = Actuals.Command.confirmWeek(F.key, F.week1, service: .init(firstPeriod: F.period9), periodLocks: PeriodLocks.initialState)
        let first = try Actuals.decide(confirm, Actuals.initialState, context)
        #expect(first == [.weekConfirmed(WeekConfirmed(serviceID: F.service, period: F.period9, week: F.week1))])
        var state = Actuals.fold(first)
        #expect(try Actuals.decide(confirm, state, context).isEmpty)
        let edit = try #require(try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("9"), comment: "less"), state: state))
        state = Actuals.evolve(state, .recorded(edit))
        #expect(state.confirmation(of: F.week1)?.changedSinceConfirmation == true)
        #expect(try Actuals.decide(confirm, state, context).count == 1)
        let future = Actuals.Command.confirmWeek(F.key, try Week.parse("2026-11-30"), service: .init(firstPeriod: F.period9), periodLocks: PeriodLocks.initialState)
        let error = #expect(throws: DomainError.self) { try Actuals.decide(future, Actuals.initialState, context) }
        #expect(error?.rule == "R-ACT-9")
    }

    @Test("R-ISO-3: only an active CPLI can be edited")
    func inactiveCPLI() {
        let commissioned = F.facts(CPLI.State(definition: F.definition(), status: .commissioned))
        let error = #expect(throws: DomainError.self) {
            try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("9"), comment: "x"), facts: commissioned)
        }
        #expect(error?.rule == "R-ISO-3")
    }

    @Test("bad input: unknown CPLI, another organisation's CPLI, week outside the CPLI's dates or the period")
    func badInput() {
        let unknown = #expect(throws: DomainError.self) {
            try F.record(ActualEntry(cpliID: "cpli-9", week: F.week1, actual: F.q("1"), comment: "x"), facts: F.facts(CPLI.initialState))
        }
        #expect(unknown?.field == "cpli")
        #expect(unknown?.isNotFound == true)
        let foreign = F.facts(F.activeCPLI(F.definition(organisation: F.otherOrganisation)))
        let other = #expect(throws: DomainError.self) {
            try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("1"), comment: "x"), facts: foreign)
        }
        #expect(other?.message.contains("for your organisation") == true)
        let ended = F.facts(F.activeCPLI(F.definition(end: "2026-11-15")))
        let outside = #expect(throws: DomainError.self) {
            try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("1"), comment: "x"), facts: ended)
        }
        #expect(outside?.field == "week")
        #expect(outside?.message.contains("does not run in this week") == true)
        let notInPeriod = #expect(throws: DomainError.self) {
            try F.record(ActualEntry(cpliID: "cpli-1", week: try Week.parse("2026-12-14"), actual: F.q("1"), comment: "x"))
        }
        #expect(notInPeriod?.field == "week")
    }

    @Test("an edit equal to the line as it stands records nothing")
    func unchangedEdit() throws {
        #expect(try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("10.5"))) == nil)
        let first = try #require(try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("9"), comment: "less")))
        let state = Actuals.evolve(Actuals.initialState, .recorded(first))
        #expect(try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("9"), comment: "less"), state: state) == nil)
    }
}

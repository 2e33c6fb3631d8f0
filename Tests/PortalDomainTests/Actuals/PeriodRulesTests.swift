import Chronology
import PortalDomain
import Testing

@Suite("R-PER: open period and locks")
struct PeriodRulesTests {
    typealias F = Fixture
    let service = PeriodLocks.ServiceFacts(firstPeriod: PeriodNumber(8))
    let council = CommandContext(actor: .council(user: "p-1", team: .payments), now: Fixture.date("2026-11-25").startOfDay,
                                 today: Fixture.date("2026-11-25"), policy: .norfolk, calendar: Fixture.calendar)

    func locks(_ commands: [PeriodLocks.Command]) throws -> PeriodLocks.State {
        try commands.reduce(PeriodLocks.initialState) { state, command in
            try PeriodLocks.decide(command, state, council).reduce(state, PeriodLocks.evolve)
        }
    }

    @Test("R-PER-2: the earliest period without a submitted invoice is open, never one not yet started")
    func earliestOpen() throws {
        #expect(PeriodLocks.openPeriod(PeriodLocks.initialState, service: service, today: F.date("2026-11-25"), calendar: F.calendar) == PeriodNumber(8))
        // A service starting in the future has no open period yet.
        let later = PeriodLocks.ServiceFacts(startDate: F.date("2026-12-20"), calendar: F.calendar)
        #expect(later.firstPeriod == PeriodNumber(10))
        #expect(PeriodLocks.openPeriod(PeriodLocks.initialState, service: later, today: F.date("2026-11-25"), calendar: F.calendar) == nil)
        let error = #expect(throws: DomainError.self) {
            try PeriodLocks.requireOpen(PeriodNumber(10), PeriodLocks.initialState, service: later, today: F.date("2026-11-25"), calendar: F.calendar)
        }
        #expect(error?.rule == "R-PER-2")
        #expect(error?.message.contains("has not started") == true)
    }

    @Test("R-PER-3: submitting locks the period; the next opens only when the invoice is held, approved or paid")
    func lockAndRelease() throws {
        let locked = try locks([.lock(F.service, PeriodNumber(8), invoice: "inv-8")])
        #expect(PeriodLocks.openPeriod(locked, service: service, today: F.date("2026-11-25"), calendar: F.calendar) == nil)
        let lockedError = #expect(throws: DomainError.self) {
            try PeriodLocks.requireOpen(PeriodNumber(8), locked, service: service, today: F.date("2026-11-25"), calendar: F.calendar)
        }
        #expect(lockedError?.rule == "R-PER-3")
        #expect(lockedError?.message.contains("inv-8") == true)
        let waiting = #expect(throws: DomainError.self) {
            try PeriodLocks.requireOpen(PeriodNumber(9), locked, service: service, today: F.date("2026-11-25"), calendar: F.calendar)
        }
        #expect(waiting?.message.contains("awaits the Payments Team") == true)
        for reason in PeriodRelease.allCases {
            let released = try locks([.lock(F.service, PeriodNumber(8), invoice: "inv-8"), .openNext(F.service, after: PeriodNumber(8), invoice: "inv-8", because: reason)])
            #expect(PeriodLocks.openPeriod(released, service: service, today: F.date("2026-11-25"), calendar: F.calendar) == PeriodNumber(9))
        }
    }

    @Test("R-PER-3: a returned invoice reopens its period")
    func reopen() throws {
        let reopened = try locks([
            .lock(F.service, PeriodNumber(8), invoice: "inv-8"),
            .openNext(F.service, after: PeriodNumber(8), invoice: "inv-8", because: .held),
            .reopen(F.service, PeriodNumber(8), invoice: "inv-8"),
        ])
        #expect(PeriodLocks.openPeriod(reopened, service: service, today: F.date("2026-11-25"), calendar: F.calendar) == PeriodNumber(8))
        #expect(throws: DomainError.self) { try locks([.reopen(F.service, PeriodNumber(8), invoice: "inv-8")]) }
        #expect(throws: DomainError.self) { try locks([.lock(F.service, PeriodNumber(8), invoice: "inv-8"), .lock(F.service, PeriodNumber(8), invoice: "inv-9")]) }
    }

    @Test("R-PER-2: an actual edit in a locked or a future period is refused")
    func editsFollowTheOpenPeriod() throws {
        let locked = try locks([.lock(F.service, F.period9, invoice: "inv-9")])
        let error = #expect(throws: DomainError.self) {
            try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("9"), comment: "x"), facts: F.facts(locks: locked))
        }
        #expect(error?.rule == "R-PER-3")
        let future = #expect(throws: DomainError.self) {
            try F.record(ActualEntry(cpliID: "cpli-1", week: F.week1, actual: F.q("9"), comment: "x"), context: F.context(today: "2026-11-10"))
        }
        #expect(future?.rule == "R-PER-2")
    }
}

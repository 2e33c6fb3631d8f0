import Chronology
import PortalDomain
import Testing

/// `oasis` has an approved invoice for period 9 (cpli-1: 42 h × £18.50 = £777.00) and a credit note of -£46.25;
/// `elsewhere` has a scheduled contract `k-s` with cpli-1 (£777.00 in period 9) and cpli-2 (5 h a week at
/// £16.4275, ending 2026-12-09: 17.1429 h = £281.61). The run pays on 2026-12-18; today is 2026-12-14.
@Suite("R-PAY: scheduled payments and payment runs")
struct PaymentRulesTests {
    typealias F = Fixture
    let payments = F.context(.council(user: "pay-1", team: .payments), today: "2026-12-14")
    static let scheduledContract = ContractRegistered(
        contractID: "k-s", organisationID: F.otherOrganisation, name: "Scheduled home support", contractType: .block2013,
        paymentBasis: .scheduled, startDate: F.date("2026-01-05"))

    static var elsewhereCPLIs: [CPLI.State] {
        var second = InvoiceRulesTests.cpli2
        second.organisationID = F.otherOrganisation
        return [F.activeCPLI(F.definition(organisation: F.otherOrganisation)), F.activeCPLI(second)]
    }

    func schedule(_ periods: [Int]) throws -> ScheduledPayments.State {
        try periods.reduce(ScheduledPayments.initialState) { state, period in
            try ScheduledPayments.decide(.calculate(PeriodNumber(period), contract: Self.scheduledContract, cplis: Self.elsewhereCPLIs), state, payments)
                .reduce(state, ScheduledPayments.evolve)
        }
    }

    @Test("R-PAY-1: a scheduled contract's period payment comes from planned quantities, one line per CPLI, due on the Monday of the period's third week")
    func scheduledPayment() throws {
        let state = try schedule([9])
        let payment = try #require(state.calculated["9"])
        #expect(payment.dueDate == F.date("2026-11-30"))
        #expect(payment.arrearsWeeks == [F.week1, F.week2])
        #expect(payment.advanceWeeks == [try Week.parse("2026-11-30"), try Week.parse("2026-12-07")])
        #expect(payment.lines.map(\.quantity) == [F.q("42"), F.q("17.1429")])
        #expect(payment.lines.map(\.amount) == [Money(pence: 77700), Money(pence: 28161)])
        #expect(payment.total == Money(pence: 105861))
        #expect(state.unpaid(dueBy: F.date("2026-11-29")).isEmpty)
        #expect(state.unpaid(dueBy: F.date("2026-11-30")).map(\.period) == [F.period9])
    }

    @Test("R-PAY-1: refused — an invoiced contract, a period calculated twice, a period without active CPLIs")
    func scheduledRefusals() throws {
        var invoiced = Self.scheduledContract
        invoiced.paymentBasis = .invoiced
        let notScheduled = #expect(throws: DomainError.self) {
            try ScheduledPayments.decide(.calculate(F.period9, contract: invoiced, cplis: Self.elsewhereCPLIs), ScheduledPayments.initialState, payments)
        }
        #expect(notScheduled?.rule == "R-PAY-1")
        let twice = #expect(throws: DomainError.self) {
            try ScheduledPayments.decide(.calculate(F.period9, contract: Self.scheduledContract, cplis: Self.elsewhereCPLIs), try schedule([9]), payments)
        }
        #expect(twice?.isDuplicate == true)
        let nothing = #expect(throws: DomainError.self) {
            try ScheduledPayments.decide(.calculate(F.period9, contract: Self.scheduledContract, cplis: []), ScheduledPayments.initialState, payments)
        }
        #expect(nothing?.rule == "R-PAY-1")
    }

    struct RunFixture {
        var facts: PaymentRunFacts
        var request = PaymentRunRequest(paymentRunID: "run-1", paymentDate: Fixture.date("2026-12-18"), reference: "BACS-1218")
    }

    func runFixture() throws -> RunFixture {
        var approved = InvoiceBooks([F.definition()])
        try approved.create()
        _ = try approved.submit()
        try approved.step(.approve, context: payments)
        var submitted = InvoiceBooks([F.definition()])
        try submitted.create("inv-10", reference: "INV002")
        _ = try submitted.submit("inv-10")
        let credit = CreditNote.evolve(CreditNote.initialState, .raised(CreditNoteRaised(
            creditNoteID: "cn-1", organisationID: F.organisation, contractID: "k-1", serviceID: F.service, period: PeriodNumber(8),
            reference: "CN001", creditNoteDate: F.date("2026-12-10"), againstInvoiceID: "inv-8",
            lines: [ChargeLine(cpliID: "cpli-1", clientReference: "C1001", clientName: "Ann Example", period: PeriodNumber(8), unit: .hours,
                               rate: Rate(pence: 1850), weeks: [WeekQuantity(week: try Week.parse("2026-10-26"), quantity: F.q("-2.5"))],
                               quantity: F.q("-2.5"), amount: Money(pence: -4625))],
            total: Money(pence: -4625))))
        return RunFixture(facts: PaymentRunFacts(
            invoices: ["inv-9": approved.invoices["inv-9"]!, "inv-10": submitted.invoices["inv-10"]!],
            schedules: ["k-s": try schedule([9, 10])], creditNotes: ["cn-1": credit],
            organisationNames: [F.organisation: "Oasis Care and Support", F.otherOrganisation: "Elsewhere Care"]))
    }

    @Test("R-PAY-2: a run pays approved invoices and due scheduled payments, deducts credit notes, and records each provider's remittance lines and total")
    func run() throws {
        let fixture = try runFixture()
        let plan = try PaymentRun.plan(fixture.request, fixture.facts, payments)
        #expect(plan.invoiceIDs == ["inv-9"], "the submitted invoice inv-10 is not paid")
        #expect(plan.scheduledPayments == [ScheduledPaymentKey(contractID: "k-s", period: F.period9)], "period 10's payment is due 2026-12-28")
        #expect(plan.creditNoteIDs == ["cn-1"])
        let digests = Dictionary(uniqueKeysWithValues: plan.remittances.map { ($0.organisationID, String(repeating: "c", count: 64)) })
        let events = try PaymentRun.decide(.run(fixture.request, fixture.facts, csvSHA256: digests), PaymentRun.initialState, payments)
        let state = events.reduce(PaymentRun.initialState, PaymentRun.evolve)
        #expect(state.remittances.map(\.organisationID) == [F.otherOrganisation, F.organisation])

        let elsewhere = state.remittances[0]
        #expect(elsewhere.paymentReference == "BACS-1218/elsewhere")
        #expect(elsewhere.lines.map(\.documentKind) == [.scheduledPayment, .scheduledPayment])
        #expect(elsewhere.lines.map(\.documentReference) == ["SP-k-s-P9", "SP-k-s-P9"])
        #expect(elsewhere.lines.map(\.amount) == [Money(pence: 77700), Money(pence: 28161)])
        #expect(elsewhere.total == Money(pence: 105861))

        let oasis = state.remittances[1]
        #expect(oasis.organisationName == "Oasis Care and Support")
        #expect(oasis.lines.map(\.documentKind) == [.invoice, .creditNote])
        #expect(oasis.lines.map(\.documentReference) == ["INV001", "CN001"])
        #expect(oasis.lines.map(\.period) == [F.period9, PeriodNumber(8)])
        // £777.00 - £46.25 = £730.75.
        #expect(oasis.total == Money(pence: 73075))
        // £1,058.61 + £730.75 = £1,789.36.
        #expect(state.completed?.total == Money(pence: 178936))
        #expect(state.completed?.invoiceIDs == ["inv-9"])
    }

    @Test("R-PAY-2: refused — an unapproved invoice named, nothing due, a past payment date, a missing remittance digest, the same run twice")
    func runRefusals() throws {
        let fixture = try runFixture()
        var named = fixture.request
        named.invoiceIDs = ["inv-10"]
        let unapproved = #expect(throws: DomainError.self) { try PaymentRun.plan(named, fixture.facts, payments) }
        #expect(unapproved?.rule == "R-INV-3")
        #expect(unapproved?.message.contains("INV002 (inv-10) is submitted") == true)
        let empty = PaymentRunFacts(invoices: [:], schedules: [:], creditNotes: [:], organisationNames: [:])
        let nothing = #expect(throws: DomainError.self) { try PaymentRun.plan(fixture.request, empty, payments) }
        #expect(nothing?.rule == "R-PAY-2")
        var past = fixture.request
        past.paymentDate = F.date("2026-12-13")
        #expect(throws: DomainError.self) { try PaymentRun.plan(past, fixture.facts, payments) }
        let missing = #expect(throws: DomainError.self) {
            try PaymentRun.decide(.run(fixture.request, fixture.facts, csvSHA256: [F.organisation: String(repeating: "c", count: 64)]), PaymentRun.initialState, payments)
        }
        #expect(missing?.message.contains("elsewhere") == true)
        let plan = try PaymentRun.plan(fixture.request, fixture.facts, payments)
        let digests = Dictionary(uniqueKeysWithValues: plan.remittances.map { ($0.organisationID, String(repeating: "c", count: 64)) })
        let done = try PaymentRun.decide(.run(fixture.request, fixture.facts, csvSHA256: digests), PaymentRun.initialState, payments)
            .reduce(PaymentRun.initialState, PaymentRun.evolve)
        let twice = #expect(throws: DomainError.self) { try PaymentRun.decide(.run(fixture.request, fixture.facts, csvSHA256: digests), done, payments) }
        #expect(twice?.isDuplicate == true)
    }

    @Test("R-PAY-1/R-PAY-2: a scheduled payment is paid once, and not before it is due")
    func scheduledPaidOnce() throws {
        var state = try schedule([9, 10])
        let early = #expect(throws: DomainError.self) {
            try ScheduledPayments.decide(.markPaid(PeriodNumber(10), "run-1", paymentDate: F.date("2026-12-18")), state, payments)
        }
        #expect(early?.message.contains("2026-12-28") == true)
        state = try ScheduledPayments.decide(.markPaid(F.period9, "run-1", paymentDate: F.date("2026-12-18")), state, payments).reduce(state, ScheduledPayments.evolve)
        #expect(state.unpaid(dueBy: F.date("2027-01-31")).map(\.period) == [PeriodNumber(10)])
        #expect(throws: DomainError.self) { try ScheduledPayments.decide(.markPaid(F.period9, "run-2", paymentDate: F.date("2026-12-20")), state, payments) }
    }
}

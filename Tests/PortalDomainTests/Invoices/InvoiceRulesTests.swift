import Chronology
import PortalDomain
import Testing

/// Two CPLIs of the service in period 9 (2026-11-16 to 2026-12-13), worked out by hand:
/// - cpli-1: 10.5 hours a week at £18.50, all period: 4 × 10.5 = 42.0000 h × £18.50 = £777.00.
/// - cpli-2: 5 hours a week at £16.4275, ending Wednesday 2026-12-09: 5 + 5 + 5 + 5 × 3/7 (2.142857… → 2.1429)
///   = 17.1429 h × £16.4275 = £281.61498975 → £281.61 (half-up to the penny on the line).
@Suite("R-INV: invoices")
struct InvoiceRulesTests {
    typealias F = Fixture
    typealias Books = InvoiceBooks

    static let cpli2: CPLIDefinition = {
        var definition = F.definition("cpli-2", planned: "5", end: "2026-12-09")
        definition.clientReference = "C1002"
        definition.rate = try! Rate.parse("16.4275", field: "rate")
        return definition
    }()

    func books() -> InvoiceBooks { InvoiceBooks([F.definition(), Self.cpli2]) }
    let payments = Books.context(Books.payments)

    @Test("R-INV-1/R-ACT-5: the wizard proposes one line per CPLI with actuals; each amount is half-up to the penny; the total is the sum")
    func wizardLines() throws {
        var books = books()
        let proposal = books.proposal()
        #expect(proposal.map(\.cpliID) == ["cpli-1", "cpli-2"])
        #expect(proposal.map(\.quantity) == [F.q("42"), F.q("17.1429")])
        #expect(proposal.map(\.amount) == [Money(pence: 77700), Money(pence: 28161)])
        #expect(proposal[1].weeks.map(\.quantity) == [F.q("5"), F.q("5"), F.q("5"), F.q("2.1429")])
        let invoice = try books.create()
        #expect(invoice.status == .unsubmitted)
        #expect(invoice.total == Money(pence: 105861))
        #expect(invoice.reference == "INV001")
        // An edit changes the line: cpli-1 week 2 delivered 9 hours → 40.5 h × £18.50 = £749.25.
        try books.record(ActualEntry(cpliID: "cpli-1", week: F.week2, actual: F.q("9"), comment: "client away"))
        #expect(books.proposal()[0].amount == Money(pence: 74925))
    }

    @Test("R-INV-1: unticked CPLIs are left out; an invoice needs a line; only proposed CPLIs can be unticked")
    func untick() throws {
        var books = books()
        let invoice = try books.create(unticked: ["cpli-2"])
        #expect(invoice.lines.map(\.cpliID) == ["cpli-1"])
        #expect(invoice.total == Money(pence: 77700))
        var other = self.books()
        let empty = #expect(throws: DomainError.self) { try other.create(unticked: ["cpli-1", "cpli-2"]) }
        #expect(empty?.field == "unticked")
        let unknown = #expect(throws: DomainError.self) { try other.create(unticked: ["cpli-404"]) }
        #expect(unknown?.message.contains("cpli-404") == true)
    }

    @Test("R-INV-1: a reference is used once per provider, whatever its letter case; the refusal names the invoice holding it")
    func referenceUnique() throws {
        var books = books()
        try books.create("inv-9", reference: "INV001")
        let context = Books.context()
        let again = #expect(throws: DomainError.self) {
            try InvoiceReferences.decide(.reserve(organisation: F.organisation, reference: " inv001 ", kind: .creditNote, documentID: "cn-1"), books.references, context)
        }
        #expect(again?.isDuplicate == true)
        #expect(again?.rule == "R-INV-1")
        #expect(again?.message.contains("invoice inv-9") == true)
        let other = try InvoiceReferences.decide(.reserve(organisation: F.organisation, reference: "INV002", kind: .invoice, documentID: "inv-10"), books.references, context)
        #expect(other.count == 1)
        let tooLong = #expect(throws: DomainError.self) {
            try InvoiceReferences.decide(.reserve(organisation: F.organisation, reference: String(repeating: "X", count: 31), kind: .invoice, documentID: "i"), books.references, context)
        }
        #expect(tooLong?.field == "reference")
    }

    @Test("R-INV-1/R-PER-2: the invoice date is from the period's last day to today, and the period must be the one open")
    func dateAndOpenPeriod() throws {
        var books = books()
        let early = #expect(throws: DomainError.self) { try books.create(date: "2026-12-10") }
        #expect(early?.field == "invoiceDate")
        #expect(early?.message.contains("2026-12-13") == true)
        let future = #expect(throws: DomainError.self) { try books.create(date: "2026-12-15") }
        #expect(future?.field == "invoiceDate")
        try books.create()
        _ = try books.submit()
        let locked = #expect(throws: DomainError.self) { try books.create("inv-9b", reference: "INV001B") }
        #expect(locked?.rule == "R-PER-3")
        #expect(books.invoices["inv-9b"] == nil)
    }

    @Test("R-INV-2: submission is refused while a line has the over-20% exception, naming it; once removed the invoice submits")
    func exceptionLinesBlockSubmission() throws {
        var books = books()
        // 13 hours against 10.5 planned is more than 1.2 × 10.5 = 12.6 (R-ACT-6).
        try books.record(ActualEntry(cpliID: "cpli-1", week: F.week2, actual: F.q("13"), comment: "extra care after a fall"))
        try books.create()
        let refused = #expect(throws: DomainError.self) { try books.submit() }
        #expect(refused?.rule == "R-INV-2")
        #expect(refused?.field == "lines")
        #expect(refused?.message.contains("CPLI cpli-1 (client C1001, week 2026-11-23)") == true)
        #expect(refused?.message.contains("cpli-2") == false)
        #expect(books.invoices["inv-9"]?.status == .unsubmitted)
        #expect(books.locks == PeriodLocks.initialState)

        // cpli-1: 10.5 × 3 + 13 = 44.5 h × £18.50 = £823.25 leaves; cpli-2's £281.61 stays.
        let removed = try books.step(.removeLine("cpli-1"), context: Books.context())
        #expect(removed == [.lineRemoved(InvoiceLineRemoved(invoiceID: "inv-9", cpliID: "cpli-1", amount: Money(pence: 82325), total: Money(pence: 28161)))])
        let submitted = try books.submit()
        #expect(submitted == [.submitted(InvoiceSubmitted(invoiceID: "inv-9", date: F.date("2026-12-14")))])
        let late = #expect(throws: DomainError.self) { try books.step(.removeLine("cpli-2"), context: Books.context()) }
        #expect(late?.rule == "R-INV-3")
    }

    @Test("R-INV-3/R-PER-3: submit locks the period; hold opens the next; release; approve; pay — each lock step decided with its invoice step")
    func lifecycleAndLocks() throws {
        var books = books()
        try books.create()
        #expect(books.openPeriod == F.period9)
        _ = try books.submit()
        #expect(books.invoices["inv-9"]?.status == .submitted)
        #expect(books.locks.lock(of: F.period9)?.invoiceID == "inv-9")
        #expect(books.openPeriod == nil)
        try books.step(.hold(reason: "hours for C1002 disputed"), context: payments)
        #expect(books.invoices["inv-9"]?.status == .onHold)
        #expect(books.invoices["inv-9"]?.holdReason == "hours for C1002 disputed")
        #expect(books.openPeriod == PeriodNumber(10))
        try books.step(.release, context: payments)
        #expect(books.invoices["inv-9"]?.status == .submitted)
        #expect(books.openPeriod == PeriodNumber(10))
        let afterHold = books.locks
        try books.step(.approve, context: payments)
        #expect(books.locks == afterHold, "the next period was open already: approving adds no lock event")
        try books.step(.pay("run-1", paymentDate: F.date("2026-12-18")), context: payments)
        #expect(books.invoices["inv-9"]?.status == .paid)
        #expect(books.invoices["inv-9"]?.payment?.paymentRunID == "run-1")
    }

    @Test("R-INV-3: approving or paying opens the next period when no hold did")
    func approveOpensNext() throws {
        var books = books()
        try books.create()
        _ = try books.submit()
        try books.step(.approve, context: payments)
        #expect(books.locks.lock(of: F.period9)?.release == .approved)
        #expect(books.openPeriod == PeriodNumber(10))
    }

    @Test("R-INV-3: submitting twice, approving an invoice on hold, holding an unsubmitted one, paying an unapproved one, a hold without a reason — refused")
    func refusedTransitions() throws {
        var books = books()
        try books.create()
        let holdEarly = #expect(throws: DomainError.self) { try books.step(.hold(reason: "x"), context: payments) }
        #expect(holdEarly?.rule == "R-INV-3")
        let payEarly = #expect(throws: DomainError.self) { try books.step(.pay("run-1", paymentDate: F.date("2026-12-18")), context: payments) }
        #expect(payEarly?.rule == "R-INV-3")
        #expect(payEarly?.message.contains("only an approved invoice can be paid") == true)
        _ = try books.submit()
        let twice = #expect(throws: DomainError.self) { try books.submit() }
        #expect(twice?.rule == "R-INV-3")
        #expect(twice?.message.contains("submitted") == true)
        let noReason = #expect(throws: DomainError.self) { try books.step(.hold(reason: "  "), context: payments) }
        #expect(noReason?.field == "reason")
        try books.step(.hold(reason: "query"), context: payments)
        let approveHeld = #expect(throws: DomainError.self) { try books.step(.approve, context: payments) }
        #expect(approveHeld?.message.contains("release it") == true)
        #expect(books.invoices["inv-9"]?.status == .onHold)
    }

    @Test("R-INV-3: only the Payments Team may hold, release, approve, return or pay; providers of every role and other teams are refused")
    func onlyPayments() throws {
        let commands: [Invoice.Command] = [.hold(reason: "x"), .release, .approve, .return(reason: "x"), .pay("run-1", paymentDate: F.date("2026-12-18"))]
        for command in commands {
            #expect(command.requiredPermission == .edit(.paymentProcessing))
            #expect(Authorisation.allows(.council(user: "p", team: .payments), command.requiredPermission, organisation: F.organisation))
            for team in CouncilTeam.allCases where team != .payments {
                #expect(!Authorisation.allows(.council(user: "c", team: team), command.requiredPermission, organisation: F.organisation))
            }
            for role in ProviderRole.allCases {
                let refusal = #expect(throws: AccessRefused.self) {
                    try Authorisation.check(.provider(user: "u", organisation: F.organisation, role: role), command.requiredPermission, organisation: F.organisation)
                }
                #expect(refusal?.missingPermission == .edit(.paymentProcessing))
            }
        }
        #expect(Invoice.Command.submit(actualsVersion: 0).requiredPermission == .edit(.invoices))
        #expect(Authorisation.allows(.provider(user: "u", organisation: F.organisation, role: .invoiceOnly), .edit(.invoices), organisation: F.organisation))
        #expect(!Authorisation.allows(.provider(user: "u", organisation: F.organisation, role: .administration), .edit(.invoices), organisation: F.organisation))
    }

    @Test("R-INV-3/R-PER-3: a returned invoice reopens its period; corrected from the changed actuals, it is resubmitted and locks again")
    func returnCorrectResubmit() throws {
        var books = books()
        try books.create()
        _ = try books.submit()
        try books.step(.hold(reason: "week 2 of C1001 queried"), context: payments)
        try books.step(.return(reason: "C1001 was in hospital in week 2"), context: payments)
        #expect(books.invoices["inv-9"]?.status == .returned)
        #expect(books.locks.lock(of: F.period9) == nil)
        #expect(books.openPeriod == F.period9)
        let uncorrected = #expect(throws: DomainError.self) { try books.submit() }
        #expect(uncorrected?.message.contains("correct it") == true)

        try books.record(ActualEntry(cpliID: "cpli-1", week: F.week2, actual: F.q("6"), comment: "hospital from 26/11"))
        let corrected = try books.step(.correct(.sameCPLIs, books.servicePeriod), context: Books.context())
        // cpli-1: 10.5 × 3 + 6 = 37.5 h × £18.50 = £693.75; with cpli-2 £281.61: £975.36.
        guard case .corrected(let correction)? = corrected.first else { Issue.record("no correction"); return }
        #expect(correction.total == Money(pence: 97536))
        #expect(correction.actualsVersion == books.actualsVersion)
        let resubmitted = try books.submit()
        #expect(resubmitted == [.resubmitted(InvoiceResubmitted(invoiceID: "inv-9", date: F.date("2026-12-14")))])
        #expect(books.locks.lock(of: F.period9)?.release == nil)
        #expect(books.openPeriod == nil)
    }

    @Test("R-INV-3: a supplementary or contract-level invoice cannot be returned (it has no period to reopen)")
    func returnOnlyPeriodInvoices() throws {
        var books = books()
        try books.create()
        try books.paid()
        let raised = try Invoice.decide(
            .raiseSupplementary(invoiceID: "inv-9s", reference: "INV001S", difference: books.proposal()[0], against: books.invoices["inv-9"]!, actualsVersion: 0),
            Invoice.initialState, Books.context())
        let supplementary = raised.reduce(Invoice.initialState, Invoice.evolve)
        #expect(supplementary.status == .submitted)
        let refused = #expect(throws: DomainError.self) { try Invoice.decide(.return(reason: "x"), supplementary, payments) }
        #expect(refused?.message.contains("no period to reopen") == true)
    }

    @Test("submitting is refused when the actuals changed after the lines were computed; a correction brings the lines up to date")
    func staleActuals() throws {
        var books = books()
        try books.create()
        try books.record(ActualEntry(cpliID: "cpli-2", week: F.week1, actual: F.q("4"), comment: "one visit cancelled"))
        let stale = #expect(throws: DomainError.self) { try books.submit() }
        #expect(stale?.field == "actuals")
        #expect(books.locks == PeriodLocks.initialState)
        try books.step(.correct(.sameCPLIs, books.servicePeriod), context: Books.context())
        // cpli-2: 4 + 5 + 5 + 2.1429 = 16.1429 h × £16.4275 = £265.18748975 → £265.19; total £1,042.19.
        #expect(books.invoices["inv-9"]?.total == Money(pence: 104219))
        _ = try books.submit()
        #expect(books.invoices["inv-9"]?.status == .submitted)
        let submitted = #expect(throws: DomainError.self) {
            try Invoice.decide(.correct(.sameCPLIs, books.servicePeriod), books.invoices["inv-9"]!, Books.context())
        }
        #expect(submitted?.rule == "R-INV-3")
    }

    @Test("R-INV-5: temporary CPLI flow — exception, temporary CPLI from brokerage, original reduced to Planned, both invoiced")
    func temporaryCPLIFlow() throws {
        var books = InvoiceBooks([F.definition()])
        // 15 hours in week 2 against 10.5 planned: over 12.6, flagged.
        try books.record(ActualEntry(cpliID: "cpli-1", week: F.week2, actual: F.q("15"), comment: "extra care after a fall"))
        #expect(books.proposal()[0].isOverException)
        // Service brokerage commissions a temporary CPLI of 4.5 hours for that week, a top-up of cpli-1.
        var temporary = F.definition("cpli-1t", planned: "4.5", start: "2026-11-23", end: "2026-11-29")
        temporary.temporaryOf = "cpli-1"
        let brokerage = F.context(.council(user: "sb-1", team: .serviceBrokerage), today: "2026-12-14")
        let commissioned = try CPLI.decide(.commission(temporary, original: books.cplis[0]), CPLI.initialState, brokerage)
        var temporaryState = commissioned.reduce(CPLI.initialState, CPLI.evolve)
        temporaryState = try CPLI.decide(.activate("iso-1"), temporaryState, Books.context()).reduce(temporaryState, CPLI.evolve)
        books.cplis.append(temporaryState)
        // The provider reduces the original back to Planned; the temporary CPLI's week is its planned 4.5 hours.
        try books.record(ActualEntry(cpliID: "cpli-1", week: F.week2, actual: F.q("10.5"), comment: "extra hours on cpli-1t"))
        let proposal = books.proposal()
        #expect(proposal.map(\.cpliID) == ["cpli-1", "cpli-1t"])
        #expect(proposal.allSatisfy { !$0.isOverException })
        // cpli-1: 42 h × £18.50 = £777.00; cpli-1t: 4.5 h × £18.50 = £83.25; total £860.25.
        let invoice = try books.create()
        #expect(invoice.total == Money(pence: 86025))
        _ = try books.submit()
        #expect(books.invoices["inv-9"]?.status == .submitted)
        // A temporary CPLI must top up a CPLI of the same client.
        var stranger = temporary
        stranger.cpliID = "cpli-x"
        stranger.clientReference = "C9999"
        let refused = #expect(throws: DomainError.self) { try CPLI.decide(.commission(stranger, original: books.cplis[0]), CPLI.initialState, brokerage) }
        #expect(refused?.field == "temporaryOf")
        #expect(refused?.message.contains("cpli-1") == true)
        // Refused: a temporary CPLI of a CPLI that does not exist.
        let missing = #expect(throws: DomainError.self) { try CPLI.decide(.commission(temporary, original: nil), CPLI.initialState, brokerage) }
        #expect(missing?.field == "temporaryOf")
        #expect(missing?.isNotFound == true)
    }
}

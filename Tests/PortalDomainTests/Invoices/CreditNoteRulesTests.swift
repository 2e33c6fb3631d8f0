import Chronology
import PortalDomain
import Testing

/// cpli-1 (10.5 hours a week at £18.50) is invoiced for period 9 and paid: 42 h, £777.00.
@Suite("R-INV-4: corrections after payment, credit notes and supplementary invoices")
struct CreditNoteRulesTests {
    typealias F = Fixture
    typealias Books = InvoiceBooks

    func paidBooks() throws -> InvoiceBooks {
        var books = InvoiceBooks([F.definition()])
        try books.create()
        try books.paid()
        return books
    }

    /// Records the correction in the paid period and returns what it raises.
    func correct(_ books: inout InvoiceBooks, _ entry: ActualEntry) throws -> PaidPeriodCorrection.Outcome {
        let invoice = books.invoices["inv-9"]!
        try PaidPeriodCorrection.requirePaid(invoice, period: F.period9)
        try books.record(entry, window: .paidPeriod("inv-9"))
        let corrected = try #require(books.proposal().first { $0.cpliID == entry.cpliID })
        return PaidPeriodCorrection.outcome(corrected: corrected, invoice: invoice)
    }

    @Test("R-INV-4: a downward correction of a paid period raises a credit note of exactly the difference; the paid invoice is not edited")
    func creditNote() throws {
        var books = try paidBooks()
        // Week 2: 8 hours delivered, not 10.5 → 39.5 h × £18.50 = £730.75; the difference is -2.5 h, -£46.25.
        let outcome = try correct(&books, ActualEntry(cpliID: "cpli-1", week: F.week2, actual: F.q("8"), comment: "two visits not delivered"))
        guard case .creditNote(let difference) = outcome else { Issue.record("expected a credit note, got \(outcome)"); return }
        #expect(difference.quantity == F.q("-2.5"))
        #expect(difference.amount == Money(pence: -4625))
        #expect(difference.weeks == [WeekQuantity(week: F.week2, quantity: F.q("-2.5"))])

        let paid = books.invoices["inv-9"]!
        let raised = try CreditNote.decide(.raise("cn-1", reference: "CN001", difference: difference, against: paid), CreditNote.initialState, Books.context())
        guard case .raised(let note)? = raised.first else { Issue.record("no credit note"); return }
        #expect(note.total == Money(pence: -4625))
        #expect(note.againstInvoiceID == "inv-9")
        #expect(note.creditNoteDate == F.date("2026-12-14"))
        try books.step(.recordAdjustment(InvoiceAdjustment(kind: .creditNote, documentID: "cn-1", lines: note.lines, total: note.total)), context: Books.context())
        let adjusted = books.invoices["inv-9"]!
        #expect(adjusted.status == .paid)
        #expect(adjusted.total == Money(pence: 77700), "the paid invoice keeps its lines and total")
        #expect(adjusted.lines == paid.lines)
        #expect(adjusted.totalWithAdjustments == Money(pence: 73075))
        #expect(adjusted.invoicedLine(for: "cpli-1")?.quantity == F.q("39.5"))
    }

    @Test("R-INV-4: an upward correction goes on a supplementary invoice of the difference; a later correction compares with what stands invoiced")
    func supplementaryInvoice() throws {
        var books = try paidBooks()
        guard case .creditNote(let down) = try correct(&books, ActualEntry(cpliID: "cpli-1", week: F.week2, actual: F.q("8"), comment: "two visits not delivered")) else {
            Issue.record("expected a credit note"); return
        }
        try books.step(.recordAdjustment(InvoiceAdjustment(kind: .creditNote, documentID: "cn-1", lines: [down], total: down.amount)), context: Books.context())
        // Week 3: 12 hours (not over 12.6) → 10.5 + 8 + 12 + 10.5 = 41 h × £18.50 = £758.50; £730.75 stands invoiced: +£27.75.
        let outcome = try correct(&books, ActualEntry(cpliID: "cpli-1", week: F.week2.adding(weeks: 1), actual: F.q("12"), comment: "extra visits"))
        guard case .supplementaryInvoice(let up) = outcome else { Issue.record("expected a supplementary invoice, got \(outcome)"); return }
        #expect(up.amount == Money(pence: 2775))
        #expect(up.quantity == F.q("1.5"))
        let raised = try Invoice.decide(
            .raiseSupplementary(invoiceID: "inv-9s", reference: "INV001S", difference: up, against: books.invoices["inv-9"]!, actualsVersion: books.actualsVersion),
            Invoice.initialState, Books.context())
        let supplementary = raised.reduce(Invoice.initialState, Invoice.evolve)
        #expect(supplementary.kind == .supplementaryInvoice)
        #expect(supplementary.status == .submitted)
        #expect(supplementary.total == Money(pence: 2775))
        #expect(supplementary.supplementsInvoiceID == "inv-9")
        #expect(Invoice.periodLockStep(after: .submitted(InvoiceSubmitted(invoiceID: "inv-9s", date: F.date("2026-12-14"))), supplementary) == nil)
    }

    @Test("R-INV-4: a correction that changes no money raises nothing")
    func nothingToRaise() throws {
        var books = try paidBooks()
        let outcome = try correct(&books, ActualEntry(cpliID: "cpli-1", week: F.week2, actual: F.q("10.5"), comment: "checked with the client"))
        #expect(outcome == .nothing)
    }

    @Test("R-INV-4: refused — a period whose invoice is approved but unpaid, a credit note of an upward difference or against an unpaid invoice, an open-period edit of the paid period")
    func refusals() throws {
        var books = InvoiceBooks([F.definition()])
        try books.create()
        _ = try books.submit()
        try books.step(.approve, context: Books.context(Books.payments))
        let unpaid = #expect(throws: DomainError.self) { try PaidPeriodCorrection.requirePaid(books.invoices["inv-9"]!, period: F.period9) }
        #expect(unpaid?.rule == "R-INV-4")
        #expect(unpaid?.message.contains("approved") == true)
        let line = books.proposal()[0]
        let againstUnpaid = #expect(throws: DomainError.self) {
            try CreditNote.decide(.raise("cn-1", reference: "CN1", difference: line, against: books.invoices["inv-9"]!), CreditNote.initialState, Books.context())
        }
        #expect(againstUnpaid?.rule == "R-INV-4")

        var paid = try paidBooks()
        let upwards = #expect(throws: DomainError.self) {
            try CreditNote.decide(.raise("cn-1", reference: "CN1", difference: line, against: paid.invoices["inv-9"]!), CreditNote.initialState, Books.context())
        }
        #expect(upwards?.field == "lines")
        let openEdit = #expect(throws: DomainError.self) {
            try paid.record(ActualEntry(cpliID: "cpli-1", week: F.week2, actual: F.q("8"), comment: "late edit"))
        }
        #expect(openEdit?.rule == "R-PER-3")
        let otherInvoice = #expect(throws: DomainError.self) {
            try paid.record(ActualEntry(cpliID: "cpli-1", week: F.week2, actual: F.q("8"), comment: "late edit"), window: .paidPeriod("inv-other"))
        }
        #expect(otherInvoice?.rule == "R-INV-4")
    }
}

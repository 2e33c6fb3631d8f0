import Chronology
import PortalDomain

/// Samples of part 2's event types (invoices, credit notes, claims, conversations, payments) for the schema test.
extension EventSchemaTests {
    static let week = try! Week.parse("2026-11-16")
    static let line = ChargeLine(
        cpliID: "cpli-1", clientReference: "C1001", clientName: "Ann Example", period: PeriodNumber(9), unit: .hours,
        rate: Rate(pence: 1850), weeks: [WeekQuantity(week: week, quantity: Fixture.q("10.5"), overException: true)],
        quantity: Fixture.q("10.5"), amount: Money(pence: 19425))
    static let creditLine = ChargeLine(
        cpliID: "cpli-1", clientReference: "C1001", clientName: "Ann Example", period: PeriodNumber(9), unit: .hours,
        rate: Rate(pence: 1850), weeks: [WeekQuantity(week: week, quantity: Fixture.q("-1.5"))],
        quantity: Fixture.q("-1.5"), amount: Money(pence: -2775))
    static let claimLine = ChargeLine(
        cpliID: "cpli-1", clientReference: "C1001", clientName: "Ann Example", period: PeriodNumber(9), unit: .hours,
        rate: Rate(pence: 1850), weeks: [], quantity: Fixture.q("6"), amount: Money(pence: 11100), claimID: "claim-1")
    static let claimItem = OneOffClaimItem(
        cpliID: "cpli-1", clientReference: "C1001", clientName: "Ann Example", absenceFrom: Fixture.date("2026-11-17"),
        absenceTo: Fixture.date("2026-11-21"), days: 5, precedingStay: .hospital, hours: Fixture.q("6"), rate: Rate(pence: 1850),
        amount: Money(pence: 11100), authoriser: "Pat Locality")
    static let attachment = MessageAttachment(sha256: String(repeating: "0f", count: 32), fileName: "care plan.pdf", size: 52_311, mediaType: "application/pdf")
    static let remittance = RemittanceAdvice(
        paymentRunID: "run-1", paymentReference: "BACS-1218/oasis", paymentDate: Fixture.date("2026-12-18"), organisationID: "oasis",
        organisationName: "Oasis Care and Support",
        lines: [RemittanceLine(documentKind: .invoice, documentID: "inv-9", documentReference: "INV001", clientReference: "C1001",
                               clientName: "Ann Example", cpliID: "cpli-1", period: PeriodNumber(9), amount: Money(pence: 19425))])

    static let paymentDocumentSamples: [any EventPayload] = [
        InvoiceCreated(invoiceID: "inv-9", organisationID: "oasis", contractID: "k-1", serviceID: "s-1", period: PeriodNumber(9),
                       reference: "INV001", invoiceDate: Fixture.date("2026-12-14"), lines: [line], total: line.amount, actualsVersion: 3),
        ContractInvoiceCreated(invoiceID: "inv-k", organisationID: "oasis", contractID: "k-1", reference: "CLAIMS-9",
                               invoiceDate: Fixture.date("2026-12-14"), claimIDs: ["claim-1"], lines: [claimLine], total: claimLine.amount),
        SupplementaryInvoiceRaised(invoiceID: "inv-9s", organisationID: "oasis", contractID: "k-1", serviceID: "s-1", period: PeriodNumber(9),
                                   reference: "INV001-S", invoiceDate: Fixture.date("2027-01-04"), supplementsInvoiceID: "inv-9",
                                   lines: [line], total: line.amount, actualsVersion: 4),
        InvoiceLineRemoved(invoiceID: "inv-9", cpliID: "cpli-2", amount: Money(pence: 5550), total: Money(pence: 19425)),
        InvoiceSubmitted(invoiceID: "inv-9", date: Fixture.date("2026-12-14")),
        InvoiceHeld(invoiceID: "inv-9", reason: "hours disputed for C1001", date: Fixture.date("2026-12-15")),
        InvoiceReleased(invoiceID: "inv-9", date: Fixture.date("2026-12-16")),
        InvoiceApproved(invoiceID: "inv-9", date: Fixture.date("2026-12-16")),
        InvoiceReturned(invoiceID: "inv-9", reason: "week 2026-11-23 is wrong", date: Fixture.date("2026-12-16")),
        InvoiceCorrected(invoiceID: "inv-9", lines: [line], total: line.amount, actualsVersion: 5),
        InvoiceResubmitted(invoiceID: "inv-9", date: Fixture.date("2026-12-17")),
        InvoicePaid(invoiceID: "inv-9", paymentRunID: "run-1", paymentDate: Fixture.date("2026-12-18")),
        PaidInvoiceAdjusted(invoiceID: "inv-9", kind: .creditNote, documentID: "cn-1", lines: [creditLine], total: creditLine.amount),
        InvoiceReferenceReserved(organisationID: "oasis", reference: "INV001", kind: .invoice, documentID: "inv-9"),
        CreditNoteRaised(creditNoteID: "cn-1", organisationID: "oasis", contractID: "k-1", serviceID: "s-1", period: PeriodNumber(9),
                         reference: "CN001", creditNoteDate: Fixture.date("2027-01-04"), againstInvoiceID: "inv-9",
                         lines: [creditLine], total: creditLine.amount),
        CreditNoteSettled(creditNoteID: "cn-1", paymentRunID: "run-2", paymentDate: Fixture.date("2027-01-15")),
        OneOffClaimCreated(claimID: "claim-1", organisationID: "oasis", contractID: "k-1", dateOfClaim: Fixture.date("2026-12-13"),
                           period: PeriodNumber(9), notes: "hospital stay", items: [claimItem], total: claimItem.amount),
        OneOffClaimSubmitted(claimID: "claim-1", date: Fixture.date("2026-12-13")),
        OneOffClaimWithdrawn(claimID: "claim-1", date: Fixture.date("2026-12-13")),
        OneOffClaimApproved(claimID: "claim-1", date: Fixture.date("2026-12-14")),
        OneOffClaimRejected(claimID: "claim-1", reason: "no hospital admission on record", date: Fixture.date("2026-12-14")),
        OneOffClaimInvoiced(claimID: "claim-1", invoiceID: "inv-k"),
        ConversationStarted(conversationID: "conv-1", organisationID: "oasis", type: .query, relatedTo: .client, entityID: "C1001",
                            team: .serviceBrokerage, subject: "Temporary CPLI needed", startedBy: .provider("oasis")),
        ConversationMessagePosted(conversationID: "conv-1", messageNumber: 2, from: .team(.serviceBrokerage), body: "Arranged.",
                                  attachments: [attachment]),
        ConversationReassigned(conversationID: "conv-1", fromTeam: .zInformationMessaging, toTeam: .serviceBrokerage, reason: "R-CNV-2"),
        ConversationClosed(conversationID: "conv-1", by: .team(.serviceBrokerage)),
        ScheduledPaymentCalculated(contractID: "k-1", organisationID: "oasis", period: PeriodNumber(9), dueDate: Fixture.date("2026-11-30"),
                                   arrearsWeeks: [week, week.adding(weeks: 1)], advanceWeeks: [week.adding(weeks: 2), week.adding(weeks: 3)],
                                   lines: [line], total: line.amount),
        ScheduledPaymentPaid(contractID: "k-1", period: PeriodNumber(9), paymentRunID: "run-1", paymentDate: Fixture.date("2026-12-18")),
        ScheduledPaymentConfirmed(contractID: "k-1", organisationID: "oasis", period: PeriodNumber(9), total: line.amount),
        ScheduledPaymentQueried(contractID: "k-1", organisationID: "oasis", period: PeriodNumber(9), total: line.amount,
                                reason: "Ann's visits from 16 November are missing"),
        RemittanceIssued(remittance, csvSHA256: String(repeating: "ab", count: 32)),
        PaymentRunCompleted(paymentRunID: "run-1", paymentDate: Fixture.date("2026-12-18"), reference: "BACS-1218", organisationIDs: ["oasis"],
                            invoiceIDs: ["inv-9"], scheduledPayments: [ScheduledPaymentKey(contractID: "k-2", period: PeriodNumber(9))],
                            creditNoteIDs: ["cn-1"], total: Money(pence: 19425)),
    ]
}

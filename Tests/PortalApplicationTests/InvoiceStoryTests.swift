import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import Testing

/// A whole period per policy profile, on a real log: the service `oasis-hs` (spot-old-block) has three clients
/// in period 9 (2026-11-16 to 2026-12-13):
/// - Ann, `ann-1`: 10.5 hours a week at £18.50; one visit of 45 minutes on 2026-11-18 cancelled with 2 hours'
///   notice — an aborted visit, claimable 30 minutes under spot-old-block (R-ABT-1);
/// - Bob, `bob-1`: 7 hours a week at £16.4275; in hospital in week 3 (Actual 0);
/// - Carl, `carl-1`: 7 hours a week at £20.00, ending Wednesday 2026-11-25, so week 2 is pro-rata 7 × 3/7 = 3
///   hours; 4 hours were delivered (over 1.2 × 3 = 3.6: the over-20% exception), handled by a temporary CPLI
///   `carl-1t` of 1 hour for that week.
@Suite("Application: invoice stories")
struct InvoiceStoryTests {
    typealias T = TestPortal

    struct Story {
        var policy: PolicyProfile
        var annWeek1: ActualEntry
        var bobWeek3: ActualEntry
        var carlOver: ActualEntry
        var carlBack: ActualEntry
        var period10Edit: ActualEntry
        /// `<kind> <reference> <cpli> <amount>` of each remittance line, worked out by hand.
        var remittance: [String]
        var total: Money
    }

    static let visit = AbortedVisit(date: T.date("2026-11-18"), length: T.q("0.75"), noticeHours: T.q("2"), time: .day, cause: .cancelled)
    static let week1 = try! Week.parse("2026-11-16")
    static let week2 = try! Week.parse("2026-11-23")
    static let week3 = try! Week.parse("2026-11-30")
    static let period10Week1 = try! Week.parse("2026-12-14")

    func run(_ story: Story) async throws {
        let test = try await T.make(policy: story.policy)
        let provider = test.request(test.superUser)
        try await test.publishCPLI("ann-1", client: "C-ann", planned: "10.5", rate: "18.50")
        try await test.publishCPLI("bob-1", client: "C-bob", planned: "7", rate: "16.4275")
        try await test.publishCPLI("carl-1", client: "C-carl", planned: "7", rate: "20", end: "2026-11-25")
        test.today("2026-12-14")
        for entry in [story.annWeek1, story.bobWeek3, story.carlOver] {
            _ = try await test.portal.recordActual(test.period9, entry, provider)
        }
        let annWeek1 = try #require(test.portal.actualLines(test.period9, for: test.superUser).first { $0.cpliID == "ann-1" && $0.week == Self.week1 })
        #expect(annWeek1.frustrated == T.q("0.5"), "R-ABT-1: a 45-minute visit pays 30 minutes")

        // The wizard: the over-20% line refuses submission, naming it (R-INV-2).
        _ = try await test.createInvoice()
        let head = try test.head()
        let refused = await #expect(throws: DomainError.self) { try await test.portal.submitInvoice("inv-p9", provider) }
        #expect(refused?.rule == "R-INV-2")
        #expect(refused?.message.contains("CPLI carl-1 (client C-carl, week 2026-11-23)") == true)
        #expect(try test.head() == head)

        // R-INV-5: brokerage commissions a temporary CPLI; the provider agrees it and reduces the original back to Planned.
        try await test.publishCPLI("carl-1t", client: "C-carl", planned: "1", rate: "20", start: "2026-11-23", end: "2026-11-29", temporaryOf: "carl-1")
        _ = try await test.portal.recordActual(test.period9, story.carlBack, provider)
        let stale = await #expect(throws: DomainError.self) { try await test.portal.submitInvoice("inv-p9", provider) }
        #expect(stale?.field == "actuals")
        _ = try await test.portal.correctInvoice("inv-p9", selection: .allExcept([]), provider)
        let submitted = try await test.portal.submitInvoice("inv-p9", provider)
        let submission = try test.events(at: submitted.positions)
        #expect(submission.map(\.type) == ["InvoiceSubmitted", "PeriodLocked"], "R-PER-3: the lock is in the same append")
        #expect(Set(submission.map(\.correlationID)).count == 1)

        // The next period is closed until the Payments Team acts; a hold opens it.
        let period10 = Actuals.Key(serviceID: test.service, period: PeriodNumber(10))
        let closed = await #expect(throws: DomainError.self) { try await test.portal.recordActual(period10, story.period10Edit, provider) }
        #expect(closed?.rule == "R-PER-3")
        let held = try await test.portal.holdInvoice("inv-p9", reason: "query on Carl's hours in week 2026-11-23", test.request(test.payments))
        #expect(try test.events(at: held.positions).map(\.type) == ["InvoiceHeld", "NextPeriodOpened"])
        let edited = try await test.portal.recordActual(period10, story.period10Edit, provider)
        #expect(edited.eventCount == 1)
        _ = try await test.portal.releaseInvoice("inv-p9", test.request(test.payments))
        _ = try await test.portal.approveInvoice("inv-p9", test.request(test.payments))

        // The payment run on 2026-12-18.
        test.today("2026-12-16")
        let plan = try await test.portal.runPayment(
            PaymentRunRequest(paymentRunID: "run-1218", paymentDate: T.date("2026-12-18"), reference: "BACS-1218"), test.request(test.payments))
        #expect(plan.value?.invoiceIDs == ["inv-p9"])
        let advice = try test.portal.remittance(of: "run-1218", for: test.organisation, actor: test.superUser)
        #expect(T.summary(advice) == story.remittance)
        #expect(advice.total == story.total)
        #expect(advice.paymentReference == "BACS-1218/oasis")
        #expect(advice.paymentDate == T.date("2026-12-18"))
        let csv = try test.portal.remittanceCSV(of: "run-1218", for: test.organisation, actor: test.superUser)
        #expect(csv == Data(advice.csv.utf8))
        #expect(String(decoding: csv, as: UTF8.self).hasSuffix(",total,,,,,,,\(story.total)\n"))

        // The invoice's own stream is its history; the periods stream holds the lock steps.
        #expect(try test.types(of: "invoice-inv-p9") == [
            "InvoiceCreated", "InvoiceCorrected", "InvoiceSubmitted", "InvoiceHeld", "InvoiceReleased", "InvoiceApproved", "InvoicePaid",
        ])
        #expect(try test.types(of: "periods-oasis-hs") == ["PeriodLocked", "NextPeriodOpened"])
        #expect(try test.portal.invoice("inv-p9", for: test.superUser).status == .paid)
    }

    @Test("story under norfolk: ISO agreed → actuals with an aborted visit and an over-20% line → temporary CPLI → submitted, held, next period edited, released, approved → paid; remittance to the penny")
    func norfolk() async throws {
        // ann-1: 10 + 0.5 frustrated + 3 × 10.5 = 42 h × £18.50 = £777.00.
        // bob-1: 7 + 7 + 0 + 7 = 21 h × £16.4275 = £344.9775 → £344.98.
        // carl-1: 7 + 3 = 10 h × £20.00 = £200.00; carl-1t: 1 h × £20.00 = £20.00. Total £1,341.98.
        try await run(Story(
            policy: .norfolk,
            annWeek1: ActualEntry(cpliID: "ann-1", week: Self.week1, actual: T.q("10"), comment: "Aborted visit 18/11/2026", abortedVisits: [Self.visit]),
            bobWeek3: ActualEntry(cpliID: "bob-1", week: Self.week3, actual: .zero, comment: "In hospital from 30/11/2026"),
            carlOver: ActualEntry(cpliID: "carl-1", week: Self.week2, actual: T.q("4"), comment: "Waiting for ambulance"),
            carlBack: ActualEntry(cpliID: "carl-1", week: Self.week2, actual: T.q("3"), comment: "Extra hour on the temporary CPLI"),
            period10Edit: ActualEntry(cpliID: "bob-1", week: Self.period10Week1, actual: T.q("6"), comment: "One visit missed"),
            remittance: ["invoice INV-P9 ann-1 777.00", "invoice INV-P9 bob-1 344.98", "invoice INV-P9 carl-1 200.00", "invoice INV-P9 carl-1t 20.00"],
            total: T.pounds("1341.98")))
    }

    @Test("story under lancashire: lines balance to Planned, variances carry reasons, Extra is paid; remittance to the penny")
    func lancashire() async throws {
        // ann-1: week 1 is Actual 10 + Frustrated 0.5 + Missed 0 = Planned 10.5, with 1 hour of notice in Extra:
        //   paid 11.5; + 3 × 10.5 = 43 h × £18.50 = £795.50.
        // bob-1: week 3 is Actual 0 + Missed 7: 21 h × £16.4275 = £344.98.
        // carl-1: £200.00 (week 2 is pro-rata, so it need not balance); carl-1t £20.00. Total £1,360.48.
        try await run(Story(
            policy: .lancashire,
            annWeek1: ActualEntry(cpliID: "ann-1", week: Self.week1, actual: T.q("10"), extra: T.q("1"),
                                  comment: "Aborted visit 18/11/2026 / Notice: 1hr(s)|INV-L9", abortedVisits: [Self.visit]),
            bobWeek3: ActualEntry(cpliID: "bob-1", week: Self.week3, actual: .zero, missed: T.q("7"), comment: "In hospital from 30/11/2026"),
            carlOver: ActualEntry(cpliID: "carl-1", week: Self.week2, actual: T.q("4"), comment: "Waiting for ambulance: 1hr(s)"),
            carlBack: ActualEntry(cpliID: "carl-1", week: Self.week2, actual: T.q("3"), comment: "Extra hour on the temporary CPLI"),
            period10Edit: ActualEntry(cpliID: "bob-1", week: Self.period10Week1, actual: T.q("6"), missed: T.q("1"), comment: "One visit missed"),
            remittance: ["invoice INV-P9 ann-1 795.50", "invoice INV-P9 bob-1 344.98", "invoice INV-P9 carl-1 200.00", "invoice INV-P9 carl-1t 20.00"],
            total: T.pounds("1360.48")))
    }

    @Test("an auditor replays an invoice's story from its stream: submitted, held, released, returned, corrected, resubmitted, approved, paid — each by whom")
    func auditTrail() async throws {
        let test = try await T.make()
        let provider = test.request(test.superUser)
        let payments = test.request(test.payments)
        try await test.cpli("cpli-1")
        test.today("2026-12-14")
        _ = try await test.createInvoice()
        _ = try await test.portal.submitInvoice("inv-p9", provider)
        _ = try await test.portal.holdInvoice("inv-p9", reason: "week 2 queried", payments)
        _ = try await test.portal.releaseInvoice("inv-p9", payments)
        _ = try await test.portal.returnInvoice("inv-p9", reason: "week 2 should be 9 hours", payments)
        _ = try await test.portal.recordActual(test.period9, ActualEntry(cpliID: "cpli-1", week: Self.week2, actual: T.q("9"), comment: "corrected"), provider)
        _ = try await test.portal.correctInvoice("inv-p9", provider)
        _ = try await test.portal.submitInvoice("inv-p9", provider)
        _ = try await test.portal.approveInvoice("inv-p9", payments)
        _ = try await test.portal.runPayment(PaymentRunRequest(paymentRunID: "run-1", paymentDate: T.date("2026-12-14"), reference: "BACS-1214"), payments)

        let stream = try test.log.readStream("invoice-inv-p9")
        #expect(stream.map(\.type) == [
            "InvoiceCreated", "InvoiceSubmitted", "InvoiceHeld", "InvoiceReleased", "InvoiceReturned", "InvoiceCorrected",
            "InvoiceResubmitted", "InvoiceApproved", "InvoicePaid",
        ])
        #expect(stream.map(\.actor.actingAs) == [
            "super-user-actuals@oasis", "super-user-actuals@oasis", "team:payments", "team:payments", "team:payments",
            "super-user-actuals@oasis", "super-user-actuals@oasis", "team:payments", "team:payments",
        ])
        #expect(try test.types(of: "periods-oasis-hs") == ["PeriodLocked", "NextPeriodOpened", "PeriodReopened", "PeriodLocked", "NextPeriodOpened"])
        // The auditor folds the same story and reads the result, but may change nothing.
        let auditor = try await test.auditor()
        let folded = Invoice.fold(try stream.map { try EventRegistry.decode(InvoiceEvent.self, type: $0.type, schemaVersion: $0.schemaVersion, payload: $0.payload) })
        let read = try test.portal.invoice("inv-p9", for: auditor)
        #expect(folded == read)
        // 10.5 + 9 + 10.5 + 10.5 = 40.5 h × £18.50 = £749.25.
        #expect(read.total == T.pounds("749.25"))
        #expect(read.returnReason == "week 2 should be 9 hours")
        let head = try test.head()
        let refused = await #expect(throws: AccessRefused.self) { try await test.portal.holdInvoice("inv-p9", reason: "x", test.request(auditor)) }
        #expect(refused?.rule == "R-ROLE-3")
        #expect(try test.head() == head)
    }
}

import Chronology
import Crypto
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import Testing
@testable import PortalProjections

extension ReadModelFixture {
    static func q(_ text: String) -> Quantity { PortalHistory.q(text) }
    static func date(_ text: String) -> BusinessDate { PortalHistory.date(text) }
    static func pounds(_ text: String) -> Money { try! Money.parse(text, field: "test") }
    static func sha256(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    /// Sets the clock to 10:00 UTC on `date`.
    func today(_ date: String) { clock.set(PortalHistory.date(date)) }

    /// Publishes and agrees an ISO with one CPLI of `service` (oasis-hs unless told).
    @discardableResult
    func publish(_ id: CPLIID, client: String, planned: String, rate: String, start: String = "2026-01-05", end: String? = nil,
                 temporaryOf: CPLIID? = nil, service: ServiceID? = nil) async throws -> CPLIDefinition {
        let service = service ?? oasisService
        let iso = ISOID("iso-\(id.rawValue)")
        let definition = CPLIDefinition(
            cpliID: id, isoID: iso, organisationID: oasis, serviceID: service, clientReference: client, clientName: "Client \(client)",
            serviceType: .homeSupportContractRate, unit: .hours, plannedPerWeek: Self.q(planned), rate: try Rate.parse(rate, field: "rate"),
            startDate: Self.date(start), endDate: end.map(Self.date), temporaryOf: temporaryOf)
        _ = try await portal.publishISO(ISOPublished(
            isoID: iso, organisationID: oasis, serviceID: service, clientReference: client, clientName: definition.clientName, cpliIDs: [id]),
            cplis: [definition], request(history.brokerage))
        _ = try await portal.agreeISO(iso, request(oasisUser))
        return definition
    }

    /// Registers a contract of oasis and one service under it, starting 2026-11-16.
    func registerService(_ service: ServiceID, contract: ContractID, type: ContractType, basis: PaymentBasis,
                         of organisation: OrganisationID? = nil) async throws {
        let organisation = organisation ?? oasis
        _ = try await portal.registerContract(ContractRegistered(
            contractID: contract, organisationID: organisation, name: "Contract \(contract)", contractType: type, paymentBasis: basis,
            startDate: Self.date("2026-01-05")), request(history.procurement))
        _ = try await portal.registerService(ServiceRegistered(
            serviceID: service, organisationID: organisation, contractID: contract, details: history.details("\(service)"),
            startDate: Self.date("2026-11-16")), request(history.procurement))
    }

    var period9: Actuals.Key { Actuals.Key(serviceID: oasisService, period: PeriodNumber(9)) }

    /// `<kind> <reference> <cpli> <amount>` of each remittance line.
    static func summary(_ advice: RemittanceAdvice) -> [String] {
        advice.lines.map { "\($0.documentKind) \($0.documentReference) \($0.cpliID) \($0.amount)" }
    }
}

@Suite("Read models of part 2: the application's stories seen through them")
struct PaymentReadModelTests {
    typealias F = ReadModelFixture
    static let week1 = try! Week.parse("2026-11-16")
    static let week2 = try! Week.parse("2026-11-23")
    static let week3 = try! Week.parse("2026-11-30")

    static let period10Week1 = try! Week.parse("2026-12-14")
    static let visit = AbortedVisit(date: F.date("2026-11-18"), length: F.q("0.75"), noticeHours: F.q("2"), time: .day, cause: .cancelled)

    /// The application's invoice story (InvoiceStoryTests) under one policy, with the amounts worked out by hand.
    struct Story {
        var policy: PolicyProfile
        var annWeek1: ActualEntry
        var bobWeek3: ActualEntry
        var carlOver: ActualEntry
        var carlBack: ActualEntry
        /// Bob's first week of period 10, recorded once the hold has opened that period.
        var period10Edit: ActualEntry
        var amounts: [Money]
        var total: Money
        /// The total as the printable remittance writes it.
        var printedTotal: String
    }

    /// ISO agreed → actuals with an aborted visit and an over-20% line → temporary CPLI → submitted (locked),
    /// held (next period opens and is edited), released, approved → paid; seen through the read models.
    func run(_ story: Story) async throws {
        let f = try await F(policy: story.policy)
        let provider = f.request(f.oasisUser)
        let payments = f.request(f.payments)
        let scope = ReadScope(f.oasisUser)
        let invoices = f.readModels.invoices
        let locks = f.readModels.periodLocks
        let calendar = f.readModels.actualsCalendar
        try await f.publish("ann-1", client: "C-ann", planned: "10.5", rate: "18.50")
        try await f.publish("bob-1", client: "C-bob", planned: "7", rate: "16.4275")
        try await f.publish("carl-1", client: "C-carl", planned: "7", rate: "20", end: "2026-11-25")
        f.today("2026-12-14")
        for entry in [story.annWeek1, story.bobWeek3, story.carlOver] {
            _ = try await f.portal.recordActual(f.period9, entry, provider)
        }
        _ = try await f.portal.createInvoice(InvoiceDraft(invoiceID: "inv-p9", serviceID: f.oasisService, period: PeriodNumber(9), reference: "INV-P9",
                                                          invoiceDate: F.date("2026-12-14")), provider)
        try await f.sync()
        var invoice = try #require(try invoices.invoice("inv-p9", scope))
        #expect(invoice.status == .unsubmitted)
        #expect(invoice.invoice.lines.map(\.cpliID) == ["ann-1", "bob-1", "carl-1"])
        #expect(invoice.invoice.lines.first { $0.cpliID == "carl-1" }?.isOverException == true)
        #expect(try invoices.paymentsQueue(.council).isEmpty)
        let annWeek = try calendar.week(f.oasisService, Self.week1, policy: story.policy, calendar: PortalHistory.calendar, scope)
        #expect(annWeek?.lines.first { $0.cpliID == "ann-1" }?.values.frustrated == F.q("0.5"), "R-ABT-1: 30 minutes of the 45")

        // The temporary CPLI takes Carl's extra hour; the invoice is corrected and submitted: the period locks.
        try await f.publish("carl-1t", client: "C-carl", planned: "1", rate: "20", start: "2026-11-23", end: "2026-11-29", temporaryOf: "carl-1")
        _ = try await f.portal.recordActual(f.period9, story.carlBack, provider)
        _ = try await f.portal.correctInvoice("inv-p9", selection: .allExcept([]), provider)
        _ = try await f.portal.submitInvoice("inv-p9", provider)
        try await f.sync()
        invoice = try #require(try invoices.invoice("inv-p9", scope))
        #expect(invoice.status == .submitted)
        #expect(invoice.invoice.lines.map(\.cpliID) == ["ann-1", "bob-1", "carl-1", "carl-1t"])
        #expect(invoice.invoice.lines.map(\.amount) == story.amounts)
        #expect(invoice.invoice.total == story.total)
        #expect(try invoices.paymentsQueue(.council).map(\.invoiceID) == ["inv-p9"])
        #expect(try invoices.paymentsQueue(scope).isEmpty, "the queue is the council's")
        var lock = try #require(try locks.lock(f.oasisService, PeriodNumber(9), scope))
        #expect(lock.status == .locked && lock.invoiceID == "inv-p9" && lock.nextPeriodOpenedBecause == nil)
        #expect(lock.history.last?.step.actingAs == "super-user-actuals@oasis")
        #expect(try locks.openPeriod(f.oasisService, today: F.date("2026-12-14"), calendar: PortalHistory.calendar, scope) == nil)
        let week = try calendar.week(f.oasisService, Self.week1, policy: story.policy, calendar: PortalHistory.calendar, scope)
        #expect(week?.lockedByInvoice == "inv-p9")
        let closed = await #expect(throws: DomainError.self) { try await f.portal.recordActual(Self.period10(f), story.period10Edit, provider) }
        #expect(closed?.rule == "R-PER-3", "period 10 is closed until the Payments Team acts")

        // Held: still queued, the next period opens and is edited; the edit is on the actuals calendar.
        _ = try await f.portal.holdInvoice("inv-p9", reason: "query on Carl's hours in week 2026-11-23", payments)
        try await f.sync()
        invoice = try #require(try invoices.invoice("inv-p9", scope))
        #expect(invoice.status == .onHold && invoice.invoice.holdReason == "query on Carl's hours in week 2026-11-23")
        #expect(try invoices.paymentsQueue(.council).map(\.invoiceID) == ["inv-p9"])
        lock = try #require(try locks.lock(f.oasisService, PeriodNumber(9), scope))
        #expect(lock.nextPeriodOpenedBecause == .held)
        #expect(try locks.openPeriod(f.oasisService, today: F.date("2026-12-14"), calendar: PortalHistory.calendar, scope) == PeriodNumber(10))
        let edited = try await f.portal.recordActual(Self.period10(f), story.period10Edit, provider)
        #expect(edited.eventCount == 1)
        try await f.sync()
        let period10 = try #require(try calendar.week(f.oasisService, Self.period10Week1, policy: story.policy, calendar: PortalHistory.calendar, scope))
        #expect(period10.period == PeriodNumber(10))
        #expect(period10.lockedByInvoice == nil)
        let bob = try #require(period10.lines.first { $0.cpliID == "bob-1" })
        #expect(bob.values.actual == story.period10Edit.actual)
        #expect(bob.values.missed == story.period10Edit.missed)
        #expect(bob.values.comment == story.period10Edit.comment)
        #expect(bob.recorded?.actingAs == "super-user-actuals@oasis")
        #expect(!bob.flags.locked)
        #expect(period10.lines.first { $0.cpliID == "ann-1" }?.recorded == nil, "Ann's week is still the generated line")
        #expect(try calendar.week(f.oasisService, Self.period10Week1, policy: story.policy, calendar: PortalHistory.calendar, ReadScope(f.sunriseUser)) == nil)

        _ = try await f.portal.releaseInvoice("inv-p9", payments)
        _ = try await f.portal.approveInvoice("inv-p9", payments)
        try await f.sync()
        #expect(try invoices.invoice("inv-p9", scope)?.status == .approved)
        #expect(try invoices.paymentsQueue(.council).isEmpty)
        #expect(try invoices.approvedInvoiceIDs() == ["inv-p9"])

        // Paid by the run of 2026-12-18.
        f.today("2026-12-16")
        _ = try await f.portal.runPayment(PaymentRunRequest(paymentRunID: "run-1218", paymentDate: F.date("2026-12-18"), reference: "BACS-1218"), payments)
        try await f.sync()
        invoice = try #require(try invoices.invoice("inv-p9", scope))
        #expect(invoice.status == .paid && invoice.invoice.payment?.paymentRunID == "run-1218")
        #expect(invoice.history.map(\.step.event) == [
            "InvoiceCreated", "InvoiceCorrected", "InvoiceSubmitted", "InvoiceHeld", "InvoiceReleased", "InvoiceApproved", "InvoicePaid",
        ])
        #expect(invoice.history.map(\.step.actingAs) == [
            "super-user-actuals@oasis", "super-user-actuals@oasis", "super-user-actuals@oasis", "team:payments", "team:payments",
            "team:payments", "team:payments",
        ])
        #expect(invoice.lastStep("InvoiceHeld")?.reason == "query on Carl's hours in week 2026-11-23")
        #expect(try invoices.invoices(status: .paid, scope).map(\.invoiceID) == ["inv-p9"])
        #expect(try invoices.invoices(service: f.oasisService, period: PeriodNumber(9), .council).map(\.invoiceID) == ["inv-p9"])
        #expect(try invoices.invoice("inv-p9", ReadScope(f.sunriseUser)) == nil)

        let remittance = try #require(try f.readModels.remittances.remittance(run: "run-1218", organisation: f.oasis, scope))
        #expect(F.summary(remittance.advice) == zip(["ann-1", "bob-1", "carl-1", "carl-1t"], story.amounts).map { "invoice INV-P9 \($0) \($1)" })
        #expect(remittance.advice.total == story.total)
        #expect(remittance.advice.paymentReference == "BACS-1218/oasis")
        #expect(remittance.issued.actingAs == "team:payments")
        let csv = try #require(try f.readModels.remittances.csv(run: "run-1218", organisation: f.oasis, scope))
        #expect(String(decoding: csv, as: UTF8.self).hasSuffix(",total,,,,,,,\(story.total)\n"))
        #expect(F.sha256(csv) == remittance.recordedCSVSHA256, "the stored CSV is the one whose SHA-256 the run recorded")
        #expect(csv == Array(try f.portal.remittanceCSV(of: "run-1218", for: f.oasis, actor: f.oasisUser)))
        let text = String(decoding: try #require(try f.readModels.remittances.text(run: "run-1218", organisation: f.oasis, scope)), as: UTF8.self)
        #expect(text.contains("Payment reference: BACS-1218/oasis") && text.contains(story.printedTotal))
        #expect(try f.readModels.remittances.csv(run: "run-1218", organisation: f.oasis, ReadScope(f.sunriseUser)) == nil)
        #expect(try f.readModels.remittances.run("run-1218", .council)?.run.total == story.total)

        // R-PAY-3: after a full rebuild the CSV of the run has the same SHA-256 as its first rendering.
        let digests = try f.readModels.engine.digests()
        try await f.readModels.engine.rebuild(following: false)
        let again = try #require(try f.readModels.remittances.csv(run: "run-1218", organisation: f.oasis, scope))
        #expect(F.sha256(again) == F.sha256(csv))
        #expect(try f.readModels.engine.digests() == digests)
    }

    static func period10(_ f: F) -> Actuals.Key { Actuals.Key(serviceID: f.oasisService, period: PeriodNumber(10)) }

    @Test("R-INV, R-PER-3, R-PAY-2/3: the norfolk story — statuses, the Payments queue, locks closing and opening, the next period edited on the calendar, the remittance to the penny and its CSV bytes after a rebuild")
    func norfolkStory() async throws {
        // ann-1: 10 + 0.5 frustrated + 3 × 10.5 = 42 h × £18.50 = £777.00; bob-1: 21 h × £16.4275 = £344.98;
        // carl-1: 7 + 3 = 10 h × £20 = £200.00; carl-1t: 1 h × £20 = £20.00. Total £1,341.98.
        try await run(Story(
            policy: .norfolk,
            annWeek1: ActualEntry(cpliID: "ann-1", week: Self.week1, actual: F.q("10"), comment: "Aborted visit 18/11/2026", abortedVisits: [Self.visit]),
            bobWeek3: ActualEntry(cpliID: "bob-1", week: Self.week3, actual: .zero, comment: "In hospital from 30/11/2026"),
            carlOver: ActualEntry(cpliID: "carl-1", week: Self.week2, actual: F.q("4"), comment: "Waiting for ambulance"),
            carlBack: ActualEntry(cpliID: "carl-1", week: Self.week2, actual: F.q("3"), comment: "Extra hour on the temporary CPLI"),
            period10Edit: ActualEntry(cpliID: "bob-1", week: Self.period10Week1, actual: F.q("6"), comment: "One visit missed"),
            amounts: [F.pounds("777.00"), F.pounds("344.98"), F.pounds("200.00"), F.pounds("20.00")],
            total: F.pounds("1341.98"), printedTotal: "1,341.98"))
    }

    @Test("R-INV, R-PER-3, R-PAY-2/3, R-ACT-7: the lancashire story — lines balance to Planned, Extra is paid; the same steps through the read models, to the penny")
    func lancashireStory() async throws {
        // ann-1: week 1 is Actual 10 + Frustrated 0.5 = Planned 10.5, with 1 hour of notice in Extra: paid 11.5;
        //   + 3 × 10.5 = 43 h × £18.50 = £795.50.
        // bob-1: week 3 is Actual 0 + Missed 7: 21 h × £16.4275 = £344.98.
        // carl-1: £200.00 (week 2 is pro-rata, so it need not balance); carl-1t £20.00. Total £1,360.48.
        try await run(Story(
            policy: .lancashire,
            annWeek1: ActualEntry(cpliID: "ann-1", week: Self.week1, actual: F.q("10"), extra: F.q("1"),
                                  comment: "Aborted visit 18/11/2026 / Notice: 1hr(s)|INV-L9", abortedVisits: [Self.visit]),
            bobWeek3: ActualEntry(cpliID: "bob-1", week: Self.week3, actual: .zero, missed: F.q("7"), comment: "In hospital from 30/11/2026"),
            carlOver: ActualEntry(cpliID: "carl-1", week: Self.week2, actual: F.q("4"), comment: "Waiting for ambulance: 1hr(s)"),
            carlBack: ActualEntry(cpliID: "carl-1", week: Self.week2, actual: F.q("3"), comment: "Extra hour on the temporary CPLI"),
            period10Edit: ActualEntry(cpliID: "bob-1", week: Self.period10Week1, actual: F.q("6"), missed: F.q("1"), comment: "One visit missed"),
            amounts: [F.pounds("795.50"), F.pounds("344.98"), F.pounds("200.00"), F.pounds("20.00")],
            total: F.pounds("1360.48"), printedTotal: "1,360.48"))
    }

    @Test("R-INV-3: the Payments queue lists submitted and held invoices oldest submission first; holding and releasing the oldest keeps its place")
    func paymentsQueueOrder() async throws {
        let f = try await F()
        let provider = f.request(f.oasisUser)
        let payments = f.request(f.payments)
        let services: [ServiceID] = ["oasis-a", "oasis-b", "oasis-c"]
        for (index, service) in services.enumerated() {
            try await f.registerService(service, contract: ContractID("k-\(service.rawValue)"), type: .spotOldBlock, basis: .invoiced)
            try await f.publish(CPLIID("cpli-\(service.rawValue)"), client: "C-\(index)", planned: "7", rate: "18.50", service: service)
        }
        // Created a, b, c; submitted b first, then c, then a, each an hour apart.
        f.today("2026-12-14")
        for service in services {
            _ = try await f.portal.createInvoice(InvoiceDraft(invoiceID: InvoiceID("inv-\(service.rawValue)"), serviceID: service, period: PeriodNumber(9),
                                                              reference: "REF-\(service.rawValue)", invoiceDate: F.date("2026-12-14")), provider)
        }
        for (hour, id) in [(11, "inv-oasis-b"), (12, "inv-oasis-c"), (13, "inv-oasis-a")] {
            f.clock.set(F.date("2026-12-14"), hour: hour)
            _ = try await f.portal.submitInvoice(InvoiceID(id), provider)
        }
        try await f.sync()
        let queue = f.readModels.invoices
        #expect(try queue.paymentsQueue(.council).map(\.invoiceID) == ["inv-oasis-b", "inv-oasis-c", "inv-oasis-a"])
        #expect(try queue.paymentsQueue(.council, limit: 2).map(\.invoiceID) == ["inv-oasis-b", "inv-oasis-c"])

        // The oldest is held, then released: it keeps its place; approving it takes it off the queue.
        f.clock.set(F.date("2026-12-15"), hour: 9)
        _ = try await f.portal.holdInvoice("inv-oasis-b", reason: "query on week 1", payments)
        try await f.sync()
        #expect(try queue.paymentsQueue(.council).map(\.invoiceID) == ["inv-oasis-b", "inv-oasis-c", "inv-oasis-a"])
        #expect(try queue.paymentsQueue(.council).map(\.status) == [.onHold, .submitted, .submitted])
        f.clock.set(F.date("2026-12-15"), hour: 10)
        _ = try await f.portal.releaseInvoice("inv-oasis-b", payments)
        try await f.sync()
        #expect(try queue.paymentsQueue(.council).map(\.invoiceID) == ["inv-oasis-b", "inv-oasis-c", "inv-oasis-a"])
        #expect(try queue.paymentsQueue(.council).map(\.status) == [.submitted, .submitted, .submitted])
        _ = try await f.portal.approveInvoice("inv-oasis-c", payments)
        try await f.sync()
        #expect(try queue.paymentsQueue(.council).map(\.invoiceID) == ["inv-oasis-b", "inv-oasis-a"])
        // The same order after a rebuild from the log.
        try await f.readModels.engine.rebuild(following: false)
        #expect(try queue.paymentsQueue(.council).map(\.invoiceID) == ["inv-oasis-b", "inv-oasis-a"])
    }

    @Test("R-INV-2: a line removed from an unsubmitted invoice leaves the read model's lines and total")
    func lineRemoved() async throws {
        let f = try await F()
        let provider = f.request(f.oasisUser)
        try await f.publish("ann-1", client: "C-ann", planned: "10.5", rate: "18.50")
        try await f.publish("carl-1", client: "C-carl", planned: "3", rate: "20")
        f.today("2026-12-14")
        _ = try await f.portal.recordActual(f.period9, ActualEntry(cpliID: "carl-1", week: Self.week2, actual: F.q("4"), comment: "Waiting for ambulance"), provider)
        _ = try await f.portal.createInvoice(InvoiceDraft(invoiceID: "inv-p9", serviceID: f.oasisService, period: PeriodNumber(9), reference: "INV-P9",
                                                          invoiceDate: F.date("2026-12-14")), provider)
        _ = try await f.portal.removeInvoiceLine("inv-p9", cpli: "carl-1", provider)
        try await f.sync()
        let invoice = try #require(try f.readModels.invoices.invoice("inv-p9", ReadScope(f.oasisUser)))
        #expect(invoice.invoice.lines.map(\.cpliID) == ["ann-1"])
        // 42 h × £18.50.
        #expect(invoice.invoice.total == F.pounds("777.00"))
        #expect(invoice.history.map(\.step.event) == ["InvoiceCreated", "InvoiceLineRemoved"])
        _ = try await f.portal.submitInvoice("inv-p9", provider)
        try await f.sync()
        #expect(try f.readModels.invoices.invoice("inv-p9", ReadScope(f.oasisUser))?.invoice.lines.map(\.cpliID) == ["ann-1"])
    }

    @Test("R-PER-3, R-INV-4: a returned invoice reopens its period and locks it again on resubmission; a correction after payment raises a credit note the next run deducts")
    func returnAndCreditNote() async throws {
        let f = try await F()
        let provider = f.request(f.oasisUser)
        let payments = f.request(f.payments)
        let scope = ReadScope(f.oasisUser)
        try await f.publish("cpli-1", client: "C-1", planned: "10.5", rate: "18.50")
        f.today("2026-12-14")
        _ = try await f.portal.createInvoice(InvoiceDraft(invoiceID: "inv-p9", serviceID: f.oasisService, period: PeriodNumber(9), reference: "INV-P9",
                                                          invoiceDate: F.date("2026-12-14")), provider)
        _ = try await f.portal.submitInvoice("inv-p9", provider)
        _ = try await f.portal.returnInvoice("inv-p9", reason: "week 2 should be 9 hours", payments)
        try await f.sync()
        var lock = try #require(try f.readModels.periodLocks.lock(f.oasisService, PeriodNumber(9), scope))
        #expect(lock.status == .reopened)
        #expect(try f.readModels.invoices.invoice("inv-p9", scope)?.invoice.returnReason == "week 2 should be 9 hours")
        #expect(try f.readModels.invoices.paymentsQueue(.council).isEmpty, "a returned invoice is the provider's again")
        #expect(try f.readModels.periodLocks.openPeriod(f.oasisService, today: F.date("2026-12-14"), calendar: PortalHistory.calendar, scope) == PeriodNumber(9))

        _ = try await f.portal.recordActual(f.period9, ActualEntry(cpliID: "cpli-1", week: Self.week2, actual: F.q("9"), comment: "corrected"), provider)
        _ = try await f.portal.correctInvoice("inv-p9", provider)
        _ = try await f.portal.submitInvoice("inv-p9", provider)
        _ = try await f.portal.approveInvoice("inv-p9", payments)
        _ = try await f.portal.runPayment(PaymentRunRequest(paymentRunID: "run-1", paymentDate: F.date("2026-12-14"), reference: "BACS-1214"), payments)
        try await f.sync()
        lock = try #require(try f.readModels.periodLocks.lock(f.oasisService, PeriodNumber(9), scope))
        #expect(lock.status == .locked && lock.nextPeriodOpenedBecause == .approved)
        #expect(lock.history.map(\.status) == [.locked, .reopened, .locked, .locked])
        var invoice = try #require(try f.readModels.invoices.invoice("inv-p9", scope))
        // 10.5 + 9 + 10.5 + 10.5 = 40.5 h × £18.50 = £749.25.
        #expect(invoice.invoice.total == F.pounds("749.25"))
        #expect(invoice.history.map(\.step.event).contains("InvoiceResubmitted"))

        // Week 3 was 8 hours, not 10.5: 2.5 h × £18.50 = £46.25 back, as a credit note of exactly the difference.
        _ = try await f.portal.correctPaidActual(f.period9, ActualEntry(cpliID: "cpli-1", week: Self.week3, actual: F.q("8"), comment: "two visits missed"),
                                                 documentID: "cn-1", reference: "CN-1", provider)
        try await f.sync()
        let note = try #require(try f.readModels.invoices.creditNote("cn-1", scope))
        #expect(note.note.raised?.total == F.pounds("-46.25"))
        #expect(note.note.status == .raised && note.settled == nil)
        invoice = try #require(try f.readModels.invoices.invoice("inv-p9", scope))
        #expect(invoice.invoice.total == F.pounds("749.25"), "nothing paid is edited in place")
        #expect(invoice.invoice.totalWithAdjustments == F.pounds("703.00"))
        #expect(try f.readModels.invoices.creditNotes(scope).map(\.note.raised?.creditNoteID) == ["cn-1"])
        #expect(try f.readModels.invoices.creditNote("cn-1", ReadScope(f.sunriseUser)) == nil)

        _ = try await f.portal.runPayment(PaymentRunRequest(paymentRunID: "run-2", paymentDate: F.date("2026-12-21"), reference: "BACS-1221"), payments)
        try await f.sync()
        #expect(try f.readModels.invoices.creditNote("cn-1", scope)?.note.status == .settled)
        let advice = try #require(try f.readModels.remittances.remittance(run: "run-2", organisation: f.oasis, scope)).advice
        #expect(F.summary(advice) == ["credit-note CN-1 cpli-1 -46.25"])
        #expect(advice.total == F.pounds("-46.25"))
        #expect(try f.readModels.remittances.remittances(of: f.oasis, scope).map(\.advice.paymentRunID) == ["run-1", "run-2"])
    }

    @Test("R-OOC, R-CNV, R-PAY-1: claims awaiting approval then invoiced; conversations per provider and per team; scheduled payments due then paid")
    func claimsConversationsScheduled() async throws {
        let f = try await F()
        let provider = f.request(f.oasisUser)
        let payments = f.request(f.payments)
        let scope = ReadScope(f.oasisUser)
        try await f.registerService("oasis-block", contract: "k-block", type: .block2015Framework, basis: .invoiced)
        try await f.publish("blk-1", client: "C-blk", planned: "10.5", rate: "18.50", service: "oasis-block")
        f.today("2026-12-14")
        _ = try await f.portal.createClaim(OneOffClaimRequest(
            claimID: "claim-1", contractID: "k-block", dateOfClaim: F.date("2026-12-13"),
            items: [OneOffClaimItemRequest(cpliID: "blk-1", absenceFrom: F.date("2026-11-17"), absenceTo: F.date("2026-11-19"), precedingStay: .hospital, hours: F.q("7.5"))]),
            provider)
        _ = try await f.portal.submitClaim("claim-1", provider)
        try await f.sync()
        let claims = f.readModels.claims
        #expect(try claims.awaitingApproval(.council).map(\.claimID) == ["claim-1"])
        #expect(try claims.awaitingApproval(scope).isEmpty)
        // 7.5 h × £18.50 = £138.75.
        #expect(try claims.claim("claim-1", scope)?.claim.created?.total == F.pounds("138.75"))
        _ = try await f.portal.approveClaim("claim-1", payments)
        _ = try await f.portal.createContractInvoice(ContractInvoiceDraft(
            invoiceID: "inv-claims", contractID: "k-block", reference: "CLAIMS-P9", invoiceDate: F.date("2026-12-14"), claimIDs: ["claim-1"]), provider)
        try await f.sync()
        #expect(try claims.awaitingApproval(.council).isEmpty)
        let claim = try #require(try claims.claim("claim-1", scope))
        #expect(claim.status == .approved && claim.claim.invoiceID == "inv-claims")
        #expect(claim.history.map(\.step.event) == ["OneOffClaimCreated", "OneOffClaimSubmitted", "OneOffClaimApproved", "OneOffClaimInvoiced"])
        #expect(try claims.claims(status: .approved, .council).count == 1)
        #expect(try claims.claim("claim-1", ReadScope(f.sunriseUser)) == nil)
        #expect(try f.readModels.invoices.invoice("inv-claims", scope)?.invoice.kind == .contractInvoice)

        // A provider's question to the Payments Team, answered and handed to Billing.
        _ = try await f.portal.startConversation(ConversationStart(
            conversationID: "conv-1", organisationID: f.oasis, type: .paymentQuery, relatedTo: .contract, entityID: "k-block", team: .payments,
            subject: "Claim payment", body: "When is claim-1 paid?"), provider)
        _ = try await f.portal.postMessage("conv-1", body: "In the next run.", payments)
        try await f.sync()
        let conversations = f.readModels.conversations
        #expect(try conversations.conversations(of: f.oasis, scope).map(\.conversationID) == ["conv-1"])
        #expect(try conversations.conversations(assignedTo: .payments, .council).map(\.conversationID) == ["conv-1"])
        #expect(try conversations.conversations(of: f.oasis, ReadScope(f.sunriseUser)).isEmpty)
        let posted = try #require(try conversations.conversation("conv-1", scope))
        #expect(posted.posted.map(\.actingAs) == ["super-user-actuals@oasis", "team:payments"])
        _ = try await f.portal.reassignConversation("conv-1", to: .billing, payments)
        try await f.sync()
        #expect(try conversations.conversations(assignedTo: .payments, .council).isEmpty)
        #expect(try conversations.conversations(assignedTo: .billing, .council).map(\.conversationID) == ["conv-1"])
        _ = try await f.portal.closeConversation("conv-1", f.request(f.oasisUser))
        try await f.sync()
        #expect(try conversations.conversations(of: f.oasis, scope).isEmpty)
        #expect(try conversations.conversations(of: f.oasis, includingClosed: true, scope).count == 1)

        // A scheduled contract's payment for period 10 is due on 2026-12-28.
        try await f.registerService("oasis-sched", contract: "k-sched", type: .block2013, basis: .scheduled)
        try await f.publish("sched-1", client: "C-dora", planned: "10.5", rate: "18.50", service: "oasis-sched")
        _ = try await f.portal.calculateScheduledPayment(contract: "k-sched", period: PeriodNumber(10), payments)
        try await f.sync()
        let scheduled = f.readModels.scheduledPayments
        // 42 h × £18.50 = £777.00, due on the Monday of period 10's third week.
        let payment = try #require(try scheduled.payments(contract: "k-sched", scope).first)
        #expect(payment.payment.total == F.pounds("777.00") && payment.payment.dueDate == F.date("2026-12-28"))
        #expect(try scheduled.unpaid(dueBy: F.date("2026-12-27"), .council).isEmpty)
        #expect(try scheduled.unpaid(dueBy: F.date("2026-12-28"), .council).count == 1)
        #expect(try scheduled.unpaid(dueBy: F.date("2026-12-28"), scope).isEmpty, "the council's list")
        #expect(try scheduled.payments(contract: "k-sched", ReadScope(f.sunriseUser)).isEmpty)

        // The run of 2026-12-28 pays the claims' invoice and the scheduled payment.
        _ = try await f.portal.submitInvoice("inv-claims", provider)
        _ = try await f.portal.approveInvoice("inv-claims", payments)
        f.today("2026-12-28")
        _ = try await f.portal.runPayment(PaymentRunRequest(paymentRunID: "run-1228", paymentDate: F.date("2026-12-28"), reference: "BACS-1228"), payments)
        try await f.sync()
        #expect(try scheduled.unpaid(dueBy: F.date("2026-12-28"), .council).isEmpty)
        #expect(try scheduled.payments(contract: "k-sched", scope).first?.paid?.paymentRunID == "run-1228")
        let advice = try #require(try f.readModels.remittances.remittance(run: "run-1228", organisation: f.oasis, scope)).advice
        #expect(F.summary(advice) == ["contract-invoice CLAIMS-P9 blk-1 138.75", "scheduled-payment SP-k-sched-P10 sched-1 777.00"])
        #expect(advice.total == F.pounds("915.75"))
    }
}

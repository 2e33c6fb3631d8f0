import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import Testing

/// `cpli-1`: 10.5 hours a week at £18.50 in period 9 → 42 h, £777.00, invoiced as `inv-p9` (`INV-P9`).
@Suite("Application: payments, credit notes, claims and refusals")
struct PaymentApplicationTests {
    typealias T = TestPortal
    static let week2 = try! Week.parse("2026-11-23")
    static let week3 = try! Week.parse("2026-11-30")

    /// A portal whose period 9 invoice is submitted (and, when asked, approved and paid on 2026-12-14).
    func invoiced(paid: Bool = false) async throws -> TestPortal {
        let test = try await T.make()
        try await test.cpli("cpli-1")
        test.today("2026-12-14")
        _ = try await test.createInvoice()
        _ = try await test.portal.submitInvoice("inv-p9", test.request(test.superUser))
        if paid {
            _ = try await test.portal.approveInvoice("inv-p9", test.request(test.payments))
            _ = try await test.portal.runPayment(
                PaymentRunRequest(paymentRunID: "run-1", paymentDate: T.date("2026-12-14"), reference: "BACS-1214"), test.request(test.payments))
        }
        return test
    }

    @Test("R-INV-4: a correction after payment yields a credit note of exactly the difference, in one append; the next run deducts it")
    func creditNoteAfterPayment() async throws {
        let test = try await invoiced(paid: true)
        let provider = test.request(test.superUser)
        // Week 2: 8 hours instead of 10.5 → 39.5 h × £18.50 = £730.75; £777.00 was paid: a credit note of -£46.25.
        let outcome = try await test.portal.correctPaidActual(
            test.period9, ActualEntry(cpliID: "cpli-1", week: Self.week2, actual: T.q("8"), comment: "two visits not delivered"),
            documentID: "cn-1", reference: "CN-1", provider)
        guard case .creditNote(let difference)? = outcome.value else { Issue.record("expected a credit note, got \(String(describing: outcome.value))"); return }
        #expect(difference.amount == T.pounds("-46.25"))
        let append = try test.events(at: outcome.positions)
        #expect(append.map(\.type).sorted() == ["ActualRecorded", "CreditNoteRaised", "InvoiceReferenceReserved", "PaidInvoiceAdjusted"])
        #expect(append.map(\.position) == Array(append[0].position..<append[0].position + 4), "one append, consecutive positions")
        #expect(Set(append.map(\.correlationID)).count == 1)
        let note = try test.portal.state(of: CreditNote.self, "cn-1")
        #expect(note.raised?.total == T.pounds("-46.25"))
        #expect(note.raised?.againstInvoiceID == "inv-p9")
        let paid = try test.portal.invoice("inv-p9", for: test.superUser)
        #expect(paid.total == T.pounds("777.00"), "nothing paid is edited in place")
        #expect(paid.totalWithAdjustments == T.pounds("730.75"))

        // The next run deducts it: the provider's remittance is -£46.25 (a debit balance).
        let run = try await test.portal.runPayment(
            PaymentRunRequest(paymentRunID: "run-2", paymentDate: T.date("2026-12-21"), reference: "BACS-1221"), test.request(test.payments))
        #expect(run.value?.creditNoteIDs == ["cn-1"])
        let advice = try test.portal.remittance(of: "run-2", for: test.organisation, actor: test.superUser)
        #expect(T.summary(advice) == ["credit-note CN-1 cpli-1 -46.25"])
        #expect(advice.total == T.pounds("-46.25"))
        #expect(try test.portal.state(of: CreditNote.self, "cn-1").status == .settled)

        // Upwards: week 3 at 12 hours → 41 h × £18.50 = £758.50; £730.75 stands invoiced: a supplementary invoice of £27.75.
        let up = try await test.portal.correctPaidActual(
            test.period9, ActualEntry(cpliID: "cpli-1", week: Self.week3, actual: T.q("12"), comment: "extra visits"),
            documentID: "inv-p9s", reference: "INV-P9S", provider)
        guard case .supplementaryInvoice(let rise)? = up.value else { Issue.record("expected a supplementary invoice"); return }
        #expect(rise.amount == T.pounds("27.75"))
        #expect(try test.portal.invoice("inv-p9s", for: test.superUser).status == .submitted)
        _ = try await test.portal.approveInvoice("inv-p9s", test.request(test.payments))
        _ = try await test.portal.runPayment(
            PaymentRunRequest(paymentRunID: "run-3", paymentDate: T.date("2026-12-28"), reference: "BACS-1228"), test.request(test.payments))
        #expect(T.summary(try test.portal.remittance(of: "run-3", for: test.organisation, actor: test.superUser)) == ["supplementary-invoice INV-P9S cpli-1 27.75"])
        #expect(try test.portal.invoice("inv-p9", for: test.superUser).totalWithAdjustments == T.pounds("758.50"))
    }

    @Test("R-INV-4: a correction of a period whose invoice is not yet paid is refused, and the log is unchanged")
    func correctionBeforePayment() async throws {
        let test = try await invoiced()
        let head = try test.head()
        let refused = await #expect(throws: DomainError.self) {
            try await test.portal.correctPaidActual(
                test.period9, ActualEntry(cpliID: "cpli-1", week: Self.week2, actual: T.q("8"), comment: "late"),
                documentID: "cn-1", reference: "CN-1", test.request(test.superUser))
        }
        #expect(refused?.rule == "R-INV-4")
        #expect(refused?.message.contains("submitted") == true)
        #expect(try test.head() == head)
    }

    @Test("R-INV-3: only the Payments Team holds, releases, approves, returns and pays; a provider (even super-user-scheduled) or another team is refused and nothing is written")
    func onlyPayments() async throws {
        let test = try await invoiced()
        let superUser = try await test.contact("oasis-sus", of: test.organisation, role: .superUserScheduled)
        let head = try test.head()
        let attempts: [(String, @Sendable (CommandRequest) async throws -> Void)] = [
            ("hold", { _ = try await test.portal.holdInvoice("inv-p9", reason: "x", $0) }),
            ("release", { _ = try await test.portal.releaseInvoice("inv-p9", $0) }),
            ("approve", { _ = try await test.portal.approveInvoice("inv-p9", $0) }),
            ("return", { _ = try await test.portal.returnInvoice("inv-p9", reason: "x", $0) }),
            ("pay", { _ = try await test.portal.runPayment(PaymentRunRequest(paymentRunID: "run-x", paymentDate: T.date("2026-12-14"), reference: "X"), $0) }),
        ]
        for actor in [superUser, test.superUser!, test.brokerage!] {
            for (name, attempt) in attempts {
                let refusal = await #expect(throws: AccessRefused.self, "\(name) by \(actor)") { try await attempt(test.request(actor)) }
                #expect(refusal?.missingPermission == .edit(.paymentProcessing), "\(name) by \(actor)")
                #expect(try test.head() == head, "\(name) by \(actor) wrote to the log")
            }
        }
        // The same steps by the Payments Team go through.
        _ = try await test.portal.holdInvoice("inv-p9", reason: "query", test.request(test.payments))
        _ = try await test.portal.releaseInvoice("inv-p9", test.request(test.payments))
        _ = try await test.portal.approveInvoice("inv-p9", test.request(test.payments))
        _ = try await test.portal.runPayment(PaymentRunRequest(paymentRunID: "run-1", paymentDate: T.date("2026-12-14"), reference: "BACS"), test.request(test.payments))
        #expect(try test.portal.invoice("inv-p9", for: test.superUser).status == .paid)
    }

    @Test("bad input: a duplicate invoice reference, submitting twice, paying an unapproved invoice, nothing to pay, a claim dated mid-period — clear errors, log unchanged")
    func refusalsLeaveTheLogUnchanged() async throws {
        let test = try await invoiced()
        let provider = test.request(test.superUser)
        try await test.registerService("oasis-hs2", of: test.organisation)
        try await test.cpli("cpli-2", service: "oasis-hs2")
        try await test.registerService("oasis-block", of: test.organisation, contractType: .block2015Framework)
        try await test.cpli("blk-1", service: "oasis-block")
        let head = try test.head()

        let duplicate = await #expect(throws: DomainError.self) { try await test.createInvoice("inv-hs2", reference: "inv-p9", service: "oasis-hs2") }
        #expect(duplicate?.isDuplicate == true)
        #expect(duplicate?.rule == "R-INV-1")
        #expect(duplicate?.message.contains("invoice inv-p9") == true)
        #expect(try test.head() == head)

        let twice = await #expect(throws: DomainError.self) { try await test.portal.submitInvoice("inv-p9", provider) }
        #expect(twice?.rule == "R-INV-3")
        #expect(twice?.message.contains("is submitted") == true)
        #expect(try test.head() == head)

        let unapproved = await #expect(throws: DomainError.self) {
            try await test.portal.runPayment(
                PaymentRunRequest(paymentRunID: "run-1", paymentDate: T.date("2026-12-14"), reference: "BACS", invoiceIDs: ["inv-p9"]), test.request(test.payments))
        }
        #expect(unapproved?.rule == "R-INV-3")
        #expect(unapproved?.message.contains("only an approved invoice can be paid") == true)
        #expect(try test.head() == head)
        let nothing = await #expect(throws: DomainError.self) {
            try await test.portal.runPayment(PaymentRunRequest(paymentRunID: "run-1", paymentDate: T.date("2026-12-14"), reference: "BACS"), test.request(test.payments))
        }
        #expect(nothing?.rule == "R-PAY-2")
        #expect(try test.head() == head)

        let midPeriod = await #expect(throws: DomainError.self) {
            try await test.portal.createClaim(OneOffClaimRequest(
                claimID: "claim-1", contractID: "oasis-block-k", dateOfClaim: T.date("2026-11-29"),
                items: [OneOffClaimItemRequest(cpliID: "blk-1", absenceFrom: T.date("2026-11-17"), absenceTo: T.date("2026-11-19"), precedingStay: .hospital, hours: T.q("7.5"))]),
                provider)
        }
        #expect(midPeriod?.rule == "R-OOC-3")
        #expect(midPeriod?.field == "dateOfClaim")
        #expect(midPeriod?.message.contains("2026-12-13") == true)
        #expect(try test.head() == head)
    }

    @Test("R-OOC: a claim is created and submitted by the provider, approved by Payments, invoiced at contract level and paid")
    func claimToPayment() async throws {
        let test = try await T.make()
        let provider = test.request(test.superUser)
        try await test.registerService("oasis-block", of: test.organisation, contractType: .block2015Framework)
        try await test.cpli("blk-1", service: "oasis-block")
        test.today("2026-12-14")
        // 3 days, no authoriser: 7.5 h × £18.50 = £138.75; 5 days with the locality worker: 12 h × £18.50 = £222.00.
        _ = try await test.portal.createClaim(OneOffClaimRequest(
            claimID: "claim-1", contractID: "oasis-block-k", dateOfClaim: T.date("2026-12-13"), notes: "hospital stays",
            items: [
                OneOffClaimItemRequest(cpliID: "blk-1", absenceFrom: T.date("2026-11-17"), absenceTo: T.date("2026-11-19"), precedingStay: .hospital, hours: T.q("7.5")),
                OneOffClaimItemRequest(cpliID: "blk-1", absenceFrom: T.date("2026-12-01"), absenceTo: T.date("2026-12-05"), precedingStay: .emergencyRespite,
                                       hours: T.q("12"), authoriser: "Pat Locality"),
            ]), provider)
        _ = try await test.portal.submitClaim("claim-1", provider)
        let head = try test.head()
        let selfApproval = await #expect(throws: AccessRefused.self) { try await test.portal.approveClaim("claim-1", provider) }
        #expect(selfApproval?.missingPermission == .edit(.paymentProcessing))
        #expect(try test.head() == head)
        _ = try await test.portal.approveClaim("claim-1", test.request(test.payments))
        let created = try await test.portal.createContractInvoice(
            ContractInvoiceDraft(invoiceID: "inv-claims", contractID: "oasis-block-k", reference: "CLAIMS-P9", invoiceDate: T.date("2026-12-14"), claimIDs: ["claim-1"]),
            provider)
        #expect(try test.events(at: created.positions).map(\.type).sorted() == ["ContractInvoiceCreated", "InvoiceReferenceReserved", "OneOffClaimInvoiced"])
        #expect(try test.portal.claim("claim-1", for: test.superUser).invoiceID == "inv-claims")
        let submitted = try await test.portal.submitInvoice("inv-claims", provider)
        #expect(try test.events(at: submitted.positions).map(\.type) == ["InvoiceSubmitted"], "a contract-level invoice locks no period")
        _ = try await test.portal.approveInvoice("inv-claims", test.request(test.payments))
        _ = try await test.portal.runPayment(PaymentRunRequest(paymentRunID: "run-1", paymentDate: T.date("2026-12-18"), reference: "BACS-1218"), test.request(test.payments))
        let advice = try test.portal.remittance(of: "run-1", for: test.organisation, actor: test.superUser)
        #expect(T.summary(advice) == ["contract-invoice CLAIMS-P9 blk-1 138.75", "contract-invoice CLAIMS-P9 blk-1 222.00"])
        #expect(advice.total == T.pounds("360.75"))
    }

    @Test("R-PAY-1: a scheduled contract's payment is calculated from planned quantities and paid by the first run on or after its due date")
    func scheduledPayment() async throws {
        let test = try await T.make()
        try await test.registerScheduledContract()
        try await test.publishCPLI("sched-1", client: "C-dora", planned: "10.5", rate: "18.50", service: "oasis-sched")
        try await test.publishCPLI("sched-2", client: "C-eve", planned: "7", rate: "16.4275", end: "2026-12-09", service: "oasis-sched")
        let head = try test.head()
        let byProvider = await #expect(throws: AccessRefused.self) {
            try await test.portal.calculateScheduledPayment(contract: "k-sched", period: PeriodNumber(9), test.request(test.superUser))
        }
        #expect(byProvider != nil)
        let invoicedContract = await #expect(throws: DomainError.self) {
            try await test.portal.calculateScheduledPayment(contract: "oasis-hs-k", period: PeriodNumber(9), test.request(test.payments))
        }
        #expect(invoicedContract?.rule == "R-PAY-1")
        #expect(try test.head() == head)

        let calculated = try await test.portal.calculateScheduledPayment(contract: "k-sched", period: PeriodNumber(9), test.request(test.payments))
        guard case .calculated(let payment)? = calculated.value?.first else { Issue.record("no payment"); return }
        // sched-1: 42 h × £18.50 = £777.00; sched-2 ends Wednesday 2026-12-09: 7 + 7 + 7 + 7 × 3/7 = 24 h × £16.4275
        // = £394.26. Total £1,171.26.
        #expect(payment.lines.map(\.amount) == [T.pounds("777.00"), T.pounds("394.26")])
        #expect(payment.total == T.pounds("1171.26"))
        #expect(payment.dueDate == T.date("2026-11-30"))

        // On 2026-11-25 nothing is due yet.
        let early = await #expect(throws: DomainError.self) {
            try await test.portal.runPayment(PaymentRunRequest(paymentRunID: "run-1", paymentDate: T.date("2026-11-25"), reference: "BACS-1125"), test.request(test.payments))
        }
        #expect(early?.rule == "R-PAY-2")
        _ = try await test.portal.runPayment(PaymentRunRequest(paymentRunID: "run-2", paymentDate: T.date("2026-11-30"), reference: "BACS-1130"), test.request(test.payments))
        let advice = try test.portal.remittance(of: "run-2", for: test.organisation, actor: test.superUser)
        #expect(T.summary(advice) == ["scheduled-payment SP-k-sched-P9 sched-1 777.00", "scheduled-payment SP-k-sched-P9 sched-2 394.26"])
        #expect(try test.portal.state(of: ScheduledPayments.self, "k-sched").paid["9"]?.paymentRunID == "run-2")
    }

    @Test("R-PAY-3: a remittance is readable only by its provider and council staff, and its CSV is checked against the hash recorded")
    func remittanceAccess() async throws {
        let test = try await invoiced(paid: true)
        try await test.registerProvider("elsewhere", service: "elsewhere-hs")
        let stranger = try await test.contact("else-su", of: "elsewhere", role: .superUserActuals)
        let refused = #expect(throws: AccessRefused.self) { try test.portal.remittance(of: "run-1", for: test.organisation, actor: stranger) }
        #expect(refused?.rule == "R-ROLE-2")
        let council = try test.portal.remittanceCSV(of: "run-1", for: test.organisation, actor: test.payments)
        let recorded = try #require(try test.portal.state(of: PaymentRun.self, "run-1").remittances.first?.csvSHA256)
        let text = String(decoding: council, as: UTF8.self)
        #expect(text.contains(",invoice,inv-p9,INV-P9,C-cpli-1,Client cpli-1,cpli-1,9,777.00\n"))
        #expect(recorded.count == 64)
    }

    @Test("R-PAY-3: refused — a remittance whose recorded CSV SHA-256 does not match what it renders is not served as CSV")
    func remittanceHashMismatch() async throws {
        let test = try await invoiced(paid: true)
        let issued = try #require(try test.log.readStream("paymentrun-run-1").first { $0.type == RemittanceIssued.eventType })
        var forged = try EventCoding.decode(RemittanceIssued.self, from: issued.payload)
        #expect(forged.csvSHA256.count == 64)
        forged.paymentRunID = "run-forged"
        forged.csvSHA256 = String(repeating: "0", count: 64)
        // Straight to the log, as a damaged or hand-made history would be: not through the application.
        try await test.log.append(to: "paymentrun-run-forged", events: [
            ProposedEvent(type: RemittanceIssued.eventType, payload: try EventCoding.encode(forged), actor: EventActor(who: "payments-1", actingAs: "team:payments")),
        ])
        // The advice itself reads (it is the event), but its CSV is refused: its bytes are not those recorded.
        #expect(try test.portal.remittance(of: "run-forged", for: test.organisation, actor: test.payments).total == forged.total)
        let refused = #expect(throws: PortalError.self) {
            try test.portal.remittanceCSV(of: "run-forged", for: test.organisation, actor: test.payments)
        }
        #expect(refused?.message.contains("paymentrun-run-forged") == true)
        #expect(refused?.message.contains("renders differently from the CSV recorded") == true)
        #expect(throws: PortalError.self) { try test.portal.remittanceCSV(of: "run-forged", for: test.organisation, actor: test.superUser) }
        // The genuine run is still served, its bytes those whose SHA-256 it recorded.
        let genuine = try test.portal.remittanceCSV(of: "run-1", for: test.organisation, actor: test.payments)
        #expect(genuine == Data(try test.portal.remittance(of: "run-1", for: test.organisation, actor: test.payments).csv.utf8))
    }
}

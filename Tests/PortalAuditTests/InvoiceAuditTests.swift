import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalAudit
import PortalDomain
import Testing

@Suite("Audit: invoices, credit notes, claims and payment runs")
struct InvoiceAuditTests {
    typealias F = AuditFixture

    /// The change of `path` in a step, if any.
    func change(_ step: HistoryStep, _ path: String) -> FieldChange? { step.changes.first { $0.path == path } }

    @Test("R-INV-3: an invoice's history shows every step — submitted, held, released, returned, corrected, resubmitted, approved, paid — with its actor, role or team, and the fields it changed")
    func invoiceHistory() async throws {
        let fixture = try await AuditFixture.make()
        let instants = try await fixture.invoiceStory()
        let history = try AuditHistory(AuditSubjects(log: fixture.log).invoice("INV-P9"), in: fixture.log)
        #expect(history.subject.name == "invoice INV-P9 (inv-p9) of oasis")
        #expect(history.steps.map(\.event.type) == F.invoiceSteps.map(\.type))
        #expect(history.steps.map(\.event.actor.who) == F.invoiceSteps.map { $0.byPayments ? "payments-1" : "oasis-su" })
        #expect(history.steps.map(\.event.actor.actingAs) == F.invoiceSteps.map { $0.byPayments ? "team:payments" : "super-user-actuals@oasis" })
        #expect(history.steps.map(\.event.recordedAt) == instants)
        #expect(history.steps.map(\.event.position) == history.steps.map(\.event.position).sorted())

        // The status before and after every step.
        var before = "none"
        for (step, expected) in zip(history.steps, F.invoiceSteps) {
            if expected.status == before {
                #expect(change(step, "status") == nil, "\(expected.type) leaves the status alone")
            } else {
                #expect(change(step, "status") == FieldChange(path: "status", before: before, after: expected.status), "\(expected.type)")
            }
            #expect(step.state["status"] == .string(expected.status))
            before = expected.status
        }
        let steps = Dictionary(uniqueKeysWithValues: history.steps.map { ($0.event.type, $0) })
        let created = try #require(steps["InvoiceCreated"])
        #expect(change(created, "reference") == FieldChange(path: "reference", before: "", after: "INV-P9"))
        #expect(change(created, "total") == FieldChange(path: "total", before: "0.00", after: "777.00"))
        #expect(created.summary.hasPrefix("InvoiceCreated: reference INV-P9"))
        // The lines appear one field at a time, with no `lines: [] → ∅` of the empty list before them.
        #expect(!created.changes.contains { $0.path == "lines" }, "\(created.changes.prefix(3))")
        #expect(change(created, "lines[0].cpliID") == FieldChange(path: "lines[0].cpliID", before: nil, after: "c-1"))
        // The version of the actuals the lines were computed from is shown as when those actuals were recorded.
        #expect(!history.steps.contains { step in step.changes.contains { $0.path == "actualsVersion" } })
        #expect(change(created, "actualsAsOf") == FieldChange(path: "actualsAsOf", before: nil, after: "no actuals recorded"))
        let correctedStep = try #require(steps["InvoiceCorrected"])
        let recorded = try #require(try fixture.log.readStream("actuals-oasis-hs-9").last { $0.position < correctedStep.event.position })
        #expect(change(correctedStep, "actualsAsOf")?.after == "\(recorded.recordedAt.iso8601) (position \(recorded.position))")
        // A submission changes the status and nothing else.
        #expect(try #require(steps["InvoiceSubmitted"]).changes == [FieldChange(path: "status", before: "unsubmitted", after: "submitted")])
        let held = try #require(steps["InvoiceHeld"])
        #expect(Set(held.changes.map(\.path)) == ["status", "holdReason"])
        #expect(change(held, "holdReason") == FieldChange(path: "holdReason", before: nil, after: F.holdReason))
        #expect(held.summary.contains("reason \(F.holdReason)"))
        #expect(change(try #require(steps["InvoiceReleased"]), "holdReason") == FieldChange(path: "holdReason", before: F.holdReason, after: nil))
        let returned = try #require(steps["InvoiceReturned"])
        #expect(change(returned, "returnReason") == FieldChange(path: "returnReason", before: nil, after: F.returnReason))
        // The correction: week 2 at 9 hours instead of 10.5 → 40.5 h × £18.50 = £749.25.
        let corrected = try #require(steps["InvoiceCorrected"])
        #expect(change(corrected, "total") == FieldChange(path: "total", before: "777.00", after: "749.25"))
        #expect(change(corrected, "lines[0].weeks[1].quantity") == FieldChange(path: "lines[0].weeks[1].quantity", before: "10.5000", after: "9.0000"))
        #expect(change(corrected, "correctedSinceReturn") == FieldChange(path: "correctedSinceReturn", before: "false", after: "true"))
        #expect(change(try #require(steps["InvoiceResubmitted"]), "correctedSinceReturn")?.after == "false")
        let paid = try #require(steps["InvoicePaid"])
        #expect(change(paid, "payment.paymentRunID") == FieldChange(path: "payment.paymentRunID", before: nil, after: "run-1"))
        #expect(change(paid, "payment.paymentDate")?.after == "2026-12-14")

        // The table shows each step's actor and role or team with its changes under it.
        let table = try AuditOutput.history(history, format: .table)
        #expect(table.contains("invoice INV-P9 (inv-p9) of oasis: 9 events"))
        #expect(table.contains("team:payments"))
        #expect(table.contains("status: submitted → on-hold"))
        #expect(table.contains("holdReason: ∅ → \(F.holdReason)"))
        let json = try AuditOutput.history(history, format: .json).split(separator: "\n")
        #expect(json.count == 9)
        let heldLine = try #require(try JSONSerialization.jsonObject(with: Data(json[2].utf8)) as? [String: Any])
        #expect(heldLine["actingAs"] as? String == "team:payments")
        #expect((heldLine["payload"] as? [String: Any])?["reason"] as? String == F.holdReason)
    }

    @Test("as-of an instant between each pair of steps, or at each step's position, gives the invoice's state in between")
    func invoiceAsOf() async throws {
        let fixture = try await AuditFixture.make()
        let instants = try await fixture.invoiceStory()
        let history = try AuditHistory(AuditSubjects(log: fixture.log).invoice("inv-p9"), in: fixture.log)
        func status(_ state: JSONTree) -> String? { if case .string(let text)? = state["status"] { text } else { nil } }
        func total(_ state: JSONTree) -> String? { state["total"]?.leafText }
        let fiveMinutes: Int64 = 5 * 60_000_000
        #expect(status(history.state(at: Timestamp(microsecondsSince1970: instants[0].microsecondsSince1970 - fiveMinutes))) == "none")
        for (index, expected) in F.invoiceSteps.enumerated() {
            let between = Timestamp(microsecondsSince1970: instants[index].microsecondsSince1970 + fiveMinutes)
            if index + 1 < instants.count { #expect(between < instants[index + 1]) }
            #expect(status(history.state(at: between)) == expected.status, "after \(expected.type)")
            #expect(status(history.state(atPosition: history.steps[index].event.position)) == expected.status, "at \(expected.type)'s position")
            #expect(history.lastStep(at: between)?.event.type == expected.type)
        }
        // The hold reason exists only while the invoice is on hold; the total changes only with the correction.
        let between = instants.map { Timestamp(microsecondsSince1970: $0.microsecondsSince1970 + fiveMinutes) }
        #expect(history.state(at: between[1])["holdReason"] == nil)
        #expect(history.state(at: between[2])["holdReason"] == .string(F.holdReason))
        #expect(history.state(at: between[3])["holdReason"] == nil)
        #expect(between.map { total(history.state(at: $0)) } == ["777.00", "777.00", "777.00", "777.00", "777.00", "749.25", "749.25", "749.25", "749.25"])
    }

    @Test("R-INV-1: an invoice is found by id, or by reference whatever its case; a reference of several providers is an error listing them, and --provider picks one")
    func invoiceByReference() async throws {
        let fixture = try await AuditFixture.make()
        try await fixture.invoiceStory()
        try await fixture.creditNoteAndSecondRun()
        let subjects = AuditSubjects(log: fixture.log)
        // `INV-P9` is both providers' reference (riverside's as `inv-p9`, which is also oasis's invoice id).
        let ambiguous = #expect(throws: AuditError.self) { try subjects.invoice("INV-P9") }
        #expect(ambiguous?.message.contains("oasis (invoice inv-p9, reference INV-P9)") == true, "\(ambiguous?.message ?? "")")
        #expect(ambiguous?.message.contains("riverside (invoice inv-r9, reference inv-p9)") == true)
        #expect(ambiguous?.message.contains("--provider") == true)
        #expect(try subjects.invoice("Inv-P9", provider: "oasis").name == "invoice INV-P9 (inv-p9) of oasis")
        #expect(try subjects.invoice("INV-P9", provider: "riverside").name == "invoice inv-p9 (inv-r9) of riverside")
        #expect(try subjects.invoice("inv-r9").name == "invoice inv-p9 (inv-r9) of riverside")
        // One provider's invoice id and another's reference: an id names one invoice and is taken as it is;
        // --provider of the other provider searches its references.
        #expect(try subjects.invoice("inv-p9").name == "invoice INV-P9 (inv-p9) of oasis")
        #expect(try subjects.invoice("inv-p9", provider: "riverside").name == "invoice inv-p9 (inv-r9) of riverside")
        #expect(try subjects.documents(referenced: "iNv-P9").map(\.documentID).sorted() == ["inv-p9", "inv-r9"])
        #expect(try subjects.documents(referenced: "INV-P9", provider: "riverside").map(\.documentID) == ["inv-r9"])

        let nowhere = #expect(throws: AuditError.self) { try subjects.invoice("INV-404") }
        #expect(nowhere?.message == "there is no invoice with the id or reference INV-404 in this log")
        let otherProvider = #expect(throws: AuditError.self) { try subjects.invoice("inv-r9", provider: "oasis") }
        #expect(otherProvider?.message.contains("of organisation oasis") == true)
        let unknownProvider = #expect(throws: AuditError.self) { try subjects.invoice("INV-P9", provider: "nobody") }
        #expect(unknownProvider?.message.hasPrefix("--provider nobody:") == true)
        // A credit note's reference names the credit note, not an invoice.
        let creditNote = #expect(throws: AuditError.self) { try subjects.invoice("cn-1") }
        #expect(creditNote?.message.contains("credit-note cn-1") == true, "\(creditNote?.message ?? "")")
    }

    @Test("R-INV-4: a credit note's history (raised by the provider, settled by a payment run) and a payment run's (each remittance, then completion)")
    func creditNoteAndPaymentRun() async throws {
        let fixture = try await AuditFixture.make()
        try await fixture.invoiceStory()
        try await fixture.creditNoteAndSecondRun()
        let subjects = AuditSubjects(log: fixture.log)
        let note = try AuditHistory(subjects.creditNote("CN-1"), in: fixture.log)
        #expect(note.subject.name == "credit note CN-1 (cn-1) of oasis")
        #expect(note.steps.map(\.event.type) == ["CreditNoteRaised", "CreditNoteSettled"])
        #expect(note.steps.map(\.event.actor.actingAs) == ["super-user-actuals@oasis", "team:payments"])
        #expect(note.steps[0].changes.contains(FieldChange(path: "raised.total", before: nil, after: "-46.25")))
        #expect(note.steps[1].changes.contains(FieldChange(path: "settlement.paymentRunID", before: nil, after: "run-2")))
        #expect(try subjects.creditNote("cn-1").name == note.subject.name)
        #expect(throws: AuditError.self) { try subjects.creditNote("INV-P9", provider: "oasis") }
        // The paid invoice records the credit note raised against it.
        let invoice = try AuditHistory(subjects.invoice("inv-p9", provider: "oasis"), in: fixture.log)
        #expect(invoice.steps.last?.event.type == "PaidInvoiceAdjusted")
        #expect(invoice.steps.last?.changes.contains(FieldChange(path: "adjustments[0].documentID", before: nil, after: "cn-1")) == true)

        let run = try AuditHistory(subjects.paymentRun("run-2"), in: fixture.log)
        #expect(run.steps.map(\.event.type) == ["RemittanceIssued", "RemittanceIssued", "PaymentRunCompleted"])
        #expect(run.steps.allSatisfy { $0.event.actor.actingAs == "team:payments" })
        #expect(run.steps[0].changes.contains(FieldChange(path: "remittances[0].organisationID", before: nil, after: "oasis")))
        #expect(run.steps[0].changes.contains(FieldChange(path: "remittances[0].total", before: nil, after: "-46.25")))
        #expect(run.steps[2].changes.contains(FieldChange(path: "completed.reference", before: nil, after: "BACS-1221")))
        let unknown = #expect(throws: AuditError.self) { try subjects.paymentRun("run-404") }
        #expect(unknown?.message == "payment run run-404 has no events in this log")
    }

    @Test("R-OOC: a one-off claim's history: created and submitted by the provider, approved by the Payments Team")
    func claimHistory() async throws {
        let fixture = try await AuditFixture.make()
        try await fixture.claimStory()
        let history = try AuditHistory(AuditSubjects(log: fixture.log).claim("claim-1"), in: fixture.log)
        #expect(history.subject.name == "one-off claim claim-1")
        #expect(history.steps.map(\.event.type) == ["OneOffClaimCreated", "OneOffClaimSubmitted", "OneOffClaimApproved"])
        #expect(history.steps.map(\.event.actor.actingAs) == ["super-user-actuals@oasis", "super-user-actuals@oasis", "team:payments"])
        #expect(history.steps.map { $0.changes.first { $0.path == "status" } } == [
            FieldChange(path: "status", before: "none", after: "draft"),
            FieldChange(path: "status", before: "draft", after: "submitted"),
            FieldChange(path: "status", before: "submitted", after: "approved"),
        ])
        // 7.5 h × £18.50 = £138.75.
        #expect(history.steps[0].changes.contains(FieldChange(path: "created.total", before: nil, after: "138.75")))
        #expect(throws: AuditError.self) { try AuditSubjects(log: fixture.log).claim("claim-404") }
    }

    @Test("a stream of any domain kind is audited by its id: part 2 kinds included")
    func everyStreamKind() async throws {
        let fixture = try await AuditFixture.make()
        try await fixture.invoiceStory()
        let subjects = AuditSubjects(log: fixture.log)
        for stream in ["invoice-inv-p9", "invoicerefs-oasis", "paymentrun-run-1", "periods-oasis-hs"] {
            let history = try AuditHistory(subjects.stream(stream), in: fixture.log)
            #expect(history.steps.count == Int(try fixture.log.streamVersion(stream)), "\(stream)")
        }
    }
}

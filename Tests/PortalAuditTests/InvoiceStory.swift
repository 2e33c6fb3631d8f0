import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain

/// The stories of the invoice audit tests, made through the portal's own commands at known times.
extension AuditFixture {
    /// The steps of oasis's period 9 invoice `inv-p9` (reference `INV-P9`), in order: its event type, who made it
    /// (the provider's super user or the Payments Team), and the invoice's status after it.
    static let invoiceSteps: [(type: String, byPayments: Bool, status: String)] = [
        ("InvoiceCreated", false, "unsubmitted"),
        ("InvoiceSubmitted", false, "submitted"),
        ("InvoiceHeld", true, "on-hold"),
        ("InvoiceReleased", true, "submitted"),
        ("InvoiceReturned", true, "returned"),
        ("InvoiceCorrected", false, "returned"),
        ("InvoiceResubmitted", false, "submitted"),
        ("InvoiceApproved", true, "approved"),
        ("InvoicePaid", true, "paid"),
    ]

    static let holdReason = "week 2 queried"
    static let returnReason = "week 2 should be 9 hours"

    /// oasis's period 9 invoice of one CPLI (`c-1`, 10.5 hours a week at £18.50, so 42 hours: £777.00): created
    /// on 2026-12-14, submitted, held, released, returned, corrected (week 2 at 9 hours: 40.5 hours, £749.25),
    /// resubmitted, approved and paid by payment run `run-1`. The clock moves on 10 minutes before each step;
    /// returns the instant of each step (the recorded-at of its events).
    @discardableResult
    func invoiceStory() async throws -> [Timestamp] {
        try await agreedCPLI("c-1")
        clock.set(Timestamp(iso8601: "2026-12-14T09:00:00Z")!.date)
        let oasis = request(provider)
        let team = request(payments)
        var instants: [Timestamp] = []
        func step(_ body: () async throws -> Void) async throws {
            tick()
            try await body()
            instants.append(Timestamp(clock.now()))
        }
        try await step {
            _ = try await portal.createInvoice(InvoiceDraft(
                invoiceID: "inv-p9", serviceID: service, period: PeriodNumber(9), reference: "INV-P9",
                invoiceDate: BusinessDate(iso8601: "2026-12-14")!), oasis)
        }
        try await step { _ = try await portal.submitInvoice("inv-p9", oasis) }
        try await step { _ = try await portal.holdInvoice("inv-p9", reason: Self.holdReason, team) }
        try await step { _ = try await portal.releaseInvoice("inv-p9", team) }
        try await step { _ = try await portal.returnInvoice("inv-p9", reason: Self.returnReason, team) }
        tick()
        try await record("c-1", actual: "9", comment: "two visits cancelled by the family", week: "2026-11-23")
        try await step { _ = try await portal.correctInvoice("inv-p9", oasis) }
        try await step { _ = try await portal.submitInvoice("inv-p9", oasis) }
        try await step { _ = try await portal.approveInvoice("inv-p9", team) }
        try await step {
            _ = try await portal.runPayment(PaymentRunRequest(
                paymentRunID: "run-1", paymentDate: BusinessDate(iso8601: "2026-12-14")!, reference: "BACS-1214"), team)
        }
        return instants
    }

    var riverside: Actor { .provider(user: "riverside-su", organisation: "riverside", role: .superUserActuals) }

    /// A second provider, `riverside` (service `riverside-hs`, CPLI `r-1`, super user `riverside-su`), whose
    /// period 9 invoice `inv-r9` carries the reference `inv-p9`: oasis's reference in another letter case, which
    /// is allowed (references are unique per provider, R-INV-1). The invoice is submitted and approved.
    func secondProviderInvoice() async throws {
        let details = ContactDetails(name: "Riverside Care", addressLines: ["2 River Lane"], postcode: "IP2 8AA")
        _ = try await portal.registerOrganisation("riverside", details: details, request(procurement))
        _ = try await portal.registerContract(ContractRegistered(
            contractID: "riverside-k", organisationID: "riverside", name: "Home support", contractType: .spotOldBlock,
            paymentBasis: .invoiced, startDate: BusinessDate(iso8601: "2026-01-05")!), request(procurement))
        _ = try await portal.registerService(ServiceRegistered(
            serviceID: "riverside-hs", organisationID: "riverside", contractID: "riverside-k", details: details,
            startDate: BusinessDate(iso8601: "2026-11-16")!), request(procurement))
        let person = Person(forename: "Rita", surname: "Su", email: "rita@riverside.example")
        _ = try await portal.requestContactCreation("riverside-su", requestID: "cr-rsu", organisation: "riverside",
                                                     person: person, role: .superUserActuals, request(helpdesk))
        let first = try await portal.acceptContactCreation("riverside-su", requestID: "cr-rsu", request(helpdesk)).value!
        _ = try await portal.changePassword(current: first, new: Self.password, request(riverside))
        try await agreedCPLI("r-1", organisation: "riverside", service: "riverside-hs", agreedBy: riverside)
        tick()
        _ = try await portal.createInvoice(InvoiceDraft(
            invoiceID: "inv-r9", serviceID: "riverside-hs", period: PeriodNumber(9), reference: "inv-p9",
            invoiceDate: BusinessDate(iso8601: "2026-12-14")!), request(riverside))
        _ = try await portal.submitInvoice("inv-r9", request(riverside))
        _ = try await portal.approveInvoice("inv-r9", request(payments))
    }

    /// After ``invoiceStory()``: week 3 of period 9 corrected down to 8 hours after payment, which raises credit note
    /// `cn-1` (reference `CN-1`) of -£46.25 (R-INV-4); then ``secondProviderInvoice()``, and payment run `run-2`,
    /// which pays riverside's invoice and deducts the credit note from oasis's remittance.
    func creditNoteAndSecondRun() async throws {
        tick()
        _ = try await portal.correctPaidActual(
            period9, ActualEntry(cpliID: "c-1", week: try Week.parse("2026-11-30"), actual: try Quantity.parseSigned("8", field: "actual"),
                                 comment: "two visits not delivered"),
            documentID: "cn-1", reference: "CN-1", request(provider))
        try await secondProviderInvoice()
        tick()
        _ = try await portal.runPayment(PaymentRunRequest(
            paymentRunID: "run-2", paymentDate: BusinessDate(iso8601: "2026-12-21")!, reference: "BACS-1221"), request(payments))
    }

    /// A block contract `oasis-block-k` with service `oasis-block` and CPLI `blk-1`, and one-off claim `claim-1`
    /// (a 3-day hospital stay, 7.5 hours) created and submitted by oasis on 2026-12-14 and approved by Payments.
    func claimStory() async throws {
        let details = ContactDetails(name: "Oasis block", addressLines: ["1 Oasis Street"], postcode: "IP1 2TN")
        _ = try await portal.registerContract(ContractRegistered(
            contractID: "oasis-block-k", organisationID: organisation, name: "Block", contractType: .block2015Framework,
            paymentBasis: .invoiced, startDate: BusinessDate(iso8601: "2026-01-05")!), request(procurement))
        _ = try await portal.registerService(ServiceRegistered(
            serviceID: "oasis-block", organisationID: organisation, contractID: "oasis-block-k", details: details,
            startDate: BusinessDate(iso8601: "2026-11-16")!), request(procurement))
        try await agreedCPLI("blk-1", service: "oasis-block")
        clock.set(Timestamp(iso8601: "2026-12-14T09:00:00Z")!.date)
        _ = try await portal.createClaim(OneOffClaimRequest(
            claimID: "claim-1", contractID: "oasis-block-k", dateOfClaim: BusinessDate(iso8601: "2026-12-13")!, notes: "hospital stay",
            items: [OneOffClaimItemRequest(cpliID: "blk-1", absenceFrom: BusinessDate(iso8601: "2026-11-17")!,
                                           absenceTo: BusinessDate(iso8601: "2026-11-19")!, precedingStay: .hospital,
                                           hours: try Quantity.parseSigned("7.5", field: "hours"))]), request(provider))
        tick()
        _ = try await portal.submitClaim("claim-1", request(provider))
        tick()
        _ = try await portal.approveClaim("claim-1", request(payments))
    }
}

import Chronology
import PortalDomain
import Testing

/// A block-2015-framework contract `k-b` of `oasis`, and cpli-1 (£18.50 an hour) of a service under it.
/// Period 9 runs 2026-11-16 to 2026-12-13; today is 2026-12-14.
@Suite("R-OOC: one-off claims")
struct OneOffClaimRulesTests {
    typealias F = Fixture
    static let contract = ContractRegistered(
        contractID: "k-b", organisationID: F.organisation, name: "Block 2015", contractType: .block2015Framework,
        paymentBasis: .invoiced, startDate: F.date("2026-01-05"))
    static let facts: [CPLIID: ClaimItemFacts] = ["cpli-1": ClaimItemFacts(cpli: F.activeCPLI(), contractID: "k-b")]
    let context = F.context(today: "2026-12-14")
    let payments = F.context(.council(user: "pay-1", team: .payments), today: "2026-12-14")

    func item(_ from: String, _ to: String, hours: String = "7.5", authoriser: String? = nil) -> OneOffClaimItemRequest {
        OneOffClaimItemRequest(cpliID: "cpli-1", absenceFrom: F.date(from), absenceTo: F.date(to), precedingStay: .hospital, hours: F.q(hours), authoriser: authoriser)
    }

    func create(
        _ items: [OneOffClaimItemRequest], date: String = "2026-12-13", contract: ContractRegistered = contract,
        facts: [CPLIID: ClaimItemFacts] = facts, id: ClaimID = "claim-1"
    ) throws -> OneOffClaim.State {
        let request = OneOffClaimRequest(claimID: id, contractID: contract.contractID, dateOfClaim: F.date(date), notes: "hospital stays", items: items)
        return try OneOffClaim.decide(.create(request, contract: contract, items: facts), OneOffClaim.initialState, context).reduce(OneOffClaim.initialState, OneOffClaim.evolve)
    }

    @Test("R-OOC-1/R-OOC-2: an absence of 1 to 3 days needs no authoriser; the item pays hours × the CPLI's rate")
    func shortAbsence() throws {
        let claim = try create([item("2026-11-17", "2026-11-19")])
        let created = try #require(claim.created)
        #expect(claim.status == .draft)
        #expect(created.period == F.period9)
        #expect(created.items[0].days == 3)
        #expect(created.items[0].clientReference == "C1001")
        // 7.5 h × £18.50 = £138.75.
        #expect(created.items[0].amount == Money(pence: 13875))
        #expect(created.total == Money(pence: 13875))
    }

    @Test("R-OOC-2: 4 to 7 days need the authorising locality worker's name; more than 7 days are refused")
    func authoriserAndLimit() throws {
        let missing = #expect(throws: DomainError.self) { try create([item("2026-11-17", "2026-11-20")]) }
        #expect(missing?.rule == "R-OOC-2")
        #expect(missing?.field == "authoriser")
        #expect(missing?.message.hasPrefix("items[0]: ") == true)
        let seven = try create([item("2026-11-17", "2026-11-23", hours: "20", authoriser: "Pat Locality")])
        #expect(seven.created?.items[0].days == 7)
        #expect(seven.created?.items[0].authoriser == "Pat Locality")
        let eight = #expect(throws: DomainError.self) { try create([item("2026-11-17", "2026-11-24", authoriser: "Pat Locality")]) }
        #expect(eight?.rule == "R-OOC-2")
        #expect(eight?.message.contains("8 days") == true)
    }

    @Test("R-OOC-3: the date of claim must be the last day of a period, and the absences within that period")
    func dateOfClaim() throws {
        let midPeriod = #expect(throws: DomainError.self) { try create([item("2026-11-17", "2026-11-19")], date: "2026-11-30") }
        #expect(midPeriod?.rule == "R-OOC-3")
        #expect(midPeriod?.field == "dateOfClaim")
        #expect(midPeriod?.message.contains("ends on 2026-12-13") == true)
        let outside = #expect(throws: DomainError.self) { try create([item("2026-11-13", "2026-11-15")]) }
        #expect(outside?.rule == "R-OOC-3")
        #expect(try create([item("2026-12-11", "2026-12-13")]).created?.dateOfClaim == F.date("2026-12-13"))
    }

    @Test("R-OOC-1: a spot contract, another organisation's CPLI, a CPLI under another contract, a night CPLI, too many hours — refused")
    func refusedItems() throws {
        var spot = Self.contract
        spot.contractType = .spotOldBlock
        let spotRefused = #expect(throws: DomainError.self) { try create([item("2026-11-17", "2026-11-19")], contract: spot) }
        #expect(spotRefused?.rule == "R-OOC-1")
        let foreign = #expect(throws: DomainError.self) {
            try create([item("2026-11-17", "2026-11-19")], facts: ["cpli-1": ClaimItemFacts(cpli: F.activeCPLI(F.definition(organisation: F.otherOrganisation)), contractID: "k-b")])
        }
        #expect(foreign?.isNotFound == true)
        let otherContract = #expect(throws: DomainError.self) {
            try create([item("2026-11-17", "2026-11-19")], facts: ["cpli-1": ClaimItemFacts(cpli: F.activeCPLI(), contractID: "k-other")])
        }
        #expect(otherContract?.field == "cpliID")
        let nights = #expect(throws: DomainError.self) {
            try create([item("2026-11-17", "2026-11-19")], facts: ["cpli-1": ClaimItemFacts(cpli: F.activeCPLI(F.definition(unit: .nights)), contractID: "k-b")])
        }
        #expect(nights?.message.contains("per night") == true)
        let tooMany = #expect(throws: DomainError.self) { try create([item("2026-11-17", "2026-11-17", hours: "24.5")]) }
        #expect(tooMany?.field == "hours")
        let overlap = #expect(throws: DomainError.self) { try create([item("2026-11-17", "2026-11-19"), item("2026-11-19", "2026-11-20", authoriser: nil)]) }
        #expect(overlap?.message.hasPrefix("items[1]: ") == true)
    }

    @Test("R-OOC-4: the Payments Team approves or rejects a submitted claim; an approved claim is invoiced at contract level, once")
    func approveAndInvoice() throws {
        var claim = try create([item("2026-11-17", "2026-11-19"), item("2026-12-01", "2026-12-02", hours: "5")])
        let early = #expect(throws: DomainError.self) { try OneOffClaim.decide(.approve, claim, payments) }
        #expect(early?.rule == "R-OOC-4")
        claim = try OneOffClaim.decide(.submit, claim, context).reduce(claim, OneOffClaim.evolve)
        #expect(OneOffClaim.Command.approve.requiredPermission == .edit(.paymentProcessing))
        #expect(!Authorisation.allows(F.providerPayments, OneOffClaim.Command.approve.requiredPermission, organisation: F.organisation))
        let noReason = #expect(throws: DomainError.self) { try OneOffClaim.decide(.reject(reason: ""), claim, payments) }
        #expect(noReason?.field == "reason")

        let draft = ContractInvoiceDraft(invoiceID: "inv-k", contractID: "k-b", reference: "CLAIMS-9", invoiceDate: F.date("2026-12-14"), claimIDs: ["claim-1"])
        let unapproved = #expect(throws: DomainError.self) {
            try Invoice.decide(.createForClaims(draft, contract: Self.contract, claims: ["claim-1": claim]), Invoice.initialState, context)
        }
        #expect(unapproved?.rule == "R-OOC-4")

        claim = try OneOffClaim.decide(.approve, claim, payments).reduce(claim, OneOffClaim.evolve)
        let invoiceEvents = try Invoice.decide(.createForClaims(draft, contract: Self.contract, claims: ["claim-1": claim]), Invoice.initialState, context)
        let invoice = invoiceEvents.reduce(Invoice.initialState, Invoice.evolve)
        #expect(invoice.kind == .contractInvoice)
        #expect(invoice.lines.map(\.claimID) == ["claim-1", "claim-1"])
        // £138.75 + 5 h × £18.50 = £92.50: £231.25.
        #expect(invoice.total == Money(pence: 23125))
        #expect(Invoice.periodLockStep(after: .submitted(InvoiceSubmitted(invoiceID: "inv-k", date: F.date("2026-12-14"))), invoice) == nil)
        claim = try OneOffClaim.decide(.invoice("inv-k"), claim, context).reduce(claim, OneOffClaim.evolve)
        let twice = #expect(throws: DomainError.self) {
            try Invoice.decide(.createForClaims(ContractInvoiceDraft(invoiceID: "inv-k2", contractID: "k-b", reference: "CLAIMS-9B", invoiceDate: F.date("2026-12-14"), claimIDs: ["claim-1"]),
                                                 contract: Self.contract, claims: ["claim-1": claim]), Invoice.initialState, context)
        }
        #expect(twice?.message.contains("inv-k") == true)
    }

    @Test("R-OOC-4: accepted — the Payments Team rejects a submitted claim with a reason: the claim is rejected, the reason kept; it can then be neither approved nor invoiced")
    func rejection() throws {
        var claim = try create([item("2026-11-17", "2026-11-19")])
        let draft = #expect(throws: DomainError.self) { try OneOffClaim.decide(.reject(reason: "no hospital record"), claim, payments) }
        #expect(draft?.rule == "R-OOC-4")
        claim = try OneOffClaim.decide(.submit, claim, context).reduce(claim, OneOffClaim.evolve)
        let events = try OneOffClaim.decide(.reject(reason: "  no hospital record for 17/11  "), claim, payments)
        guard case .rejected(let rejected)? = events.first else {
            Issue.record("expected OneOffClaimRejected, got \(events)")
            return
        }
        #expect(rejected.claimID == "claim-1")
        #expect(rejected.reason == "no hospital record for 17/11")
        #expect(rejected.date == F.date("2026-12-14"))
        claim = events.reduce(claim, OneOffClaim.evolve)
        #expect(claim.status == .rejected)
        #expect(claim.rejectionReason == "no hospital record for 17/11")
        let approve = #expect(throws: DomainError.self) { try OneOffClaim.decide(.approve, claim, payments) }
        #expect(approve?.rule == "R-OOC-4")
        let draftInvoice = ContractInvoiceDraft(invoiceID: "inv-k", contractID: "k-b", reference: "CLAIMS-9", invoiceDate: F.date("2026-12-14"), claimIDs: ["claim-1"])
        let invoiced = #expect(throws: DomainError.self) {
            try Invoice.decide(.createForClaims(draftInvoice, contract: Self.contract, claims: ["claim-1": claim]), Invoice.initialState, context)
        }
        #expect(invoiced?.rule == "R-OOC-4")
    }
}

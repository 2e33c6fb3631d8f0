import Chronology
import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalProjections

/// One-off claims (R-OOC), their contract-level invoices (R-OOC-4), and corrections of paid periods that raise
/// credit notes or supplementary invoices of exactly the difference (R-INV-4).
struct ClaimRoutes {
    let api: PortalAPI

    struct ClaimCreation: Decodable {
        struct Item: Decodable {
            var cpliID: String
            var absenceFrom: String
            var absenceTo: String
            var precedingStay: String
            var hours: String
            var authoriser: String?
        }

        var claimID: String
        var contractID: String
        var dateOfClaim: String
        var notes: String?
        var items: [Item]
    }

    struct Rejection: Decodable {
        var reason: String
    }

    struct ContractInvoiceCreation: Decodable {
        var invoiceID: String
        var contractID: String
        var reference: String
        var invoiceDate: String
        var claimIDs: [String]
    }

    /// Which week to correct and the document to raise; the values are an ``ActualsRoutes/ActualEdit`` in the
    /// same body.
    struct PaidCorrection: Decodable {
        var cpliID: String
        var week: String
        /// The id of the credit note or supplementary invoice raised when the money changes.
        var documentID: String
        /// The provider's reference of that document.
        var reference: String
    }

    enum Step: String { case submit, withdraw, approve, reject }

    func register(on router: Router<PortalRequestContext>) {
        router.post("/claims") { request, context in try await create(request, context) }
        router.get("/claims") { request, context in try await list(request, context) }
        router.get("/claims/{claimID}") { _, context in try claim(context) }
        for step in [Step.submit, .withdraw, .approve, .reject] {
            router.post("/claims/{claimID}/\(step.rawValue)") { request, context in try await self.step(step, request, context) }
        }
        router.post("/contract-invoices") { request, context in try await createContractInvoice(request, context) }
        router.post("/services/{serviceID}/periods/{period}/paid-corrections") { request, context in try await correctPaid(request, context) }
        router.get("/credit-notes") { request, context in try await creditNotes(request, context) }
        router.get("/credit-notes/{creditNoteID}") { _, context in try creditNote(context) }
    }

    func create(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "create-claim") { write in
            let body = try write.decode(ClaimCreation.self)
            let claim = try parsed {
                OneOffClaimRequest(
                    claimID: try ClaimID.parse(body.claimID, field: "claimID"), contractID: try ContractID.parse(body.contractID, field: "contractID"),
                    dateOfClaim: try Parse.date(body.dateOfClaim, field: "dateOfClaim"), notes: body.notes,
                    items: try body.items.enumerated().map { index, item in
                        let at = "items[\(index)]."
                        return OneOffClaimItemRequest(
                            cpliID: try CPLIID.parse(item.cpliID, field: at + "cpliID"),
                            absenceFrom: try Parse.date(item.absenceFrom, field: at + "absenceFrom"),
                            absenceTo: try Parse.date(item.absenceTo, field: at + "absenceTo"),
                            precedingStay: try Parse.choice(item.precedingStay, PrecedingStay.self, field: at + "precedingStay"),
                            hours: try Quantity.parse(item.hours, field: at + "hours"), authoriser: item.authoriser)
                    })
            }
            _ = try await api.portal.createClaim(claim, write.command())
            return try claimResponse(claim.claimID, write.actor, status: .created)
        }
    }

    /// The claim as `actor` may see it (the application authorises the read).
    func claimResponse(_ id: ClaimID, _ actor: Actor, status: HTTPResponse.Status = .ok) throws -> Reply {
        let snapshot = try api.portal.claimRecord(id, for: actor)
        guard let view = ClaimView(snapshot) else { throw Problem.notFound("there is no claim \(id)") }
        return try api.json(view, status: status, etag: snapshot.version, location: status == .created ? "/claims/\(id)" : nil)
    }

    func claim(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        return try claimResponse(try context.identifier("claimID", as: ClaimID.self), actor)
    }

    /// The claims the actor may see (`?status=`, `?organisationID=` narrow), by organisation and id, from the
    /// claims read model.
    func list(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let status = try request.query("status").map { text in try parsed { try Parse.choice(text, OneOffClaim.Status.self, field: "status") } }
        let organisation = try api.organisationQuery(request)
        let models = try await api.readModelsAtHead()
        return try api.json(try models.claims.claims(of: organisation, status: status, ReadScope(actor)).compactMap(ClaimView.init))
    }

    func step(_ step: Step, _ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "\(step.rawValue)-claim") { write in
            let id = try context.identifier("claimID", as: ClaimID.self)
            let command = try write.command(changing: OneOffClaim.streamID(id.rawValue), resource: "claim \(id)")
            switch step {
            case .submit: _ = try await api.portal.submitClaim(id, command)
            case .withdraw: _ = try await api.portal.withdrawClaim(id, command)
            case .approve: _ = try await api.portal.approveClaim(id, command)
            case .reject: _ = try await api.portal.rejectClaim(id, reason: try write.decode(Rejection.self).reason, command)
            }
            return try claimResponse(id, write.actor)
        }
    }

    func createContractInvoice(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "create-contract-invoice") { write in
            let body = try write.decode(ContractInvoiceCreation.self)
            let draft = try parsed {
                ContractInvoiceDraft(
                    invoiceID: try InvoiceID.parse(body.invoiceID, field: "invoiceID"), contractID: try ContractID.parse(body.contractID, field: "contractID"),
                    reference: body.reference, invoiceDate: try Parse.date(body.invoiceDate, field: "invoiceDate"),
                    claimIDs: try body.claimIDs.enumerated().map { index, text in try ClaimID.parse(text, field: "claimIDs[\(index)]") })
            }
            _ = try await api.portal.createContractInvoice(draft, write.command())
            return try InvoiceRoutes(api: api).invoiceResponse(draft.invoiceID, status: .created)
        }
    }

    /// Corrects a week of a paid period (R-INV-4): the corrected actual and, when the money changes, a credit
    /// note or supplementary invoice of exactly the difference, in one append. The actual's members are those of
    /// a `PATCH` of the week (``ActualEdit``): the fields given change, the others keep the line's values.
    /// `If-Match` is the period's actuals version; the answer's ETag is its version after the correction.
    func correctPaid(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "correct-paid-actual") { write in
            let service = try context.identifier("serviceID", as: ServiceID.self)
            let key = Actuals.Key(serviceID: service, period: try context.period(in: api.portal.configuration.calendar))
            let body = try write.decode(PaidCorrection.self)
            let (cpli, week) = try parsed { (try CPLIID.parse(body.cpliID, field: "cpliID"), try Week.parse(body.week)) }
            let edit = try write.decode(ActualEdit.self)
            try edit.refuseUnknownMembers(allowing: ["cpliID", "week", "documentID", "reference"])
            let command = try write.command(changing: key.streamID, resource: "the actuals of service \(service) in period \(key.period)")
            let outcome = try await api.portal.correctPaidActual(
                key, cpli: cpli, week: week, try edit.changes(), documentID: body.documentID, reference: body.reference, command)
            let view: PaidCorrectionView
            switch outcome.value {
            case .creditNote(let difference)?: view = PaidCorrectionView(outcome: "credit-note", documentID: body.documentID, difference: difference)
            case .supplementaryInvoice(let difference)?:
                view = PaidCorrectionView(outcome: "supplementary-invoice", documentID: body.documentID, difference: difference)
            case .nothing?, nil: view = PaidCorrectionView(outcome: "nothing", documentID: nil, difference: nil)
            }
            return try api.json(view, status: .ok, etag: outcome.version(of: key.streamID))
        }
    }

    /// The credit notes the actor may see (`?organisationID=` narrows), by organisation and id, from the
    /// invoices read model (R-INV-4).
    func creditNotes(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let organisation = try api.organisationQuery(request)
        let models = try await api.readModelsAtHead()
        return try api.json(try models.invoices.creditNotes(of: organisation, ReadScope(actor)).compactMap(CreditNoteView.init))
    }

    func creditNote(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let id = try context.identifier("creditNoteID", as: CreditNoteID.self)
        let snapshot = try api.portal.creditNote(id, for: actor)
        guard let view = CreditNoteView(snapshot.state, version: snapshot.version) else { throw Problem.notFound("there is no credit note \(id)") }
        return try api.json(view, etag: snapshot.version)
    }
}

/// A one-off claim as it stands.
struct ClaimView: Encodable {
    var claim: OneOffClaimCreated
    var status: String
    var rejectionReason: String?
    var invoiceID: InvoiceID?
    var version: UInt64

    init?(_ snapshot: StreamSnapshot<OneOffClaim.State>) {
        self.init(snapshot.state, version: snapshot.version)
    }

    /// From the claims read model.
    init?(_ entry: ClaimEntry) {
        self.init(entry.claim, version: entry.version)
    }

    init?(_ state: OneOffClaim.State, version: UInt64) {
        guard let created = state.created else { return nil }
        claim = created
        status = state.status.rawValue
        rejectionReason = state.rejectionReason
        invoiceID = state.invoiceID
        self.version = version
    }
}

/// What a paid-period correction raised.
struct PaidCorrectionView: Encodable {
    /// `credit-note`, `supplementary-invoice` or `nothing` (the money did not change).
    var outcome: String
    var documentID: String?
    var difference: ChargeLine?
}

/// A credit note (R-INV-4).
struct CreditNoteView: Encodable {
    var creditNote: CreditNoteRaised
    var status: String
    var settlement: CreditNoteSettled?
    var version: UInt64

    init?(_ state: CreditNote.State, version: UInt64) {
        guard let raised = state.raised else { return nil }
        creditNote = raised
        status = state.status.rawValue
        settlement = state.settlement
        self.version = version
    }

    /// From the invoices read model.
    init?(_ entry: CreditNoteEntry) {
        self.init(entry.note, version: entry.version)
    }
}

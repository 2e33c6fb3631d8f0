import Chronology
import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalProjections

/// Invoices (R-INV): the wizard's proposal for a service's period, creation with a provider reference, line
/// removal, submission (locking the period, R-PER-3), correction after a return; and the Payments Team's
/// hold, release, approve and return, with the Payments queue of submitted and held invoices, oldest first.
struct InvoiceRoutes {
    let api: PortalAPI

    struct Creation: Decodable {
        /// Absent: the server makes one (`inv-…`).
        var invoiceID: String?
        var serviceID: String
        var period: PeriodNumber
        var reference: String
        var invoiceDate: String
        /// CPLIs of the proposal to leave off the invoice.
        var unticked: [String]?
    }

    struct Correction: Decodable {
        /// When given, every proposed CPLI but these; else the invoice's own CPLIs.
        var unticked: [String]?
    }

    struct Reason: Decodable {
        var reason: String
    }

    enum Step: String {
        case submit, correct, hold, release, approve
        case returnToProvider = "return"
    }

    func register(on router: Router<PortalRequestContext>) {
        router.get("/services/{serviceID}/periods/{period}/invoice-proposal") { _, context in try proposal(context) }
        router.post("/invoices") { request, context in try await create(request, context) }
        router.get("/invoices") { request, context in try await list(request, context) }
        router.get("/payments/queue") { _, context in try await queue(context) }
        router.get("/invoices/{invoiceID}") { _, context in try invoice(context) }
        router.delete("/invoices/{invoiceID}/lines/{cpliID}") { request, context in try await removeLine(request, context) }
        for step in [Step.submit, .correct, .hold, .release, .approve, .returnToProvider] {
            router.post("/invoices/{invoiceID}/\(step.rawValue)") { request, context in try await self.step(step, request, context) }
        }
    }

    func proposal(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let service = try context.identifier("serviceID", as: ServiceID.self)
        let snapshot = try api.existing(Service.self, service.rawValue, "service \(service)")
        try api.requireReadable(actor, .invoices, organisation: snapshot.state.organisationID, "service \(service)")
        let period = try context.period(in: api.portal.configuration.calendar)
        let lines = try api.portal.proposeInvoice(service: service, period: period, for: actor)
        return try api.json(InvoiceProposalView(serviceID: service, period: period, lines: lines, total: Money.sum(lines.map(\.amount))))
    }

    func create(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "create-invoice") { write in
            let body = try write.decode(Creation.self)
            let draft = try parsed {
                InvoiceDraft(
                    invoiceID: try write.newID(body.invoiceID, field: "invoiceID", prefix: "inv"), serviceID: try ServiceID.parse(body.serviceID, field: "serviceID"),
                    period: try api.portal.configuration.calendar.requirePeriod(body.period).number,
                    reference: body.reference, invoiceDate: try Parse.date(body.invoiceDate, field: "invoiceDate"),
                    unticked: Set(try (body.unticked ?? []).enumerated().map { try CPLIID.parse($1, field: "unticked[\($0)]") }))
            }
            // The service must be the provider's own (else 404, R-ROLE-2) before anything is decided.
            let service = try api.portal.snapshot(of: Service.self, draft.serviceID.rawValue)
            if service.version > 0 { try api.requireVisible(write.actor, organisation: service.state.organisationID, "service \(draft.serviceID)") }
            _ = try await api.portal.createInvoice(draft, write.command())
            return try invoiceResponse(draft.invoiceID, status: .created)
        }
    }

    func invoiceResponse(_ id: InvoiceID, status: HTTPResponse.Status = .ok) throws -> Reply {
        let snapshot = try api.existing(Invoice.self, id.rawValue, "invoice \(id)")
        guard let view = InvoiceView(snapshot) else { throw Problem.notFound("there is no invoice \(id)") }
        return try api.json(view, status: status, etag: snapshot.version, location: status == .created ? "/invoices/\(id)" : nil)
    }

    /// The invoice of the path, readable by the actor (404 for another organisation's).
    func visibleInvoice(_ actor: Actor, _ context: PortalRequestContext) throws -> StreamSnapshot<Invoice.State> {
        let id = try context.identifier("invoiceID", as: InvoiceID.self)
        let snapshot = try api.existing(Invoice.self, id.rawValue, "invoice \(id)")
        try api.requireReadable(actor, .invoices, organisation: snapshot.state.organisationID, "invoice \(id)")
        return snapshot
    }

    func invoice(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let snapshot = try visibleInvoice(actor, context)
        guard let view = InvoiceView(snapshot) else { throw Problem.notFound("there is no such invoice") }
        return try api.json(view, etag: snapshot.version)
    }

    /// The invoices the actor may see, filtered by status (`a,b`), organisation, service and period, from the
    /// invoices read model: oldest first (by service period when a service and period are named).
    func list(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let statuses = try request.query("status").map { text in
            try Set(text.split(separator: ",").map { item in try parsed { try Parse.choice(String(item), InvoiceStatus.self, field: "status") } })
        }
        let organisation = try api.organisationQuery(request)
        let service = try request.query("serviceID").map { text in try parsed { try ServiceID.parse(text, field: "serviceID") } }
        let period = try request.query("period").map { text in
            try parsed { try api.portal.configuration.calendar.requirePeriod(parsing: text, field: "period").number }
        }
        let models = try await api.readModelsAtHead()
        let scope = ReadScope(actor)
        let entries: [InvoiceEntry]
        if let service, let period {
            entries = try models.invoices.invoices(service: service, period: period, scope)
        } else {
            entries = try models.invoices.invoices(of: organisation, status: statuses?.count == 1 ? statuses?.first : nil, scope)
        }
        let views = entries
            .filter { organisation == nil || $0.organisationID == organisation }
            .filter { service == nil || $0.invoice.serviceID == service }
            .filter { period == nil || $0.invoice.period == period }
            .filter { statuses == nil || statuses!.contains($0.status) }
            .compactMap(InvoiceView.init)
        return try api.json(views)
    }

    /// The Payments Team's queue: submitted and on-hold invoices, the longest waiting first — by when each was
    /// submitted, so a hold or a release does not move it (R-INV-3). Served from the invoices read model; a
    /// council screen, so a provider is refused (403).
    func queue(_ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        try api.requireCouncilRead(actor, .paymentProcessing)
        let models = try await api.readModelsAtHead()
        return try api.json(try models.invoices.paymentsQueue(ReadScope(actor)).compactMap(InvoiceView.init))
    }

    func removeLine(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "remove-invoice-line") { write in
            let snapshot = try visibleInvoice(write.actor, context)
            let id = try context.identifier("invoiceID", as: InvoiceID.self)
            let cpli = try context.identifier("cpliID", as: CPLIID.self)
            _ = try await api.portal.removeInvoiceLine(id, cpli: cpli, try write.command(changing: snapshot.streamID, resource: "invoice \(id)"))
            return try invoiceResponse(id)
        }
    }

    func step(_ step: Step, _ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "\(step.rawValue)-invoice") { write in
            let snapshot = try visibleInvoice(write.actor, context)
            let id = try context.identifier("invoiceID", as: InvoiceID.self)
            let command = try write.command(changing: snapshot.streamID, resource: "invoice \(id)")
            switch step {
            case .submit:
                _ = try await api.portal.submitInvoice(id, command)
            case .correct:
                let body = write.body.readableBytes > 0 ? try write.decode(Correction.self) : Correction(unticked: nil)
                let selection: InvoiceLineSelection = try body.unticked.map { list in
                    .allExcept(Set(try list.enumerated().map { index, text in try parsed { try CPLIID.parse(text, field: "unticked[\(index)]") } }))
                } ?? .sameCPLIs
                _ = try await api.portal.correctInvoice(id, selection: selection, command)
            case .hold:
                _ = try await api.portal.holdInvoice(id, reason: try write.decode(Reason.self).reason, command)
            case .release:
                _ = try await api.portal.releaseInvoice(id, command)
            case .approve:
                _ = try await api.portal.approveInvoice(id, command)
            case .returnToProvider:
                _ = try await api.portal.returnInvoice(id, reason: try write.decode(Reason.self).reason, command)
            }
            return try invoiceResponse(id)
        }
    }
}

/// The wizard's proposal: one line per CPLI with actuals in the period (R-INV-1).
struct InvoiceProposalView: Encodable {
    var serviceID: ServiceID
    var period: PeriodNumber
    var lines: [ChargeLine]
    var total: Money
}

/// An invoice (or credit-note-free payment document) as it stands.
struct InvoiceView: Encodable {
    var invoiceID: InvoiceID
    var kind: DocumentKind
    var organisationID: OrganisationID
    var contractID: ContractID?
    var serviceID: ServiceID?
    var period: PeriodNumber?
    var reference: String
    var invoiceDate: BusinessDate?
    var supplementsInvoiceID: InvoiceID?
    var claimIDs: [ClaimID]
    var lines: [ChargeLine]
    var total: Money
    var status: InvoiceStatus
    var holdReason: String?
    var returnReason: String?
    var payment: InvoicePaid?
    var adjustments: [InvoiceAdjustment]
    var updatedAt: Timestamp?
    var version: UInt64

    init?(_ snapshot: StreamSnapshot<Invoice.State>) {
        self.init(snapshot.state, updatedAt: snapshot.updatedAt, version: snapshot.version)
    }

    /// From the invoices read model (which folds the invoice with the domain's own `Invoice.evolve`).
    init?(_ entry: InvoiceEntry) {
        self.init(entry.invoice, updatedAt: entry.updatedAt, version: entry.version)
    }

    init?(_ state: Invoice.State, updatedAt: Timestamp?, version: UInt64) {
        guard let id = state.invoiceID, let kind = state.kind, let organisation = state.organisationID else { return nil }
        invoiceID = id
        self.kind = kind
        organisationID = organisation
        contractID = state.contractID
        serviceID = state.serviceID
        period = state.period
        reference = state.reference
        invoiceDate = state.invoiceDate
        supplementsInvoiceID = state.supplementsInvoiceID
        claimIDs = state.claimIDs
        lines = state.lines
        total = state.total
        status = state.status
        holdReason = state.holdReason
        returnReason = state.returnReason
        payment = state.payment
        adjustments = state.adjustments
        self.updatedAt = updatedAt
        self.version = version
    }
}

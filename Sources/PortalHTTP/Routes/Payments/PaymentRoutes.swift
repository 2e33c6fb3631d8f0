import Chronology
import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalProjections

/// Payment runs and remittance advice (R-PAY): the Payments Team runs a payment; each provider reads its own
/// remittance as JSON, CSV (the bytes whose SHA-256 the run recorded, R-PAY-3) or printable text; scheduled
/// payments of scheduled contracts are calculated per period (R-PAY-1).
struct PaymentRoutes {
    let api: PortalAPI

    struct Run: Decodable {
        /// Absent: the server makes one (`run-…`), named by `Location`.
        var paymentRunID: String?
        var paymentDate: String
        var reference: String
        /// Only these approved invoices; absent: every approved invoice.
        var invoiceIDs: [String]?
        /// The `digest` of a preview: the run is refused (409, nothing paid) unless it pays exactly that.
        var previewed: String?
    }

    struct ScheduledCalculation: Decodable {
        var period: PeriodNumber
    }

    func register(on router: Router<PortalRequestContext>) {
        router.post("/payment-runs") { request, context in try await run(request, context) }
        router.get("/payment-runs/preview") { request, context in try await preview(request, context) }
        router.get("/payment-runs") { _, context in try await paymentRuns(context) }
        router.get("/organisations/{organisationID}/remittances") { _, context in try await remittances(context) }
        router.get("/payments/scheduled-due") { request, context in try await scheduledDue(request, context) }
        router.get("/payment-runs/{paymentRunID}") { _, context in try paymentRun(context) }
        router.get("/payment-runs/{paymentRunID}/remittances/{organisationID}") { _, context in try remittance(context, as: .json) }
        router.get("/payment-runs/{paymentRunID}/remittances/{organisationID}/csv") { _, context in try remittance(context, as: .csv) }
        router.get("/payment-runs/{paymentRunID}/remittances/{organisationID}/text") { _, context in try remittance(context, as: .text) }
        router.post("/contracts/{contractID}/scheduled-payments") { request, context in try await calculateScheduled(request, context) }
        router.get("/contracts/{contractID}/scheduled-payments") { _, context in try scheduled(context) }
        ScheduledPaymentResponseRoutes(api: api).register(on: router)
    }

    func run(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "run-payment") { write in
            try api.requireCouncilWork(write.actor, .paymentProcessing)
            let body = try write.decode(Run.self)
            let run = try parsed {
                PaymentRunRequest(
                    paymentRunID: try write.newID(body.paymentRunID, field: "paymentRunID", prefix: "run"),
                    paymentDate: try Parse.date(body.paymentDate, field: "paymentDate"),
                    reference: try TextInput.required(body.reference, field: "reference", maximumLength: 50),
                    invoiceIDs: try body.invoiceIDs.map { list in
                        try list.enumerated().map { index, text in try InvoiceID.parse(text, field: "invoiceIDs[\(index)]") }
                    })
            }
            if let previewed = body.previewed, previewed.count != 64 || !previewed.allSatisfy(\.isHexDigit) {
                throw Problem.invalid("previewed is not the digest of a preview (64 hexadecimal digits)", field: "previewed")
            }
            _ = try await api.portal.runPayment(run, candidates: try await api.paymentCandidates(), previewed: body.previewed, write.command())
            return try runResponse(run.paymentRunID, write.actor, status: .created)
        }
    }

    /// What a payment run on `paymentDate` with `reference` would pay, per provider and document, with the
    /// `digest` to send with the run so that it pays exactly this (`GET /payment-runs/preview`). Nothing is
    /// written. For the Payments Team.
    func preview(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        try api.requireCouncilWork(actor, .paymentProcessing)
        let parameters = try QueryParameters(request, allowing: ["paymentDate", "reference", "paymentRunID"])
        guard let dateText = parameters["paymentDate"] else { throw Problem.malformed("paymentDate is required", field: "paymentDate") }
        guard let reference = parameters["reference"] else { throw Problem.malformed("reference is required", field: "reference") }
        let run = try parsed {
            PaymentRunRequest(
                paymentRunID: try parameters["paymentRunID"].map { try PaymentRunID.parse($0, field: "paymentRunID") } ?? PaymentRunID.made(),
                paymentDate: try Parse.date(dateText, field: "paymentDate"), reference: reference)
        }
        let plan = try api.portal.previewPaymentRun(run, candidates: try await api.paymentCandidates(), for: actor)
        return try api.json(PaymentRunPreviewView(plan))
    }

    func runResponse(_ id: PaymentRunID, _ actor: Actor, status: HTTPResponse.Status = .ok) throws -> Reply {
        let snapshot = try api.existing(PaymentRun.self, id.rawValue, "payment run \(id)")
        guard let completed = snapshot.state.completed else { throw Problem.notFound("there is no payment run \(id)") }
        // A provider sees the run only through its own remittance (R-ROLE-2).
        let remittances = snapshot.state.remittances.filter { Authorisation.allows(actor, .read(.invoices), organisation: $0.organisationID) }
        if actor.organisation != nil, remittances.isEmpty { throw Problem.notFound("there is no payment run \(id)") }
        let view = PaymentRunView(
            paymentRunID: id, paymentDate: completed.paymentDate, reference: completed.reference,
            invoiceIDs: actor.organisation == nil ? completed.invoiceIDs : nil,
            creditNoteIDs: actor.organisation == nil ? completed.creditNoteIDs : nil,
            total: actor.organisation == nil ? completed.total : nil,
            remittances: remittances.map { .init(organisationID: $0.organisationID, organisationName: $0.organisationName, lines: $0.lines.count,
                                                 total: $0.total, csvSHA256: $0.csvSHA256) },
            version: snapshot.version)
        return try api.json(view, status: status, etag: snapshot.version, location: status == .created ? "/payment-runs/\(id)" : nil)
    }

    /// Every payment run, by id, with what it paid and its total, from the remittances read model. A council
    /// screen: a provider is refused (403) and reads its remittances at `/organisations/{id}/remittances`.
    func paymentRuns(_ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        try api.requireCouncilRead(actor, .paymentProcessing)
        let models = try await api.readModelsAtHead()
        return try api.json(try models.remittances.runs(ReadScope(actor)).map(PaymentRunSummaryView.init))
    }

    /// A provider's remittance advices, by payment date (oldest first), from the remittances read model; 404
    /// for another organisation's.
    func remittances(_ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let organisation = try context.identifier("organisationID", as: OrganisationID.self)
        try api.requireReadable(actor, .invoices, organisation: organisation, "organisation \(organisation)")
        let models = try await api.readModelsAtHead()
        let scope = ReadScope(actor)
        guard try models.providers.organisation(organisation, scope) != nil else { throw Problem.notFound("there is no organisation \(organisation)") }
        return try api.json(try models.remittances.remittances(of: organisation, scope).map(RemittanceSummaryView.init))
    }

    /// Calculated scheduled payments not yet paid and due on or before `dueBy` (default today), by due date: what
    /// a payment run on that date pays (R-PAY-2). A council screen: a provider is refused (403).
    func scheduledDue(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        try api.requireCouncilRead(actor, .paymentProcessing)
        let dueBy = try request.query("dueBy").map { text in try parsed { try Parse.date(text, field: "dueBy") } } ?? api.today
        let models = try await api.readModelsAtHead()
        return try api.json(try models.scheduledPayments.unpaid(dueBy: dueBy, ReadScope(actor)).map(\.payment))
    }

    func paymentRun(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        return try runResponse(try context.identifier("paymentRunID", as: PaymentRunID.self), actor)
    }

    enum Format { case json, csv, text }

    func remittance(_ context: PortalRequestContext, as format: Format) throws -> Reply {
        let actor = try context.requireActor()
        let run = try context.identifier("paymentRunID", as: PaymentRunID.self)
        let organisation = try context.identifier("organisationID", as: OrganisationID.self)
        try api.requireReadable(actor, .invoices, organisation: organisation, "remittance of payment run \(run)")
        let snapshot = try api.existing(PaymentRun.self, run.rawValue, "payment run \(run)")
        guard snapshot.state.remittances.contains(where: { $0.organisationID == organisation }) else {
            throw Problem.notFound("payment run \(run) has no remittance for organisation \(organisation)")
        }
        let name = "remittance-\(run)-\(organisation)"
        switch format {
        case .json:
            return try api.json(try api.portal.remittance(of: run, for: organisation, actor: actor), etag: snapshot.version)
        case .csv:
            let bytes = try api.portal.remittanceCSV(of: run, for: organisation, actor: actor)
            return api.text(String(decoding: bytes, as: UTF8.self), mediaType: "text/csv; charset=utf-8", fileName: "\(name).csv", etag: snapshot.version)
        case .text:
            let advice = try api.portal.remittance(of: run, for: organisation, actor: actor)
            return api.text(advice.text, mediaType: "text/plain; charset=utf-8", fileName: "\(name).txt", etag: snapshot.version)
        }
    }

    func calculateScheduled(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "calculate-scheduled-payment") { write in
            let contract = try context.identifier("contractID", as: ContractID.self)
            let snapshot = try api.existing(Contract.self, contract.rawValue, "contract \(contract)")
            try api.requireVisible(write.actor, organisation: snapshot.state.registration?.organisationID, "contract \(contract)")
            let body = try write.decode(ScheduledCalculation.self)
            let period = try parsed { try api.portal.configuration.calendar.requirePeriod(body.period).number }
            _ = try await api.portal.calculateScheduledPayment(contract: contract, period: period, write.command())
            return try scheduledResponse(contract, status: .created)
        }
    }

    func scheduledResponse(_ contract: ContractID, status: HTTPResponse.Status = .ok) throws -> Reply {
        let snapshot = try api.portal.snapshot(of: ScheduledPayments.self, contract.rawValue)
        return try api.json(ScheduledPaymentsView(contractID: contract, state: snapshot.state, version: snapshot.version),
                            status: status, etag: snapshot.version)
    }

    func scheduled(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let contract = try context.identifier("contractID", as: ContractID.self)
        let snapshot = try api.portal.scheduledPayments(of: contract, for: actor)
        return try api.json(ScheduledPaymentsView(contractID: contract, state: snapshot.state, version: snapshot.version), etag: snapshot.version)
    }
}

/// A payment run as the actor may see it: the council sees every remittance and the run's totals; a provider
/// only its own remittance.
struct PaymentRunView: Encodable {
    struct Remittance: Encodable {
        var organisationID: OrganisationID
        var organisationName: String
        var lines: Int
        var total: Money
        var csvSHA256: String
    }

    var paymentRunID: PaymentRunID
    var paymentDate: BusinessDate
    var reference: String
    var invoiceIDs: [InvoiceID]?
    var creditNoteIDs: [CreditNoteID]?
    var total: Money?
    var remittances: [Remittance]
    var version: UInt64
}

/// A payment run in the council's list.
struct PaymentRunSummaryView: Encodable {
    var paymentRunID: PaymentRunID
    var paymentDate: BusinessDate
    var reference: String
    /// The providers it sent a remittance to.
    var organisationIDs: [OrganisationID]
    var invoiceIDs: [InvoiceID]
    var creditNoteIDs: [CreditNoteID]
    var scheduledPayments: [ScheduledPaymentKey]
    var total: Money
    /// Who ran it and when.
    var completed: StepRecord

    init(_ entry: PaymentRunEntry) {
        paymentRunID = entry.run.paymentRunID
        paymentDate = entry.run.paymentDate
        reference = entry.run.reference
        organisationIDs = entry.run.organisationIDs
        invoiceIDs = entry.run.invoiceIDs
        creditNoteIDs = entry.run.creditNoteIDs
        scheduledPayments = entry.run.scheduledPayments
        total = entry.run.total
        completed = entry.completed
    }
}

/// One remittance advice in a provider's list; the advice itself is at
/// `/payment-runs/{run}/remittances/{organisation}` (JSON, CSV, text).
struct RemittanceSummaryView: Encodable {
    var paymentRunID: PaymentRunID
    var paymentDate: BusinessDate
    var paymentReference: String
    var organisationID: OrganisationID
    var organisationName: String
    var lines: Int
    var total: Money
    /// The SHA-256 of the CSV as the run recorded it (R-PAY-3).
    var csvSHA256: String
    /// Who issued it (the payment run's actor) and when.
    var issued: StepRecord

    init(_ entry: RemittanceEntry) {
        paymentRunID = entry.advice.paymentRunID
        paymentDate = entry.advice.paymentDate
        paymentReference = entry.advice.paymentReference
        organisationID = entry.advice.organisationID
        organisationName = entry.advice.organisationName
        lines = entry.advice.lines.count
        total = entry.advice.total
        csvSHA256 = entry.recordedCSVSHA256
        issued = entry.issued
    }
}

/// A scheduled contract's calculated payments (R-PAY-1), with the provider's confirmation or query of each.
struct ScheduledPaymentsView: Encodable {
    /// The provider's last word on a period's payment.
    struct Response: Encodable {
        var period: PeriodNumber
        /// `confirmed` or `queried`.
        var status: String
        var total: Money
        var reason: String?
    }

    var contractID: ContractID
    var payments: [ScheduledPaymentCalculated]
    var responses: [Response]
    var version: UInt64

    init(contractID: ContractID, state: ScheduledPayments.State, version: UInt64) {
        self.contractID = contractID
        payments = state.calculated.values.sorted { $0.period < $1.period }
        responses = state.responses.values.map { response in
            switch response {
            case .confirmed(let e): Response(period: e.period, status: "confirmed", total: e.total)
            case .queried(let e): Response(period: e.period, status: "queried", total: e.total, reason: e.reason)
            }
        }.sorted { $0.period < $1.period }
        self.version = version
    }
}

/// What a payment run would pay: per provider, each document with its lines and amount, and the totals.
struct PaymentRunPreviewView: Encodable {
    struct Document: Encodable {
        var kind: DocumentKind
        var documentID: String
        var reference: String
        var lines: Int
        var amount: Money
    }

    struct Provider: Encodable {
        var organisationID: OrganisationID
        var organisationName: String
        var documents: [Document]
        var total: Money
    }

    var paymentRunID: PaymentRunID
    var paymentDate: BusinessDate
    var reference: String
    /// Send it as `previewed` with the run: the run then pays exactly this or nothing.
    var digest: String
    var providers: [Provider]
    var total: Money

    init(_ plan: PaymentRunPlan) {
        paymentRunID = plan.paymentRunID
        paymentDate = plan.paymentDate
        reference = plan.reference
        digest = plan.digest
        providers = plan.remittances.map { advice in
            var documents: [Document] = []
            for line in advice.lines {
                if let last = documents.indices.last, documents[last].documentID == line.documentID {
                    documents[last].lines += 1
                    documents[last].amount += line.amount
                } else {
                    documents.append(Document(kind: line.documentKind, documentID: line.documentID, reference: line.documentReference, lines: 1,
                                              amount: line.amount))
                }
            }
            return Provider(organisationID: advice.organisationID, organisationName: advice.organisationName, documents: documents, total: advice.total)
        }
        total = Money.sum(plan.remittances.map(\.total))
    }
}

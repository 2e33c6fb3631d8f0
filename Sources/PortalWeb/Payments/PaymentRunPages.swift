import Chronology
import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections

/// Payment runs in the browser (R-PAY-2): the list of runs; a new run previewed first — what it would pay,
/// invoice by invoice and provider by provider, with totals — then made exactly as previewed (refused if
/// anything changed in between); each run with its remittances; each provider's remittance advice viewed and
/// downloaded as CSV and text, the same bytes as the API and `portal audit remittance regenerate` (R-PAY-3).
struct PaymentRunPages: Sendable {
    let web: WebPortal

    static let path = "/portal/payments/runs"

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("payments/runs") { request, context in try await runs(request, context) }
        pages.get("payments/runs/new") { request, context in try newRun(request, context) }
        pages.post("payments/runs/preview") { request, context in try await preview(request, context) }
        pages.post("payments/runs") { request, context in try await run(request, context) }
        pages.get("payments/runs/{paymentRunID}") { request, context in try await runPage(request, context) }
        pages.get("payments/runs/{paymentRunID}/remittances/{organisationID}") { request, context in try await remittance(request, context, .page) }
        pages.get("payments/runs/{paymentRunID}/remittances/{organisationID}/csv") { request, context in try await remittance(request, context, .csv) }
        pages.get("payments/runs/{paymentRunID}/remittances/{organisationID}/text") { request, context in try await remittance(request, context, .text) }
    }

    // MARK: The list

    struct RunRow: Sendable {
        var paymentRunID: String
        var paymentDate: String
        var reference: String
        var providers: String
        var total: String
    }

    struct ListModel: Sendable {
        var chrome: PageChrome
        var rows: [RunRow]
        var hasRows: Bool
        var canRun: Bool
    }

    func runs(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        try web.api.requireCouncilRead(actor, .paymentProcessing)
        let models = try await web.api.readModelsAtHead()
        let scope = ReadScope(actor)
        // The run's own record says whom it paid and its total: no remittance advice is read for the list.
        let rows = try models.remittances.runs(scope).reversed().map { entry -> RunRow in
            RunRow(paymentRunID: entry.run.paymentRunID.rawValue, paymentDate: Formatting.date(entry.run.paymentDate),
                   reference: entry.run.reference, providers: String(entry.run.organisationIDs.count),
                   total: Formatting.money(entry.run.total))
        }
        let model = ListModel(chrome: web.chrome(title: "Payment runs", context, current: Self.path), rows: rows, hasRows: !rows.isEmpty,
                              canRun: Authorisation.allows(actor, .edit(.paymentProcessing), organisation: nil))
        return try Page(template: "payment-runs", model: model).response(from: request, context: context)
    }

    // MARK: A new run: the form, the preview, the run

    struct NewModel: Sendable {
        var chrome: PageChrome
        var paymentDate: FormField
        var reference: FormField
    }

    private func newRunPage(_ context: PortalRequestContext, date: String, reference: String, errors: [String: String] = [:]) -> NewModel {
        let summary = [("paymentDate", "payment-date"), ("reference", "reference")].compactMap { key, id in
            errors[key].map { PageChrome.ErrorLine(message: $0, fieldID: id) }
        }
        return NewModel(
            chrome: web.chrome(title: "Start a payment run", context, current: Self.path, errors: summary,
                               backLink: PageChrome.Link(href: Self.path, label: "Back to payment runs")),
            paymentDate: FormField(id: "payment-date", name: "paymentDate", label: "Payment date", value: date,
                                   hint: "Today or later, as 2026-12-07. Scheduled payments due by this date are paid too.", error: errors["paymentDate"],
                                   inputMode: "numeric", width: "10"),
            reference: FormField(id: "reference", name: "reference", label: "Payment reference", value: reference,
                                 hint: "Up to 30 characters; every provider's remittance advice shows it.", error: errors["reference"], width: "20"))
    }

    func newRun(_ request: Request, _ context: PortalRequestContext) throws -> Response {
        let actor = try context.requireActor()
        try Authorisation.check(actor, .edit(.paymentProcessing), organisation: nil)
        return try Page(template: "payment-run-new", model: newRunPage(context, date: web.api.today.iso8601, reference: ""))
            .response(from: request, context: context)
    }

    struct PreviewDocument: Sendable {
        var kind: String
        var reference: String
        var lines: String
        var amount: String
    }

    struct PreviewProvider: Sendable {
        var name: String
        var documents: [PreviewDocument]
        var total: String
    }

    struct PreviewModel: Sendable {
        var chrome: PageChrome
        var paymentRunID: String
        var paymentDate: String
        var paymentDateText: String
        var reference: String
        var digest: String
        var providers: [PreviewProvider]
        var documentCount: String
        var total: String
    }

    /// The run's request from the form; the run's id is made here (the preview's) and carried to the run.
    private func runRequest(_ form: FormPost, id: PaymentRunID) -> (PaymentRunRequest?, [String: String]) {
        var errors: [String: String] = [:]
        let dateText = form.text("paymentDate")
        let date = BusinessDate(iso8601: dateText)
        if dateText.isEmpty { errors["paymentDate"] = "Enter the payment date" } else if date == nil {
            errors["paymentDate"] = "Enter the payment date as a date like 2026-12-07"
        }
        let reference = form.text("reference")
        if reference.isEmpty { errors["reference"] = "Enter the payment reference" }
        guard let date, errors.isEmpty else { return (nil, errors) }
        return (PaymentRunRequest(paymentRunID: id, paymentDate: date, reference: reference), errors)
    }

    func preview(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let form = try await FormPost.read(request)
        let id = PaymentRunID.made()
        let (run, errors) = runRequest(form, id: id)
        guard let run else {
            return try Page(template: "payment-run-new", model: newRunPage(context, date: form.text("paymentDate"), reference: form.text("reference"), errors: errors),
                            status: .unprocessableContent).response(from: request, context: context)
        }
        let plan: PaymentRunPlan
        do {
            plan = try web.api.portal.previewPaymentRun(run, candidates: try await web.api.paymentCandidates(), for: actor)
        } catch let error as DomainError {
            let field = error.field == "reference" ? "reference" : "paymentDate"
            return try Page(template: "payment-run-new", model: newRunPage(context, date: form.text("paymentDate"), reference: form.text("reference"),
                                                                          errors: [field: error.description]),
                            status: .unprocessableContent).response(from: request, context: context)
        }
        return try Page(template: "payment-run-preview", model: previewModel(plan, context)).response(from: request, context: context)
    }

    private func previewModel(_ plan: PaymentRunPlan, _ context: PortalRequestContext, errors: [PageChrome.ErrorLine] = []) -> PreviewModel {
        var count = 0
        let providers = plan.remittances.map { advice -> PreviewProvider in
            var order: [String] = []
            var documents: [String: (kind: DocumentKind, reference: String, lines: Int, amount: Money)] = [:]
            for line in advice.lines {
                if documents[line.documentID] == nil {
                    order.append(line.documentID)
                    documents[line.documentID] = (line.documentKind, line.documentReference, 0, .zero)
                }
                documents[line.documentID]!.lines += 1
                documents[line.documentID]!.amount += line.amount
            }
            count += order.count
            return PreviewProvider(
                name: advice.organisationName,
                documents: order.map { id in
                    let document = documents[id]!
                    return PreviewDocument(kind: Self.kindLabel(document.kind), reference: document.reference, lines: String(document.lines),
                                           amount: Formatting.money(document.amount))
                },
                total: Formatting.money(advice.total))
        }
        return PreviewModel(
            chrome: web.chrome(title: "Check the payment run", context, current: Self.path, errors: errors,
                               backLink: PageChrome.Link(href: Self.path + "/new", label: "Change the date or reference")),
            paymentRunID: plan.paymentRunID.rawValue, paymentDate: plan.paymentDate.iso8601, paymentDateText: Formatting.date(plan.paymentDate),
            reference: plan.reference, digest: plan.digest, providers: providers, documentCount: String(count),
            total: Formatting.money(Money.sum(plan.remittances.map(\.total))))
    }

    static func kindLabel(_ kind: DocumentKind) -> String {
        switch kind {
        case .invoice: "Invoice"
        case .supplementaryInvoice: "Supplementary invoice"
        case .contractInvoice: "Contract-level invoice"
        case .creditNote: "Credit note"
        case .scheduledPayment: "Scheduled payment"
        }
    }

    func run(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let form = try await FormPost.read(request)
        guard let id = try? PaymentRunID.parse(form.text("paymentRunID"), field: "paymentRunID") else {
            throw WebError.badForm("the form has no payment run id; start the run again")
        }
        let (run, errors) = runRequest(form, id: id)
        guard let run else { throw WebError.badForm(errors.values.sorted().joined(separator: "; ")) }
        do {
            _ = try await web.api.portal.runPayment(run, candidates: try await web.api.paymentCandidates(), previewed: form.text("previewed"),
                                                    CommandRequest(actor: actor, correlationID: context.correlationID, idempotencyKey: "web-payment-run-\(id)"))
        } catch let error as DomainError where error.field == "previewed" {
            // Show what it would pay now, to be checked again.
            let plan = try web.api.portal.previewPaymentRun(run, candidates: try await web.api.paymentCandidates(), for: actor)
            return try Page(template: "payment-run-preview",
                            model: previewModel(plan, context, errors: [PageChrome.ErrorLine(message: error.message, fieldID: nil)]),
                            status: .conflict).response(from: request, context: context)
        }
        return Response.redirect(to: "\(Self.path)/\(id)?done=run", type: .normal)
    }

    // MARK: One run and its remittances

    struct RemittanceRow: Sendable {
        var organisationID: String
        var name: String
        var lines: String
        var total: String
        var sha256: String
    }

    struct RunModel: Sendable {
        var chrome: PageChrome
        var paymentRunID: String
        var summary: [InvoicePage.SummaryRow]
        var remittances: [RemittanceRow]
    }

    func runPage(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let id = try context.identifier("paymentRunID", as: PaymentRunID.self)
        let models = try await web.api.readModelsAtHead()
        let scope = ReadScope(actor)
        guard let entry = try models.remittances.run(id, scope) else {
            throw Problem.notFound("There is no payment run \(id).")
        }
        let remittances = try models.remittances.remittances(ofRun: id, organisations: entry.run.organisationIDs, scope)
        let people = web.people(models, actor)
        let zone = web.api.portal.configuration.time.timeZone
        let banner = request.uri.queryParameters.get("done") == "run" ? PageChrome.Banner(heading: "The payment run is made", isSuccess: true) : nil
        let model = RunModel(
            chrome: web.chrome(title: "Payment run \(id)", context, current: Self.path, banner: banner,
                               backLink: PageChrome.Link(href: Self.path, label: "Back to payment runs")),
            paymentRunID: id.rawValue,
            summary: [
                .init(key: "Payment date", value: Formatting.date(entry.run.paymentDate)),
                .init(key: "Reference", value: entry.run.reference),
                .init(key: "Made", value: "\(Formatting.time(entry.completed.at, in: zone)) by \(people.name(of: entry.completed.who))"),
                .init(key: "Total", value: Formatting.money(Money.sum(remittances.map(\.advice.total)))),
            ],
            remittances: remittances.map {
                RemittanceRow(organisationID: $0.advice.organisationID.rawValue, name: $0.advice.organisationName, lines: String($0.advice.lines.count),
                              total: Formatting.money($0.advice.total), sha256: $0.recordedCSVSHA256)
            })
        return try Page(template: "payment-run", model: model).response(from: request, context: context)
    }

    enum RemittanceForm { case page, csv, text }

    struct RemittanceLineRow: Sendable {
        var document: String
        var client: String
        var period: String
        var amount: String
    }

    struct RemittanceModel: Sendable {
        var chrome: PageChrome
        var heading: String
        var summary: [InvoicePage.SummaryRow]
        var lines: [RemittanceLineRow]
        var total: String
        var csvLink: String
        var textLink: String
    }

    func remittance(_ request: Request, _ context: PortalRequestContext, _ form: RemittanceForm) async throws -> Response {
        let actor = try context.requireActor()
        let run = try context.identifier("paymentRunID", as: PaymentRunID.self)
        let organisation = try context.identifier("organisationID", as: OrganisationID.self)
        try web.api.requireVisible(actor, organisation: organisation, "remittance advice")
        let portal = web.api.portal
        switch form {
        case .csv:
            let bytes = try portal.remittanceCSV(of: run, for: organisation, actor: actor)
            return Self.download(bytes, type: "text/csv; charset=utf-8", name: "\(run)-\(organisation).csv")
        case .text:
            let advice = try portal.remittance(of: run, for: organisation, actor: actor)
            return Self.download(Data(advice.text.utf8), type: "text/plain; charset=utf-8", name: "\(run)-\(organisation).txt")
        case .page:
            let advice = try portal.remittance(of: run, for: organisation, actor: actor)
            let base = "\(Self.path)/\(run)/remittances/\(organisation)"
            let back = actor.organisation == nil ? PageChrome.Link(href: "\(Self.path)/\(run)", label: "Back to payment run \(run)")
                : PageChrome.Link(href: RemittancePages.path, label: "Back to remittances")
            let model = RemittanceModel(
                chrome: web.chrome(title: "Remittance advice", context, current: actor.organisation == nil ? Self.path : RemittancePages.path, backLink: back),
                heading: "Remittance advice for \(advice.organisationName)",
                summary: [
                    .init(key: "Payment date", value: Formatting.date(advice.paymentDate)),
                    .init(key: "Payment reference", value: advice.paymentReference),
                    .init(key: "Payment run", value: advice.paymentRunID.rawValue),
                ],
                lines: advice.lines.map {
                    RemittanceLineRow(document: "\(Self.kindLabel($0.documentKind)) \($0.documentReference)", client: "\($0.clientName) (\($0.clientReference))",
                                      period: String($0.period.value), amount: Formatting.money($0.amount))
                },
                total: Formatting.money(advice.total), csvLink: base + "/csv", textLink: base + "/text")
            return try Page(template: "remittance", model: model).response(from: request, context: context)
        }
    }

    static func download(_ bytes: Data, type: String, name: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .contentDisposition: "attachment; filename=\"\(name)\""],
                 body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

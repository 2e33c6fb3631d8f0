import Chronology
import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections

/// The invoice wizard (user guide §8–9, R-INV-1, R-INV-2): choose a service and a period — each service's period
/// open for invoicing offered first — then see the lines the portal proposes from the period's actuals, each with
/// a tick box; lines over the 20% exception are flagged with the guide's instruction (leave them off, and ask
/// Service Brokerage for a temporary CPLI, with a link that starts that conversation); set the reference and the
/// date, and create an unsubmitted invoice, to review and submit on its page. The proposal is the application's
/// (`Portal.proposeInvoice`, the JSON twin `GET /services/{id}/periods/{n}/invoice-proposal`); the form carries
/// the version of the period's actuals it showed, so an invoice is never made of lines the provider did not see.
struct InvoiceWizard: Sendable {
    let web: WebPortal

    static let path = "/portal/invoices/new"

    static func path(service: ServiceID, period: PeriodNumber) -> String {
        "\(path)?serviceID=\(WebPortal.escapeQuery(service.rawValue))&period=\(period)"
    }

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("invoices/new") { request, context in try await wizard(request, context) }
        pages.post("invoices") { request, context in try await create(request, context) }
    }

    // MARK: The model

    struct Line: Sendable {
        var cpliID: String
        var clientName: String
        var clientReference: String
        var weeks: String
        var quantity: String
        var rate: String
        var amount: String
        var isTicked: Bool
        var exception: Exception?

        struct Exception: Sendable {
            var weeks: String
            var askLink: String
        }
    }

    struct Choose: Sendable {
        var servicePeriod: SelectField
        var note: String?
    }

    struct Proposal: Sendable {
        var serviceID: String
        var period: String
        var invoiceID: String
        var actualsVersion: String
        var lines: [Line]
        var hasLines: Bool
        var total: String
        var hasException: Bool
        var reference: FormField
        var invoiceDate: FormField
        /// Why the period cannot be invoiced now (the domain's words), when it cannot.
        var notOpen: String?
        var mayCreate: Bool
        var existing: [InvoicePage.SummaryRow]
        var hasExisting: Bool
    }

    struct Model: Sendable {
        var chrome: PageChrome
        var caption: String
        var heading: String
        var choose: Choose?
        var proposal: Proposal?
        var changeLink: String?
    }

    // MARK: Step 1 and step 2

    func wizard(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let organisation = try web.providerOrganisation(actor)
        let parameters = try QueryParameters(request, allowing: ["serviceID", "period", "servicePeriod"])
        var serviceText = parameters["serviceID"], periodText = parameters["period"]
        if let both = parameters["servicePeriod"] {
            let parts = both.split(separator: "@", maxSplits: 1).map(String.init)
            if parts.count == 2 { (serviceText, periodText) = (parts[0], parts[1]) }
        }
        guard let serviceText, let periodText else {
            return try await choose(organisation, actor: actor, request, context)
        }
        let models = try await web.api.readModelsAtHead()
        guard let service = try models.providers.services(of: organisation, ReadScope(actor)).first(where: { $0.serviceID.rawValue == serviceText }) else {
            throw Problem.notFound("There is no service \(serviceText).")
        }
        let calendar = web.api.portal.configuration.calendar
        let period: PeriodNumber
        do {
            period = try calendar.requirePeriod(parsing: periodText, field: "period").number
        } catch {
            return try await choose(organisation, actor: actor, request, context,
                                    errors: [PageChrome.ErrorLine(message: error.description, fieldID: "servicePeriod")], status: .unprocessableContent)
        }
        return try await propose(service, period, actor: actor, models: models, request, context)
    }

    /// Step 1: the service and period, each service's open period first.
    private func choose(_ organisation: OrganisationID, actor: Actor, _ request: Request, _ context: PortalRequestContext,
                        errors: [PageChrome.ErrorLine] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let models = try await web.api.readModelsAtHead()
        let scope = ReadScope(actor)
        let calendar = web.api.portal.configuration.calendar
        var open: [(String, String)] = []
        var others: [(String, String)] = []
        for service in try models.providers.services(of: organisation, scope) {
            for standing in try models.periodLocks.board(service.serviceID, today: web.api.today, calendar: calendar, scope).reversed() {
                let value = "\(service.serviceID)@\(standing.period)"
                let dates = "\(Formatting.shortDate(standing.firstDay)) to \(Formatting.shortDate(standing.lastDay))"
                if standing.isOpenForEdits {
                    open.append((value, "\(service.details.name), period \(standing.period) (\(dates)): open for invoicing"))
                } else if standing.status == .open {
                    let why = standing.lastDay >= web.api.today ? "not ended yet" : "opens once the period before is invoiced"
                    others.append((value, "\(service.details.name), period \(standing.period) (\(dates)): \(why)"))
                }
            }
        }
        let caption = try web.organisationName(organisation, models, actor)
        let choices = open + others
        let model = Model(
            chrome: web.chrome(title: "Create an invoice", context, current: InvoiceListPage.path, errors: errors,
                               backLink: PageChrome.Link(href: InvoiceListPage.path, label: "Back to invoices")),
            caption: caption, heading: "Create an invoice",
            choose: Choose(
                servicePeriod: SelectField(id: "servicePeriod", label: "Service and period",
                                           hint: "An invoice is for one service and one four-week period, once its actuals are up to date (user guide §8).",
                                           error: errors.first?.message, choices: choices, selected: choices.first?.0),
                note: open.isEmpty ? "No period is open for invoicing now: the last invoice of each service waits for the Payments Team." : nil),
            proposal: nil, changeLink: nil)
        return try Page(template: "invoice-new", model: model, status: status).response(from: request, context: context)
    }

    /// Step 2: the proposed lines with tick boxes, the reference and the date.
    private func propose(_ service: ServiceEntry, _ period: PeriodNumber, actor: Actor, models: PortalReadModels, _ request: Request,
                         _ context: PortalRequestContext, form: FormPost? = nil, errors: [String: String] = [:], summary: [PageChrome.ErrorLine] = [],
                         banner: PageChrome.Banner? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let scope = ReadScope(actor)
        let portal = web.api.portal
        let calendar = portal.configuration.calendar
        let dates = calendar.period(period)
        let key = Actuals.Key(serviceID: service.serviceID, period: period)
        let actualsVersion = try portal.snapshot(of: Actuals.self, key.id).version
        var notOpen: String?
        var lines: [ChargeLine] = []
        do {
            // In the clients' natural order (OA0002 before OA0010), as the invoice shows them.
            lines = try portal.proposeInvoice(service: service.serviceID, period: period, for: actor).sorted {
                $0.clientReference.compare($1.clientReference, options: [.numeric, .caseInsensitive]) == .orderedAscending
            }
            if let periods = try models.periodLocks.servicePeriods(service.serviceID, scope) {
                try PeriodLocks.requireOpen(period, periods.locks, service: .init(startDate: periods.startDate, calendar: calendar),
                                            today: web.api.today, calendar: calendar)
            }
        } catch let error as DomainError {
            notOpen = error.description
        }
        if notOpen == nil, dates.lastDay >= web.api.today {
            notOpen = "Period \(period) ends on \(Formatting.date(dates.lastDay)); invoice it from then, once its actuals are complete (R-INV-1)."
        }
        let ticked = form.map { Set($0.all("cpli")) }
        let lineModels = lines.map { line -> Line in
            let flagged = line.weeks.filter(\.overException).map { Formatting.shortDate($0.week.monday) }
            let exception = flagged.isEmpty ? nil : Line.Exception(
                weeks: flagged.joined(separator: ", "),
                askLink: NewConversationPage.link(relatedTo: .client, entityID: line.clientReference, team: .serviceBrokerage, type: .query,
                                                  subject: "Temporary CPLI for \(line.clientName) (\(line.clientReference))"))
            return Line(cpliID: line.cpliID.rawValue, clientName: line.clientName, clientReference: line.clientReference,
                        weeks: line.weeks.map { Formatting.quantity($0.quantity) }.joined(separator: " + "),
                        quantity: "\(Formatting.quantity(line.quantity)) \(line.unit.rawValue)", rate: Formatting.rate(line.rate),
                        amount: Formatting.money(line.amount), isTicked: ticked?.contains(line.cpliID.rawValue) ?? true, exception: exception)
        }
        let existing = try models.invoices.invoices(service: service.serviceID, period: period, scope).map { entry in
            InvoicePage.SummaryRow(key: entry.invoice.reference, value: InvoicePage.status(entry.status).label, href: InvoicePage.path(entry.invoiceID))
        }
        let mayCreate = notOpen == nil && !lines.isEmpty && WebPortal.mayEdit(actor, .invoices)
        let proposal = Proposal(
            serviceID: service.serviceID.rawValue, period: String(period.value),
            invoiceID: form.map { $0.text("invoiceID") }.flatMap { $0.isEmpty ? nil : $0 } ?? InvoiceID.made().rawValue,
            actualsVersion: String(actualsVersion),
            lines: lineModels, hasLines: !lineModels.isEmpty, total: Formatting.money(Money.sum(lines.map(\.amount))),
            hasException: lineModels.contains { $0.exception != nil },
            reference: FormField(id: "reference", label: "Invoice reference", value: form?.text("reference") ?? "",
                                 hint: "Your own invoice number; each of your invoices has its own (up to 30 characters).", error: errors["reference"],
                                 width: "20", spellcheckOff: true),
            invoiceDate: FormField(id: "invoiceDate", label: "Invoice date", value: form?.text("invoiceDate") ?? web.api.today.iso8601,
                                   hint: "On or after the period's last day, \(Formatting.date(dates.lastDay)), and not in the future; as 2026-11-16 or 16/11/2026.",
                                   error: errors["invoiceDate"], inputMode: "numeric", width: "10"),
            notOpen: notOpen, mayCreate: mayCreate, existing: existing, hasExisting: !existing.isEmpty)
        var chromeErrors = summary
        for (key, id) in [("lines", "lines"), ("reference", "reference"), ("invoiceDate", "invoiceDate")] {
            if let message = errors[key], !chromeErrors.contains(where: { $0.fieldID == id }) { chromeErrors.append(.init(message: message, fieldID: id)) }
        }
        let model = Model(
            chrome: web.chrome(title: "Invoice for \(service.details.name), period \(period)", context, current: InvoiceListPage.path,
                               errors: chromeErrors, banner: banner,
                               backLink: PageChrome.Link(href: Self.path, label: "Choose another service or period")),
            caption: service.details.name,
            heading: "Invoice for period \(period): \(Formatting.date(dates.firstDay)) to \(Formatting.date(dates.lastDay))",
            choose: nil, proposal: proposal, changeLink: Self.path)
        return try Page(template: "invoice-new", model: model, status: status).response(from: request, context: context)
    }

    // MARK: Create

    func create(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let organisation = try web.providerOrganisation(actor)
        let form = try await FormPost.read(request)
        let models = try await web.api.readModelsAtHead()
        guard let service = try models.providers.services(of: organisation, ReadScope(actor)).first(where: { $0.serviceID.rawValue == form.text("serviceID") }),
              let period = Int(form.text("period")).flatMap({ try? web.api.portal.configuration.calendar.requirePeriod(PeriodNumber($0)).number }),
              let id = try? InvoiceID.parse(form.text("invoiceID"), field: "invoiceID"),
              let actualsVersion = UInt64(form.text("actualsVersion")) else {
            throw WebError.badForm("the form has no service, period, invoice id or actuals version; start the wizard again")
        }
        var errors: [String: String] = [:]
        let reference = form.text("reference")
        if reference.isEmpty { errors["reference"] = "Enter the invoice reference" }
        let date = Formatting.parseDate(form.text("invoiceDate"))
        if form.text("invoiceDate").isEmpty { errors["invoiceDate"] = "Enter the invoice date" } else if date == nil {
            errors["invoiceDate"] = "Enter the invoice date as a date like 2026-11-16 or 16/11/2026"
        }
        let ticked = Set(form.all("cpli"))
        let offered = Set(form.all("offered"))
        if ticked.isEmpty { errors["lines"] = "Tick at least one line: an invoice needs one (R-INV-1)" }
        guard let date, errors.isEmpty else {
            return try await propose(service, period, actor: actor, models: models, request, context, form: form, errors: errors, status: .unprocessableContent)
        }
        let unticked = Set(offered.subtracting(ticked).compactMap { try? CPLIID.parse($0, field: "cpli") })
        let draft = InvoiceDraft(invoiceID: id, serviceID: service.serviceID, period: period, reference: reference, invoiceDate: date, unticked: unticked)
        var command = CommandRequest(actor: actor, correlationID: context.correlationID, idempotencyKey: "web-invoice-\(id)")
        command.expectedVersions[Actuals.Key(serviceID: service.serviceID, period: period).streamID] = actualsVersion
        do {
            _ = try await web.api.portal.createInvoice(draft, command)
        } catch let error as PortalError where error.isVersionMismatch {
            let banner = PageChrome.Banner(
                heading: "The period's actuals changed since you opened the wizard, so no invoice was made",
                text: "The lines below are the period's actuals as they are now: check them, then create the invoice.")
            return try await propose(service, period, actor: actor, models: models, request, context, form: form, banner: banner, status: .preconditionFailed)
        } catch let error as DomainError {
            let field: String? = switch error.field {
            case "reference": "reference"
            case "invoiceDate": "invoiceDate"
            case "unticked": "lines"
            default: nil
            }
            var fieldErrors: [String: String] = [:]
            if let field { fieldErrors[field] = error.description }
            return try await propose(service, period, actor: actor, models: models, request, context, form: form, errors: fieldErrors,
                                     summary: [PageChrome.ErrorLine(message: error.description, fieldID: field)], status: .unprocessableContent)
        }
        return Response.redirect(to: InvoicePage.path(id) + "?done=created", type: .normal)
    }
}

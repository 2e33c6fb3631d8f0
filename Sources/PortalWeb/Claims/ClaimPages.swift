import Chronology
import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections

/// One-off claims for unplanned absences (user guide §10, R-OOC): the provider's claims, a new claim — the
/// client (their CPLI, which names them and their reference), the absence's dates and the stay before it, the
/// hours, the authorising locality worker for 4 to 7 days (R-OOC-2), the date of claim on a period's last day
/// (R-OOC-3) — refused with the domain's own message, submitting it to the Payments Team, and deleting one not
/// yet submitted. The JSON twins are `GET/POST /claims`, `GET /claims/{id}` and its `submit` and `withdraw`.
struct ClaimPages: Sendable {
    let web: WebPortal

    static let path = "/portal/claims"
    static func path(_ id: ClaimID) -> String { "\(path)/\(id)" }

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("claims") { request, context in try await list(request, context) }
        pages.get("claims/new") { request, context in try await newClaim(request, context) }
        pages.post("claims") { request, context in try await create(request, context) }
        pages.get("claims/{claimID}") { request, context in try await claim(request, context) }
        pages.post("claims/{claimID}/submit") { request, context in try await step(request, context, submit: true) }
        pages.post("claims/{claimID}/withdraw") { request, context in try await step(request, context, submit: false) }
    }

    static func status(_ status: OneOffClaim.Status) -> (label: String, tag: String) {
        switch status {
        case .draft: ("Not submitted", "tag--grey")
        case .submitted: ("Submitted", "tag--blue")
        case .approved: ("Approved", "tag--green")
        case .rejected: ("Rejected", "tag--red")
        case .withdrawn: ("Deleted", "tag--grey")
        case .none: ("None", "tag--grey")
        }
    }

    // MARK: The list

    struct Row: Sendable {
        var claimID: String
        var dateOfClaim: String
        var clients: String
        var total: String
        var statusLabel: String
        var statusClass: String
        var note: String?
    }

    struct ListModel: Sendable {
        var chrome: PageChrome
        var caption: String
        var rows: [Row]
        var hasRows: Bool
        var canCreate: Bool
    }

    func list(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let organisation = try web.providerOrganisation(actor)
        _ = try QueryParameters(request, allowing: [])
        let models = try await web.api.readModelsAtHead()
        let scope = ReadScope(actor)
        let entries = try models.claims.claims(of: organisation, scope).compactMap { entry in entry.claim.created.map { (entry, $0) } }
            .sorted { ($0.1.dateOfClaim, $0.1.claimID) > ($1.1.dateOfClaim, $1.1.claimID) }
        let rows = entries.map { entry, created -> Row in
            let tag = Self.status(entry.status)
            var note: String?
            if entry.status == .rejected { note = "Rejected: \(entry.claim.rejectionReason ?? "no reason given")" }
            if let invoice = entry.claim.invoiceID { note = "On invoice \(invoice)" }
            return Row(claimID: created.claimID.rawValue, dateOfClaim: Formatting.shortDate(created.dateOfClaim),
                       clients: created.items.map { "\($0.clientName) (\($0.clientReference))" }.joined(separator: ", "),
                       total: Formatting.money(created.total), statusLabel: tag.label, statusClass: tag.tag, note: note)
        }
        let caption = try web.organisationName(organisation, models, actor)
        let model = ListModel(chrome: web.chrome(title: "One-off claims", context, current: Self.path), caption: caption, rows: rows,
                              hasRows: !rows.isEmpty, canCreate: WebPortal.mayEdit(actor, .oneOffClaims))
        return try Page(template: "claims", model: model).response(from: request, context: context)
    }

    // MARK: A new claim

    struct NewModel: Sendable {
        var chrome: PageChrome
        var caption: String
        var claimID: String
        var client: SelectField
        var absenceFrom: FormField
        var absenceTo: FormField
        var precedingStay: SelectField
        var hours: FormField
        var authoriser: FormField
        var dateOfClaim: FormField
        var notesValue: String
        var notesError: String?
        var hasClients: Bool
    }

    /// The form's field ids, by the domain's field names.
    private static let fieldIDs: [String: String] = [
        "cpliID": "cpliID", "contractID": "cpliID", "items": "cpliID", "absenceFrom": "absenceFrom", "absenceTo": "absenceTo",
        "precedingStay": "precedingStay", "hours": "hours", "authoriser": "authoriser", "dateOfClaim": "dateOfClaim", "notes": "notes",
    ]

    /// The clients a claim may be for: active CPLIs paid by the hour, of services under block or framework contracts.
    private func clients(_ organisation: OrganisationID, _ actor: Actor, _ models: PortalReadModels) throws -> [(String, String)] {
        let scope = ReadScope(actor)
        let services = Dictionary(try models.providers.services(of: organisation, scope).map { ($0.serviceID, $0) }, uniquingKeysWith: { a, _ in a })
        return try models.cplis.cplis(of: organisation, activeOnly: true, scope).compactMap { entry -> (String, String)? in
            let d = entry.definition
            guard d.unit == .hours, let service = services[d.serviceID], service.contractType != .spotOldBlock else { return nil }
            return (d.cpliID.rawValue, "\(d.clientName) (\(d.clientReference)), \(service.details.name)")
        }.sorted { $0.1.localizedStandardCompare($1.1) == .orderedAscending }
    }

    private func newModel(_ context: PortalRequestContext, actor: Actor, organisation: OrganisationID, models: PortalReadModels, form: FormPost?,
                          errors: [String: String] = [:], summary: [PageChrome.ErrorLine] = []) throws -> NewModel {
        let calendar = web.api.portal.configuration.calendar
        let today = web.api.today
        // The last day of the latest period that has ended: the usual date of claim.
        let lastEnded = calendar.period(containing: today).map { $0.firstDay.adding(days: -1) }
        let clients = try clients(organisation, actor, models)
        var chromeErrors = summary
        for id in ["cpliID", "absenceFrom", "absenceTo", "precedingStay", "hours", "authoriser", "dateOfClaim", "notes"] {
            if let message = errors[id], !chromeErrors.contains(where: { $0.fieldID == id }) { chromeErrors.append(.init(message: message, fieldID: id)) }
        }
        let caption = try web.organisationName(organisation, models, actor)
        return NewModel(
            chrome: web.chrome(title: "New one-off claim", context, current: Self.path, errors: chromeErrors,
                               backLink: PageChrome.Link(href: Self.path, label: "Back to one-off claims")),
            caption: caption,
            claimID: form.map { $0.text("claimID") }.flatMap { $0.isEmpty ? nil : $0 } ?? ClaimID.made().rawValue,
            client: SelectField(id: "cpliID", label: "Client", hint: "The client's name and reference, from their care package line item.",
                                error: errors["cpliID"], choices: [("", "Choose the client")] + clients, selected: form?.text("cpliID")),
            absenceFrom: FormField(id: "absenceFrom", label: "First day of the absence", value: form?.text("absenceFrom") ?? "",
                                   hint: "As 2026-11-16 or 16/11/2026.", error: errors["absenceFrom"], inputMode: "numeric", width: "10"),
            absenceTo: FormField(id: "absenceTo", label: "Last day of the absence", value: form?.text("absenceTo") ?? "",
                                 hint: "At most 7 days from the first (R-OOC-2).", error: errors["absenceTo"], inputMode: "numeric", width: "10"),
            precedingStay: SelectField(id: "precedingStay", label: "Stay before the absence", error: errors["precedingStay"],
                                       choices: [("hospital", "Hospital"), ("emergency-respite", "Emergency respite")],
                                       selected: form?.text("precedingStay") ?? "hospital"),
            hours: FormField(id: "hours", label: "Hours claimed", value: form?.text("hours") ?? "", hint: "In hours, as 4 or 3.5.",
                             error: errors["hours"], inputMode: "decimal", width: "5"),
            authoriser: FormField(id: "authoriser", label: "Authorising locality worker (for 4 to 7 days)", value: form?.text("authoriser") ?? "",
                                  hint: "Needed when the absence lasts 4 to 7 days (R-OOC-2); leave it empty for 1 to 3 days.",
                                  error: errors["authoriser"], autocomplete: "off"),
            dateOfClaim: FormField(id: "dateOfClaim", label: "Date of claim", value: form?.text("dateOfClaim") ?? lastEnded?.iso8601 ?? "",
                                   hint: "The last day of the four-week period the absence is in (R-OOC-3)\(lastEnded.map { ", e.g. \(Formatting.date($0))" } ?? "").",
                                   error: errors["dateOfClaim"], inputMode: "numeric", width: "10"),
            notesValue: form?.text("notes") ?? "", notesError: errors["notes"], hasClients: !clients.isEmpty)
    }

    func newClaim(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let organisation = try web.providerOrganisation(actor)
        try Authorisation.check(actor, .edit(.oneOffClaims), organisation: organisation)
        let models = try await web.api.readModelsAtHead()
        return try Page(template: "claim-new", model: newModel(context, actor: actor, organisation: organisation, models: models, form: nil))
            .response(from: request, context: context)
    }

    func create(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let organisation = try web.providerOrganisation(actor)
        let form = try await FormPost.read(request)
        let models = try await web.api.readModelsAtHead()
        let scope = ReadScope(actor)
        guard let id = try? ClaimID.parse(form.text("claimID"), field: "claimID") else { throw WebError.badForm("the form has no claim id; start again") }
        var errors: [String: String] = [:]
        func date(_ name: String, _ label: String) -> BusinessDate? {
            let text = form.text(name)
            if text.isEmpty { errors[name] = "Enter the \(label)"; return nil }
            guard let date = Formatting.parseDate(text) else { errors[name] = "Enter the \(label) as a date like 2026-11-16 or 16/11/2026"; return nil }
            return date
        }
        var contract: ContractID?
        var cpli: CPLIID?
        if form.text("cpliID").isEmpty {
            errors["cpliID"] = "Choose the client"
        } else if let entry = try models.cplis.cpli(CPLIID(form.text("cpliID")), scope), let service = try models.providers.service(entry.definition.serviceID, scope) {
            cpli = entry.definition.cpliID
            contract = service.contractID
        } else {
            errors["cpliID"] = "Choose the client from the list"
        }
        let from = date("absenceFrom", "first day of the absence")
        let to = date("absenceTo", "last day of the absence")
        let dateOfClaim = date("dateOfClaim", "date of claim")
        var hours: Quantity?
        if form.text("hours").isEmpty { errors["hours"] = "Enter the hours claimed" } else {
            do { hours = try Quantity.parse(form.text("hours"), field: "hours") } catch { errors["hours"] = error.description }
        }
        let stay = PrecedingStay(rawValue: form.text("precedingStay"))
        if stay == nil { errors["precedingStay"] = "Choose the stay before the absence" }
        guard errors.isEmpty, let cpli, let contract, let from, let to, let dateOfClaim, let hours, let stay else {
            return try Page(template: "claim-new", model: newModel(context, actor: actor, organisation: organisation, models: models, form: form, errors: errors),
                            status: .unprocessableContent).response(from: request, context: context)
        }
        let authoriser = form.text("authoriser")
        let claim = OneOffClaimRequest(
            claimID: id, contractID: contract, dateOfClaim: dateOfClaim, notes: form.text("notes").isEmpty ? nil : form.text("notes"),
            items: [OneOffClaimItemRequest(cpliID: cpli, absenceFrom: from, absenceTo: to, precedingStay: stay, hours: hours,
                                           authoriser: authoriser.isEmpty ? nil : authoriser)])
        do {
            _ = try await web.api.portal.createClaim(claim, CommandRequest(actor: actor, correlationID: context.correlationID, idempotencyKey: "web-claim-\(id)"))
        } catch let error as DomainError {
            let field = error.field.flatMap { Self.fieldIDs[$0] }
            var fieldErrors: [String: String] = [:]
            if let field { fieldErrors[field] = error.description }
            return try Page(template: "claim-new",
                            model: newModel(context, actor: actor, organisation: organisation, models: models, form: form, errors: fieldErrors,
                                            summary: [PageChrome.ErrorLine(message: error.description, fieldID: field)]),
                            status: .unprocessableContent).response(from: request, context: context)
        }
        return Response.redirect(to: Self.path(id) + "?done=created", type: .normal)
    }

    // MARK: One claim

    struct Item: Sendable {
        var client: String
        var dates: String
        var days: String
        var precedingStay: String
        var hours: String
        var rate: String
        var amount: String
        var authoriser: String
    }

    struct Model: Sendable {
        var chrome: PageChrome
        var caption: String
        var heading: String
        var statusLabel: String
        var statusClass: String
        var summary: [InvoicePage.SummaryRow]
        var items: [Item]
        var total: String
        var claimID: String
        var version: String
        var canSubmit: Bool
    }

    private static let done: [String: String] = [
        "created": "The claim is created; submit it to send it to the Payments Team",
        "submitted": "The claim is submitted to the Payments Team",
        "withdrawn": "The claim is deleted",
    ]

    func claim(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let id = try context.identifier("claimID", as: ClaimID.self)
        let banner = PageChrome.Banner.done(request, Self.done)
        return try await render(id, actor: actor, request, context, banner: banner)
    }

    private func render(_ id: ClaimID, actor: Actor, _ request: Request, _ context: PortalRequestContext, banner: PageChrome.Banner? = nil,
                        errors: [PageChrome.ErrorLine] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let models = try await web.api.readModelsAtHead()
        let scope = ReadScope(actor)
        guard let entry = try models.claims.claim(id, scope), let created = entry.claim.created else { throw Problem.notFound("There is no claim \(id).") }
        let people = web.people(models, actor)
        let zone = web.api.portal.configuration.time.timeZone
        var summary: [InvoicePage.SummaryRow] = [
            .init(key: "Date of claim", value: "\(Formatting.date(created.dateOfClaim)), the last day of period \(created.period)"),
            .init(key: "Contract", value: created.contractID.rawValue),
        ]
        if let first = entry.history.first {
            summary.append(.init(key: "Created", value: "\(Formatting.time(first.step.at, in: zone)) by \(people.author(first.step.who, actingAs: first.step.actingAs))"))
        }
        if let notes = created.notes { summary.append(.init(key: "Notes", value: notes)) }
        if let reason = entry.claim.rejectionReason { summary.append(.init(key: "Rejected because", value: reason)) }
        if let invoice = entry.claim.invoiceID { summary.append(.init(key: "Invoiced on", value: invoice.rawValue, href: InvoicePage.path(invoice))) }
        let items = created.items.map { item in
            Item(client: "\(item.clientName) (\(item.clientReference))",
                 dates: "\(Formatting.shortDate(item.absenceFrom)) to \(Formatting.shortDate(item.absenceTo))", days: String(item.days),
                 precedingStay: item.precedingStay == .hospital ? "Hospital" : "Emergency respite", hours: Formatting.quantity(item.hours),
                 rate: Formatting.rate(item.rate), amount: Formatting.money(item.amount), authoriser: item.authoriser ?? "Not needed")
        }
        let tag = Self.status(entry.status)
        let caption = try models.providers.organisation(created.organisationID, scope)?.details.name ?? created.organisationID.rawValue
        let model = Model(
            chrome: web.chrome(title: "One-off claim \(id)", context, current: Self.path, errors: errors, banner: banner,
                               backLink: PageChrome.Link(href: Self.path, label: "Back to one-off claims")),
            caption: caption, heading: "One-off claim \(id)", statusLabel: tag.label, statusClass: tag.tag, summary: summary, items: items,
            total: Formatting.money(created.total), claimID: id.rawValue, version: String(entry.version),
            canSubmit: entry.status == .draft && Authorisation.allows(actor, .edit(.oneOffClaims), organisation: created.organisationID))
        return try Page(template: "claim", model: model, status: status).response(from: request, context: context)
    }

    func step(_ request: Request, _ context: PortalRequestContext, submit: Bool) async throws -> Response {
        let actor = try context.requireActor()
        let id = try context.identifier("claimID", as: ClaimID.self)
        let form = try await FormPost.read(request)
        switch try await web.changing(OneOffClaim.streamID(id.rawValue), form: form, actor: actor, context: context, { command in
            if submit {
                _ = try await web.api.portal.submitClaim(id, command)
            } else {
                _ = try await web.api.portal.withdrawClaim(id, command)
            }
        }) {
        case .done:
            return Response.redirect(to: Self.path(id) + "?done=" + (submit ? "submitted" : "withdrawn"), type: .normal)
        case .changedSinceRead:
            let banner = PageChrome.Banner(heading: "This claim changed since you opened it, so nothing was done", text: "Check it as it is now and try again.",
                                           link: PageChrome.Link(href: Self.path(id), label: "Reload the claim"))
            return try await render(id, actor: actor, request, context, banner: banner, status: .preconditionFailed)
        case .refused(let error):
            return try await render(id, actor: actor, request, context, errors: [PageChrome.ErrorLine(message: error.description, fieldID: nil)],
                                    status: .unprocessableContent)
        }
    }
}

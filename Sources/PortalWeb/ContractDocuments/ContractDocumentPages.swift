import Chronology
import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections

/// Contract documents (user guide §11, §13; R-ISO): a provider's ISOs filtered by status and "updated since",
/// one ISO with its CPLIs and their cost, agreeing it or rejecting it with a reason (only a published one, only
/// roles that edit contract documents), and its PDF. The JSON twins are `GET /contract-documents` (same filters),
/// `GET /contract-documents/{id}` and `/pdf` (the same bytes).
struct ContractDocumentPages: Sendable {
    let web: WebPortal

    static let path = "/portal/contract-documents"
    static func path(_ id: ISOID) -> String { "\(path)/\(id)" }

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("contract-documents") { request, context in try await list(request, context) }
        pages.get("contract-documents/{isoID}") { request, context in try await document(request, context) }
        pages.get("contract-documents/{isoID}/pdf") { _, context in try pdf(context) }
        pages.post("contract-documents/{isoID}/agree") { request, context in try await decide(request, context, agree: true) }
        pages.post("contract-documents/{isoID}/reject") { request, context in try await decide(request, context, agree: false) }
    }

    // MARK: The list

    struct Row: Sendable {
        var isoID: String
        var client: String
        var clientReference: String
        var service: String
        var cplis: String
        var statusLabel: String
        var statusClass: String
        var updated: String
    }

    struct ListModel: Sendable {
        var chrome: PageChrome
        var caption: String
        var status: SelectField
        var updatedSince: FormField
        var matchingText: String
        var rows: [Row]
        var hasRows: Bool
    }

    static func status(_ status: ISO.Status) -> (label: String, tag: String) {
        switch status {
        case .published: ("Published", "tag--blue")
        case .agreed: ("Agreed", "tag--green")
        case .rejected: ("Rejected", "tag--red")
        case .none: ("None", "tag--grey")
        }
    }

    func list(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let organisation = try web.providerOrganisation(actor)
        let parameters = try QueryParameters(request, allowing: ["status", "updatedSince"])
        var errors: [String: String] = [:]
        var status: ISO.Status?
        if let text = parameters["status"] {
            status = ISO.Status(rawValue: text).flatMap { $0 == .none ? nil : $0 }
            if status == nil { errors["status"] = "Choose published, agreed or rejected" }
        }
        var since: BusinessDate?
        if let text = parameters["updatedSince"] {
            since = Formatting.parseDate(text)
            if since == nil { errors["updatedSince"] = "Enter the date as 2026-11-16 or 16/11/2026" }
        }
        let models = try await web.api.readModelsAtHead()
        let scope = ReadScope(actor)
        let services = Dictionary(try models.providers.services(of: organisation, scope).map { ($0.serviceID, $0.details.name) }, uniquingKeysWith: { a, _ in a })
        let entries = errors.isEmpty
            ? try models.contractDocuments.documents(of: organisation, status: status, updatedSince: since?.startOfDay, scope) : []
        let zone = web.api.portal.configuration.time.timeZone
        let rows = entries.reversed().compactMap { entry -> Row? in
            guard let publication = entry.document.publication else { return nil }
            let tag = Self.status(entry.status)
            return Row(isoID: publication.isoID.rawValue, client: publication.clientName, clientReference: publication.clientReference,
                       service: services[publication.serviceID] ?? publication.serviceID.rawValue, cplis: String(publication.cpliIDs.count),
                       statusLabel: tag.label, statusClass: tag.tag, updated: Formatting.time(entry.updated.at, in: zone))
        }
        let summary = [("status", "status"), ("updatedSince", "updatedSince")].compactMap { key, id in
            errors[key].map { PageChrome.ErrorLine(message: $0, fieldID: id) }
        }
        let caption = try web.organisationName(organisation, models, actor)
        let model = ListModel(
            chrome: web.chrome(title: "Contract documents", context, current: Self.path, errors: summary),
            caption: caption,
            status: SelectField(id: "status", label: "Status", error: errors["status"],
                                choices: [("", "Any status"), ("published", "Published"), ("agreed", "Agreed"), ("rejected", "Rejected")],
                                selected: parameters["status"]),
            updatedSince: FormField(id: "updatedSince", label: "Updated since", value: parameters["updatedSince"] ?? "",
                                    hint: "A date, as 2026-11-16 or 16/11/2026", error: errors["updatedSince"], inputMode: "numeric", width: "10"),
            matchingText: rows.count == 1 ? "1 document" : "\(rows.count) documents",
            rows: rows, hasRows: !rows.isEmpty)
        return try Page(template: "contract-documents", model: model, status: errors.isEmpty ? .ok : .unprocessableContent)
            .response(from: request, context: context)
    }

    // MARK: One document

    struct CPLIRow: Sendable {
        var cpliID: String
        var serviceType: String
        var planned: String
        var rate: String
        var weeklyCost: String
        var periodCost: String
        var dates: String
        var temporaryOf: String?
    }

    struct Decision: Sendable {
        var isoID: String
        var version: String
        var reasonError: String?
        var reasonValue: String
    }

    struct Model: Sendable {
        var chrome: PageChrome
        var caption: String
        var heading: String
        var statusLabel: String
        var statusClass: String
        var summary: [InvoicePage.SummaryRow]
        var cplis: [CPLIRow]
        var weeklyTotal: String
        var pdfLink: String
        /// The forms to agree or reject, when the document is published and the user's role edits contract documents.
        var decision: Decision?
        var isPublished: Bool
        var askAboutIt: String
    }

    func document(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let id = try context.identifier("isoID", as: ISOID.self)
        let banner: PageChrome.Banner? = switch request.uri.queryParameters.get("done") {
        case "agreed": PageChrome.Banner(heading: "The contract document is agreed", text: "Its CPLIs are now active: they appear in the CPLI list and in actuals.", isSuccess: true)
        case "rejected": PageChrome.Banner(heading: "The contract document is rejected", text: "Service Brokerage sees your reason and publishes a corrected document.", isSuccess: true)
        default: nil
        }
        return try await render(id, actor: actor, request, context, banner: banner)
    }

    func render(_ id: ISOID, actor: Actor, _ request: Request, _ context: PortalRequestContext, banner: PageChrome.Banner? = nil,
                errors: [PageChrome.ErrorLine] = [], reason: (value: String, error: String?)? = nil,
                status: HTTPResponse.Status = .ok) async throws -> Response {
        let models = try await web.api.readModelsAtHead()
        let scope = ReadScope(actor)
        guard let document = try models.contractDocuments.document(id, scope), let publication = document.entry.document.publication else {
            throw Problem.notFound("There is no contract document \(id).")
        }
        let entry = document.entry
        let people = web.people(models, actor)
        let zone = web.api.portal.configuration.time.timeZone
        let service = try models.providers.service(publication.serviceID, scope)?.details.name ?? publication.serviceID.rawValue
        let provider = try models.providers.organisation(publication.organisationID, scope)?.details.name ?? publication.organisationID.rawValue
        var summary: [InvoicePage.SummaryRow] = [
            .init(key: "Client", value: "\(publication.clientName) (\(publication.clientReference))"),
            .init(key: "Service", value: service),
            .init(key: "Published", value: "\(Formatting.time(entry.published.at, in: zone)) by \(people.author(entry.published.who, actingAs: entry.published.actingAs))"),
        ]
        if let decided = entry.decided {
            let verb = entry.status == .agreed ? "Agreed" : "Rejected"
            summary.append(.init(key: verb, value: "\(Formatting.time(decided.at, in: zone)) by \(people.author(decided.who, actingAs: decided.actingAs))"))
        }
        if let reason = entry.document.rejectionReason { summary.append(.init(key: "Reason for rejecting", value: reason)) }
        var weekly = Money.zero
        let cplis = document.lines.map { d -> CPLIRow in
            weekly += d.weeklyCost
            let dates = "From \(Formatting.shortDate(d.startDate))" + (d.endDate.map { " to \(Formatting.shortDate($0))" } ?? "")
            return CPLIRow(cpliID: d.cpliID.rawValue, serviceType: d.serviceType.displayName, planned: "\(Formatting.quantity(d.plannedPerWeek)) \(d.unit.rawValue)",
                           rate: Formatting.rate(d.rate), weeklyCost: Formatting.money(d.weeklyCost), periodCost: Formatting.money(d.periodCost),
                           dates: dates, temporaryOf: d.temporaryOf?.rawValue)
        }
        let tag = Self.status(entry.status)
        let mayDecide = entry.status == .published && Authorisation.allows(actor, .edit(.contractDocuments), organisation: publication.organisationID)
        let decision = mayDecide
            ? Decision(isoID: id.rawValue, version: String(entry.version), reasonError: reason?.error, reasonValue: reason?.value ?? "") : nil
        let ask = NewConversationPage.link(relatedTo: .client, entityID: publication.clientReference, team: .serviceBrokerage, type: .query,
                                           subject: "ISO \(id) for \(publication.clientName)")
        let model = Model(
            chrome: web.chrome(title: "Contract document \(id)", context, current: Self.path, errors: errors, banner: banner,
                               backLink: PageChrome.Link(href: Self.path, label: "Back to contract documents")),
            caption: provider, heading: "Contract document for \(publication.clientName)", statusLabel: tag.label, statusClass: tag.tag,
            summary: summary, cplis: cplis, weeklyTotal: Formatting.money(weekly), pdfLink: Self.path(id) + "/pdf", decision: decision,
            isPublished: entry.status == .published, askAboutIt: ask)
        return try Page(template: "contract-document", model: model, status: status).response(from: request, context: context)
    }

    // MARK: The PDF

    func pdf(_ context: PortalRequestContext) throws -> Response {
        let actor = try context.requireActor()
        let id = try context.identifier("isoID", as: ISOID.self)
        let (bytes, _, _) = try web.api.contractDocumentPDF(id, for: actor)
        return Response(status: .ok, headers: [.contentType: "application/pdf", .contentDisposition: "inline; filename=\"\(id).pdf\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: Agree or reject

    func decide(_ request: Request, _ context: PortalRequestContext, agree: Bool) async throws -> Response {
        let actor = try context.requireActor()
        let id = try context.identifier("isoID", as: ISOID.self)
        let form = try await FormPost.read(request)
        let reason = form.text("reason")
        if !agree, reason.isEmpty {
            let message = "Enter the reason: say what is wrong in the document"
            return try await render(id, actor: actor, request, context, errors: [PageChrome.ErrorLine(message: message, fieldID: "reason")],
                                    reason: (reason, message), status: .unprocessableContent)
        }
        switch try await web.changing(ISO.streamID(id.rawValue), form: form, actor: actor, context: context, { command in
            if agree {
                _ = try await web.api.portal.agreeISO(id, command)
            } else {
                _ = try await web.api.portal.rejectISO(id, reason: reason, command)
            }
        }) {
        case .done:
            return Response.redirect(to: Self.path(id) + "?done=" + (agree ? "agreed" : "rejected"), type: .normal)
        case .changedSinceRead:
            let banner = PageChrome.Banner(heading: "This document changed since you opened it, so nothing was done",
                                           text: "Check it as it is now and try again.", link: PageChrome.Link(href: Self.path(id), label: "Reload the document"))
            return try await render(id, actor: actor, request, context, banner: banner, status: .preconditionFailed)
        case .refused(let error):
            let field = error.field == "reason" ? "reason" : nil
            return try await render(id, actor: actor, request, context, errors: [PageChrome.ErrorLine(message: error.description, fieldID: field)],
                                    reason: field == nil ? nil : (reason, error.description), status: .unprocessableContent)
        }
    }
}

extension ServiceType {
    /// As the guide prints it: `Home Support Contract Rate`.
    var displayName: String {
        rawValue.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }
}

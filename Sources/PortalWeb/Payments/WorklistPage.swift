import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections

/// The Payments Team's worklist page: the same query as `GET /payments/worklist` (``WorklistQuery``), with a
/// filter form, the invoices as a table, bulk approval of the ticked ones, and pages.
struct WorklistPage: Sendable {
    let web: WebPortal

    static let path = "/portal/payments/invoices"

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("payments/invoices") { request, context in try await worklist(request, context) }
    }

    struct Row: Sendable {
        struct Hold: Sendable {
            var by: String
            var reason: String
        }

        var invoiceID: String
        var version: String
        var reference: String
        var providerName: String
        var serviceAndPeriod: String
        var total: String
        var submittedOn: String
        var submittedBy: String
        var waiting: String
        var isLate: Bool
        var isSubmitted: Bool
        var statusLabel: String
        var statusClass: String
        var hold: Hold?
    }

    struct Model: Sendable {
        var chrome: PageChrome
        var search: FormField
        var provider: SelectField
        var status: SelectField
        var heldBy: SelectField
        var minimumDays: FormField
        var minimumTotal: FormField
        var maximumTotal: FormField
        var matchingText: String
        var rows: [Row]
        var hasRows: Bool
        var canApprove: Bool
        var hasPagination: Bool
        var firstPage: String?
        var nextPage: String?
    }

    func worklist(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        try web.api.requireCouncilRead(actor, .paymentProcessing)
        let query = try WorklistQuery(request)
        let models = try await web.api.readModelsAtHead()
        let page = try web.api.worklistPage(query, models: models, actor: actor)
        let names = web.people(models, actor)
        let zone = web.api.portal.configuration.time.timeZone
        let rows = page.items.map { item -> Row in
            let invoice = item.entry.invoice
            let service = invoice.serviceID.map { "\($0)" } ?? "Contract \(invoice.contractID?.rawValue ?? "")"
            return Row(
                invoiceID: item.entry.invoiceID.rawValue, version: String(item.entry.version), reference: invoice.reference,
                providerName: item.providerName, serviceAndPeriod: service + (invoice.period.map { ", period \($0)" } ?? ""),
                total: Formatting.money(invoice.total),
                submittedOn: item.submitted.map { Formatting.time($0.at, in: zone) } ?? "",
                submittedBy: item.submitted.map { names.name(of: $0.who) } ?? "",
                waiting: Formatting.days(item.daysWaiting), isLate: item.isLate, isSubmitted: item.entry.status == .submitted,
                statusLabel: item.entry.status == .onHold ? "On hold" : "Submitted",
                statusClass: item.entry.status == .onHold ? "tag--yellow" : "tag--blue",
                hold: item.hold.map { Row.Hold(by: names.name(of: $0.step.who), reason: $0.reason ?? "") })
        }
        let filter = query.filter
        let providers = try models.providers.organisations(ReadScope(actor)).sorted { $0.details.name < $1.details.name }
        let payments = try models.contacts.councilAccounts(team: .payments, ReadScope(actor)).compactMap { entry -> (String, String)? in
            guard let user = entry.userID, let person = entry.account.person else { return nil }
            return (user.rawValue, "\(person.forename) \(person.surname)")
        }
        let status = filter.statuses.count == 1 ? filter.statuses.first?.rawValue : nil
        var model = Model(
            chrome: web.chrome(title: "Invoices to check", context, current: Self.path),
            search: FormField(id: "q", label: "Search", value: filter.search ?? "", hint: "Provider, invoice reference, client name or reference",
                              width: "20"),
            provider: SelectField(id: "organisationID", label: "Provider",
                                  choices: [("", "All providers")] + providers.map { ($0.organisationID.rawValue, $0.details.name) },
                                  selected: filter.organisation?.rawValue),
            status: SelectField(id: "status", label: "Status", choices: [("", "Submitted and on hold"), ("submitted", "Submitted"), ("on-hold", "On hold")],
                                selected: status),
            heldBy: SelectField(id: "heldBy", label: "Held by", choices: [("", "Anyone")] + payments.map { ($0.0, $0.1) }, selected: filter.heldBy),
            minimumDays: FormField(id: "minimumDaysWaiting", label: "Waiting at least (days)", value: filter.minimumDaysWaiting.map(String.init) ?? "",
                                   inputMode: "numeric", width: "5"),
            minimumTotal: FormField(id: "minimumTotal", label: "Total from (£)", value: filter.minimumTotal?.description ?? "", inputMode: "decimal",
                                    width: "10"),
            maximumTotal: FormField(id: "maximumTotal", label: "Total up to (£)", value: filter.maximumTotal?.description ?? "", inputMode: "decimal",
                                    width: "10"),
            matchingText: page.matching == 1 ? "1 invoice matches" : "\(page.matching) invoices match",
            rows: rows, hasRows: !rows.isEmpty,
            canApprove: Authorisation.allows(actor, .edit(.paymentProcessing), organisation: nil),
            hasPagination: false)
        if query.after != nil { model.firstPage = Self.link(request, after: nil) }
        if let next = page.next { model.nextPage = Self.link(request, after: next) }
        model.hasPagination = model.firstPage != nil || model.nextPage != nil
        return try Page(template: "worklist", model: model).response(from: request, context: context)
    }

    /// This page with the same filters, from `after` (the first page when nil).
    static func link(_ request: Request, after: String?) -> String {
        var items = request.uri.queryParameters.filter { $0.key != "after" }.map { (String($0.key), String($0.value)) }
        if let after { items.append(("after", after)) }
        let query = items.map { "\(WebPortal.escapeQuery($0.0))=\(WebPortal.escapeQuery($0.1))" }.joined(separator: "&")
        return path + (query.isEmpty ? "" : "?" + query)
    }
}

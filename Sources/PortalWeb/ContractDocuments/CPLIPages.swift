import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections

/// Care package line items (user guide §4, R-ISO-3): the provider's CPLIs with the cost breakdown (planned a
/// week × rate, a week and a four-week period), narrowed to a service, and the list as CSV — the same bytes as
/// `GET /cplis?format=csv`, its JSON twin being `GET /cplis`.
struct CPLIPages: Sendable {
    let web: WebPortal

    static let path = "/portal/cplis"

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("cplis") { request, context in try await list(request, context) }
        pages.get("cplis/csv") { request, context in try await csv(request, context) }
    }

    struct Row: Sendable {
        var cpliID: String
        var isoID: String
        var client: String
        var clientReference: String
        var serviceType: String
        var planned: String
        var rate: String
        var weeklyCost: String
        var periodCost: String
        var dates: String
        var statusLabel: String
        var statusClass: String
        var temporaryOf: String?
    }

    struct Model: Sendable {
        var chrome: PageChrome
        var caption: String
        var service: SelectField
        var matchingText: String
        var rows: [Row]
        var hasRows: Bool
        var weeklyTotal: String
        var periodTotal: String
        var csvLink: String
    }

    /// The service of `?serviceID=`, when it is one of the organisation's; 404 otherwise (R-ROLE-2).
    private func service(_ parameters: QueryParameters, _ services: [ServiceEntry]) throws -> ServiceID? {
        guard let text = parameters["serviceID"] else { return nil }
        guard let service = services.first(where: { $0.serviceID.rawValue == text }) else { throw Problem.notFound("There is no service \(text).") }
        return service.serviceID
    }

    func list(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let organisation = try web.providerOrganisation(actor)
        let parameters = try QueryParameters(request, allowing: ["serviceID"])
        let models = try await web.api.readModelsAtHead()
        let scope = ReadScope(actor)
        let services = try models.providers.services(of: organisation, scope)
        let service = try self.service(parameters, services)
        // In the clients' natural order (OA0002 before OA0010), then by CPLI.
        let entries = try models.cplis.cplis(of: organisation, service: service, scope).sorted { a, b in
            switch a.definition.clientReference.compare(b.definition.clientReference, options: [.numeric, .caseInsensitive]) {
            case .orderedAscending: true
            case .orderedDescending: false
            case .orderedSame: a.definition.cpliID < b.definition.cpliID
            }
        }
        var weekly = Money.zero, period = Money.zero
        let rows = entries.map { entry -> Row in
            let d = entry.definition
            if entry.isActive {
                weekly += entry.weeklyCost
                period += entry.periodCost
            }
            let status: (String, String) = entry.isActive ? ("Active", "tag--green")
                : entry.documentStatus == .rejected ? ("ISO rejected", "tag--red") : ("ISO to agree", "tag--blue")
            return Row(cpliID: d.cpliID.rawValue, isoID: d.isoID.rawValue, client: d.clientName, clientReference: d.clientReference,
                       serviceType: d.serviceType.displayName, planned: "\(Formatting.quantity(d.plannedPerWeek)) \(d.unit.rawValue)",
                       rate: Formatting.rate(d.rate), weeklyCost: Formatting.money(entry.weeklyCost), periodCost: Formatting.money(entry.periodCost),
                       dates: "From \(Formatting.shortDate(d.startDate))" + (d.endDate.map { " to \(Formatting.shortDate($0))" } ?? ""),
                       statusLabel: status.0, statusClass: status.1, temporaryOf: d.temporaryOf?.rawValue)
        }
        let caption = try web.organisationName(organisation, models, actor)
        let model = Model(
            chrome: web.chrome(title: "Care package line items", context, current: Self.path),
            caption: caption,
            service: SelectField(id: "serviceID", label: "Service",
                                 choices: [("", "Every service")] + services.map { ($0.serviceID.rawValue, $0.details.name) }, selected: service?.rawValue),
            matchingText: rows.count == 1 ? "1 line item" : "\(rows.count) line items",
            rows: rows, hasRows: !rows.isEmpty, weeklyTotal: Formatting.money(weekly), periodTotal: Formatting.money(period),
            csvLink: Self.path + "/csv" + (service.map { "?serviceID=\(WebPortal.escapeQuery($0.rawValue))" } ?? ""))
        return try Page(template: "cplis", model: model).response(from: request, context: context)
    }

    /// The list as CSV with the cost breakdown: the bytes of `GET /cplis?format=csv` for the same organisation
    /// and service.
    func csv(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let organisation = try web.providerOrganisation(actor)
        let parameters = try QueryParameters(request, allowing: ["serviceID"])
        let models = try await web.api.readModelsAtHead()
        let service = try self.service(parameters, try models.providers.services(of: organisation, ReadScope(actor)))
        let text = try models.cplis.csv(of: organisation, service: service, ReadScope(actor))
        return PaymentRunPages.download(Data(text.utf8), type: "text/csv; charset=utf-8", name: "cplis.csv")
    }
}

import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections

/// A provider's remittance advices (user guide §4 "Reports", §7; R-PAY-2): one per payment run that paid it,
/// the latest payment first, each read on the remittance page of its run (which a provider reads for its own
/// organisation only) and downloaded as CSV — the bytes whose SHA-256 the run recorded (R-PAY-3) — or as text.
/// The JSON twin is `GET /organisations/{id}/remittances`.
struct RemittancePages: Sendable {
    let web: WebPortal

    static let path = "/portal/remittances"

    /// The remittance page of a run for an organisation (``PaymentRunPages``).
    static func advicePath(run: PaymentRunID, organisation: OrganisationID) -> String {
        "\(PaymentRunPages.path)/\(run)/remittances/\(organisation)"
    }

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("remittances") { request, context in try await list(request, context) }
    }

    struct Row: Sendable {
        var paymentDate: String
        var reference: String
        var lines: String
        var total: String
        var href: String
        var csv: String
        var text: String
    }

    struct Model: Sendable {
        var chrome: PageChrome
        var caption: String
        var rows: [Row]
        var hasRows: Bool
    }

    func list(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let organisation = try web.providerOrganisation(actor)
        _ = try QueryParameters(request, allowing: [])
        let models = try await web.api.readModelsAtHead()
        let scope = ReadScope(actor)
        let rows = try models.remittances.remittances(of: organisation, scope).reversed().map { entry -> Row in
            let advice = entry.advice
            let href = Self.advicePath(run: advice.paymentRunID, organisation: organisation)
            return Row(paymentDate: Formatting.date(advice.paymentDate), reference: advice.paymentReference, lines: String(advice.lines.count),
                       total: Formatting.money(advice.total), href: href, csv: href + "/csv", text: href + "/text")
        }
        let caption = try web.organisationName(organisation, models, actor)
        let model = Model(chrome: web.chrome(title: "Remittances", context, current: Self.path), caption: caption, rows: rows, hasRows: !rows.isEmpty)
        return try Page(template: "remittances", model: model).response(from: request, context: context)
    }
}

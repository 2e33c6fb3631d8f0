import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections

/// A provider's invoices and credit notes (user guide §8–9, R-INV-3): each with its status and what happened to
/// it — on hold and why, returned and why, paid on which date — the newest first, narrowed by status; and the
/// credit notes raised against paid invoices (R-INV-4). From the invoices read model, without the invoices'
/// lines. The JSON twins are `GET /invoices?organisationID=…&status=…` and `GET /credit-notes`.
struct InvoiceListPage: Sendable {
    let web: WebPortal

    static let path = "/portal/invoices"
    /// Most invoices on the page; the status filter finds older ones.
    static let maximumRows = 100

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("invoices") { request, context in try await list(request, context) }
    }

    struct Row: Sendable {
        var invoiceID: String
        var reference: String
        var kind: String
        var serviceAndPeriod: String
        var invoiceDate: String
        var total: String
        var statusLabel: String
        var statusClass: String
        /// What happened to it, in words: held and why, returned and why, paid when.
        var note: String?
        var remittance: String?
    }

    struct CreditNoteRow: Sendable {
        var reference: String
        var against: String
        var againstID: String
        var period: String
        var total: String
        var status: String
    }

    struct Model: Sendable {
        var chrome: PageChrome
        var caption: String
        var status: SelectField
        var matchingText: String
        var rows: [Row]
        var hasRows: Bool
        var creditNotes: [CreditNoteRow]
        var hasCreditNotes: Bool
        var canCreate: Bool
    }

    func list(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let organisation = try web.providerOrganisation(actor)
        let parameters = try QueryParameters(request, allowing: ["status"])
        var status: InvoiceStatus?
        var errors: [PageChrome.ErrorLine] = []
        if let text = parameters["status"] {
            status = InvoiceStatus(rawValue: text).flatMap { $0 == .none ? nil : $0 }
            if status == nil { errors.append(.init(message: "Choose a status from the list", fieldID: "status")) }
        }
        let models = try await web.api.readModelsAtHead()
        let scope = ReadScope(actor)
        let services = Dictionary(try models.providers.services(of: organisation, scope).map { ($0.serviceID, $0.details.name) }, uniquingKeysWith: { a, _ in a })
        let (entries, matching) = errors.isEmpty ? try models.invoices.latest(of: organisation, status: status, limit: Self.maximumRows, scope) : ([], 0)
        let rows = entries.map { entry -> Row in
            let invoice = entry.invoice
            let tag = InvoicePage.status(entry.status)
            let what: String = switch invoice.kind {
            case .contractInvoice?: "Contract-level invoice"
            case .supplementaryInvoice?: "Supplementary invoice"
            default: "Invoice"
            }
            var note: String?
            switch entry.status {
            case .onHold: note = "On hold: \(invoice.holdReason ?? "no reason given")"
            case .returned: note = "Returned: \(invoice.returnReason ?? "no reason given")"
            case .paid: note = invoice.payment.map { "Paid on \(Formatting.date($0.paymentDate))" }
            case .unsubmitted: note = "Not yet submitted"
            default: note = nil
            }
            let service = invoice.serviceID.map { services[$0] ?? $0.rawValue } ?? "Contract \(invoice.contractID?.rawValue ?? "")"
            return Row(
                invoiceID: entry.invoiceID.rawValue, reference: invoice.reference, kind: what,
                serviceAndPeriod: service + (invoice.period.map { ", period \($0)" } ?? ""),
                invoiceDate: invoice.invoiceDate.map(Formatting.shortDate) ?? "", total: Formatting.money(invoice.total),
                statusLabel: tag.label, statusClass: tag.tag, note: note,
                remittance: invoice.payment.map { RemittancePages.advicePath(run: $0.paymentRunID, organisation: organisation) })
        }
        let creditNotes = try models.invoices.creditNotes(of: organisation, scope).reversed().compactMap { entry -> CreditNoteRow? in
            guard let raised = entry.note.raised else { return nil }
            return CreditNoteRow(
                reference: raised.reference, against: raised.againstInvoiceID.rawValue, againstID: raised.againstInvoiceID.rawValue,
                period: String(raised.period.value), total: Formatting.money(raised.total),
                status: entry.note.settlement.map { "Deducted on \(Formatting.date($0.paymentDate))" } ?? "Waiting for the next payment run")
        }
        let shown = rows.count < matching ? "the newest \(rows.count) of \(matching) invoices" : (matching == 1 ? "1 invoice" : "\(matching) invoices")
        let caption = try web.organisationName(organisation, models, actor)
        let model = Model(
            chrome: web.chrome(title: "Invoices and credit notes", context, current: Self.path, errors: errors),
            caption: caption,
            status: SelectField(id: "status", label: "Status",
                                choices: [("", "Any status")] + InvoiceStatus.allCases.filter { $0 != .none }.map { ($0.rawValue, InvoicePage.status($0).label) },
                                selected: parameters["status"]),
            matchingText: "Showing " + shown, rows: rows, hasRows: !rows.isEmpty, creditNotes: creditNotes, hasCreditNotes: !creditNotes.isEmpty,
            canCreate: WebPortal.mayEdit(actor, .invoices))
        return try Page(template: "invoices", model: model, status: errors.isEmpty ? .ok : .unprocessableContent).response(from: request, context: context)
    }
}

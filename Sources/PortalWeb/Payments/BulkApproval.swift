import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP

/// Approving several invoices at once from the worklist: each ticked invoice is approved on its own, at the
/// version the worklist showed, and the page says what became of each — approved, or why not (it changed since,
/// it is on hold, …). One refusal does not stop the others; none is approved twice.
struct BulkApproval: Sendable {
    let web: WebPortal

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.post("payments/invoices/approve") { request, context in try await approve(request, context) }
    }

    struct Outcome: Sendable {
        var invoiceID: String
        var reference: String
        var approved: Bool
        var message: String
    }

    struct Model: Sendable {
        var chrome: PageChrome
        var outcomes: [Outcome]
        var approvedCount: String
        var refusedCount: String
        var hasRefused: Bool
    }

    /// Most invoices one approval takes: the worklist's largest page.
    static let maximumInvoices = 200

    func approve(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let form = try await FormPost.read(request)
        let ticked = form.all("invoice")
        guard !ticked.isEmpty else {
            throw WebError.badForm("No invoice was ticked, so nothing was approved. Go back and tick the invoices to approve.")
        }
        guard ticked.count <= Self.maximumInvoices else {
            throw WebError.badForm("At most \(Self.maximumInvoices) invoices can be approved at once.")
        }
        var outcomes: [Outcome] = []
        var seen = Set<String>()
        for item in ticked {
            let parts = item.split(separator: "@", maxSplits: 1).map(String.init)
            guard parts.count == 2, let version = UInt64(parts[1]), InvoiceID.problem(with: parts[0]) == nil, seen.insert(parts[0]).inserted else {
                throw WebError.badForm("the form names an invoice the worklist did not offer")
            }
            let id = InvoiceID(parts[0])
            let reference = (try? web.api.portal.invoice(id, for: actor).reference) ?? id.rawValue
            var command = CommandRequest(actor: actor, correlationID: context.correlationID)
            command.expectedVersions[Invoice.streamID(id.rawValue)] = version
            do {
                _ = try await web.api.portal.approveInvoice(id, command)
                outcomes.append(Outcome(invoiceID: id.rawValue, reference: reference, approved: true, message: "Approved"))
            } catch let error as PortalError where error.isVersionMismatch {
                outcomes.append(Outcome(invoiceID: id.rawValue, reference: reference, approved: false,
                                        message: "Not approved: it changed after the list was shown; open it to see why"))
            } catch {
                let problem = ProblemMiddleware.problem(for: error, actor: actor, requestID: context.requestID)
                guard problem.statusCode < 500 else { throw error }
                outcomes.append(Outcome(invoiceID: id.rawValue, reference: reference, approved: false, message: "Not approved: \(problem.detail)"))
            }
        }
        let approved = outcomes.filter(\.approved).count
        let refused = outcomes.count - approved
        let model = Model(
            chrome: web.chrome(title: "Approval of \(outcomes.count) invoices", context, current: WorklistPage.path,
                               banner: PageChrome.Banner(heading: approved == 1 ? "1 invoice approved" : "\(approved) invoices approved", isSuccess: refused == 0),
                               backLink: PageChrome.Link(href: WorklistPage.path, label: "Back to invoices to check")),
            outcomes: outcomes, approvedCount: String(approved), refusedCount: String(refused), hasRefused: refused > 0)
        return try Page(template: "bulk-approval", model: model).response(from: request, context: context)
    }
}

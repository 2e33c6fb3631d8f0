import Foundation
import Hummingbird
import Mustache

/// The templates of the web pages, compiled into the binary (SwiftPM's `embedInCode` resources), parsed once
/// into a Mustache library. Every `{{value}}` is HTML-escaped; the templates use no triple mustaches.
struct PageLibrary: Sendable {
    let library: MustacheLibrary

    /// The embedded templates by name (the file name without `.mustache`).
    static let templates: [String: [UInt8]] = [
        "layout": PackageResources.layout_mustache,
        "field": PackageResources.field_mustache,
        "sign-in": PackageResources.sign_in_mustache,
        "home": PackageResources.home_mustache,
        "message": PackageResources.message_mustache,
        "select": PackageResources.select_mustache,
        "worklist": PackageResources.worklist_mustache,
        "invoice": PackageResources.invoice_mustache,
        "bulk-approval": PackageResources.bulk_approval_mustache,
        "payment-runs": PackageResources.payment_runs_mustache,
        "payment-run-new": PackageResources.payment_run_new_mustache,
        "payment-run-preview": PackageResources.payment_run_preview_mustache,
        "payment-run": PackageResources.payment_run_mustache,
        "remittance": PackageResources.remittance_mustache,
        "conversations": PackageResources.conversations_mustache,
        "conversation": PackageResources.conversation_mustache,
        "audit": PackageResources.audit_mustache,
        "audit-story": PackageResources.audit_story_mustache,
        "audit-who": PackageResources.audit_who_mustache,
        "contract-documents": PackageResources.contract_documents_mustache,
        "contract-document": PackageResources.contract_document_mustache,
        "cplis": PackageResources.cplis_mustache,
        "invoices": PackageResources.invoices_mustache,
        "invoice-new": PackageResources.invoice_new_mustache,
        "claims": PackageResources.claims_mustache,
        "claim-new": PackageResources.claim_new_mustache,
        "claim": PackageResources.claim_mustache,
        "conversation-new": PackageResources.conversation_new_mustache,
        "contacts": PackageResources.contacts_mustache,
        "contact-new": PackageResources.contact_new_mustache,
        "contact": PackageResources.contact_mustache,
        "person-fields": PackageResources.person_fields_mustache,
        "remittances": PackageResources.remittances_mustache,
        "actuals-services": PackageResources.actuals_services_mustache,
        "actuals-week": PackageResources.actuals_week_mustache,
        "actual-edit": PackageResources.actual_edit_mustache,
        "actuals-import": PackageResources.actuals_import_mustache,
    ]

    /// Parses every template; a template that does not parse is a programming error found by the first test.
    static let shared: PageLibrary = {
        var library = MustacheLibrary()
        for (name, bytes) in templates {
            do {
                try library.register(String(decoding: bytes, as: UTF8.self), named: name)
            } catch {
                fatalError("the template \(name).mustache does not parse: \(error)")
            }
        }
        return PageLibrary(library: library)
    }()

    /// The page `template` filled with `model`.
    func render(_ template: String, _ model: Any) -> String {
        guard let html = library.render(model, withTemplate: template) else {
            fatalError("there is no template named \(template)")
        }
        return html
    }
}

/// An HTML page to send: the template, its model, and the status.
struct Page: ResponseGenerator {
    var template: String
    var model: Any
    var status: HTTPResponse.Status = .ok

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let html = PageLibrary.shared.render(template, model)
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

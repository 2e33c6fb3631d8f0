import Chronology
import EventLog
import Hummingbird
import PortalApplication
import PortalAudit
import PortalDomain

/// `GET /invoices/{id}/history` (and `/credit-notes/{id}/history`): a document's story from the log, as the
/// audit tool and the auditor's pages tell it — every event with when, who, acting as what, a one-line summary,
/// and every field of the document it changed, before → after. For whoever may read the document (404 for
/// another provider's).
struct InvoiceHistoryRoutes {
    let api: PortalAPI

    struct StepView: Encodable {
        struct Change: Encodable {
            var field: String
            /// Nil when the field did not exist before.
            var before: String?
            /// Nil when the field no longer exists.
            var after: String?
        }

        var position: UInt64
        var at: Timestamp
        var who: String
        var actingAs: String
        var type: String
        var summary: String
        var changes: [Change]
    }

    func register(on router: Router<PortalRequestContext>) {
        router.get("/invoices/{invoiceID}/history") { _, context in try invoiceHistory(context) }
        router.get("/credit-notes/{creditNoteID}/history") { _, context in try creditNoteHistory(context) }
    }

    func invoiceHistory(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let id = try context.identifier("invoiceID", as: InvoiceID.self)
        let snapshot = try api.existing(Invoice.self, id.rawValue, "invoice \(id)")
        try api.requireReadable(actor, .invoices, organisation: snapshot.state.organisationID, "invoice \(id)")
        return try history(try AuditSubjects(log: api.log).invoice(id.rawValue))
    }

    func creditNoteHistory(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let id = try context.identifier("creditNoteID", as: CreditNoteID.self)
        let snapshot = try api.existing(CreditNote.self, id.rawValue, "credit note \(id)")
        try api.requireReadable(actor, .invoices, organisation: snapshot.state.raised?.organisationID, "credit note \(id)")
        return try history(try AuditSubjects(log: api.log).creditNote(id.rawValue))
    }

    private func history(_ subject: AuditSubject) throws -> Reply {
        let history = try AuditHistory(subject, in: api.log)
        return try api.json(history.steps.map { step in
            StepView(position: step.event.position, at: step.event.recordedAt, who: step.event.actor.who, actingAs: step.event.actor.actingAs,
                     type: step.event.type, summary: step.summary,
                     changes: step.changes.map { StepView.Change(field: $0.path, before: $0.before, after: $0.after) })
        })
    }
}

import Chronology
import EventLog
import Foundation
import Hummingbird
import PortalApplication
import PortalAudit
import PortalDomain

/// Evidence for an auditor outside the council, over HTTP as `portal audit` gives it on the shell:
///
/// - `GET /audit/checkpoint`: a checkpoint of the log as it is now (size, Merkle tree root, chain head, time),
///   signed with the deployment's key, in the C2SP signed-note text `portal audit checkpoint` writes.
/// - `GET /audit/public-key`: the verifier key line `portal audit public-key` prints (for
///   `tools/verify-evidence.py --public-key`).
/// - `GET /invoices/{id}/evidence`: the invoice's evidence bundle (its events as stored, an inclusion proof of
///   each, the signed checkpoint), the bytes `portal audit prove invoice` writes.
///
/// For auditors and council staff only: a checkpoint says how long the whole log is, which is nobody's business
/// at a provider, and a job's key reads records, not proofs.
struct EvidenceRoutes {
    let api: PortalAPI

    func register(on router: Router<PortalRequestContext>) {
        router.get("/audit/checkpoint") { _, context in
            let signed = try api.signedCheckpoint(for: try context.requireActor())
            return api.text(signed.note, mediaType: "text/plain; charset=utf-8", fileName: "checkpoint-\(signed.checkpoint.size).txt")
        }
        router.get("/audit/public-key") { _, context in
            let key = try api.verifierKey(for: try context.requireActor())
            return api.text("\(key)\n", mediaType: "text/plain; charset=utf-8", fileName: "portal-public-key.txt")
        }
        router.get("/invoices/{invoiceID}/evidence") { _, context in
            let id = try context.identifier("invoiceID", as: InvoiceID.self)
            let evidence = try api.invoiceEvidence(id, for: try context.requireActor())
            return Reply(status: .ok, headers: [.contentType: "application/json", .contentDisposition: "attachment; filename=\"\(evidence.fileName)\""],
                         body: ByteBuffer(bytes: evidence.json))
        }
    }
}

extension PortalAPI {
    /// An invoice's evidence bundle, as JSON, with the file name to save it under.
    public struct Evidence: Sendable {
        public var bundle: EvidenceBundle
        public var json: Data
        public var fileName: String
    }

    /// Refuses anyone but an auditor or council staff (403), and answers 503 when this server has no signing key.
    private func evidenceKey(for actor: Actor) throws -> CheckpointSigningKey {
        switch actor {
        case .auditor, .council: break
        default:
            throw Problem(.forbidden, kind: "forbidden", title: "Not allowed",
                          detail: "checkpoints and evidence bundles are for auditors and council staff", rule: "R-ROLE")
        }
        guard let key = checkpointKey else {
            throw Problem(.serviceUnavailable, kind: "no-signing-key", title: "No signing key",
                          detail: "this server was started without the deployment's checkpoint signing key; `portal audit checkpoint` on its shell makes checkpoints")
        }
        return key
    }

    /// A checkpoint of the log's head now, signed with the deployment's key.
    public func signedCheckpoint(for actor: Actor) throws -> SignedCheckpoint {
        let key = try evidenceKey(for: actor)
        return try SignedCheckpoint.sign(Checkpoint.head(of: log, time: portal.configuration.time.now()), with: key)
    }

    /// The public key that verifies this deployment's checkpoints.
    public func verifierKey(for actor: Actor) throws -> VerifierKey {
        try evidenceKey(for: actor).verifierKey(name: Checkpoint.origin(of: log))
    }

    /// The evidence bundle of invoice `id` at a checkpoint of the log's head now (404 for an unknown invoice).
    /// Another provider's invoice is 404, as every other record of theirs (R-ROLE-2); a provider's own is 403.
    public func invoiceEvidence(_ id: InvoiceID, for actor: Actor) throws -> Evidence {
        let snapshot = try existing(Invoice.self, id.rawValue, "invoice \(id)")
        try requireVisible(actor, organisation: snapshot.state.organisationID, "invoice \(id)")
        let signed = try signedCheckpoint(for: actor)
        let subject = try AuditSubjects(log: log).invoice(id.rawValue)
        let bundle = try EvidenceBundle.make(kind: "invoice", streamID: subject.sources[0].streamID, selection: .stream, checkpoint: signed, in: log)
        return Evidence(bundle: bundle, json: try bundle.json(), fileName: "evidence-\(id.rawValue)-\(signed.checkpoint.size).json")
    }
}

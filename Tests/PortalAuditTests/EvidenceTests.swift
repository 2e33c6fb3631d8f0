import Chronology
import EventLog
import Foundation
import PortalAudit
import PortalDomain
import Testing

/// Signed checkpoints and evidence bundles from the invoice story (in process; the independent Python verifier
/// is run on them by the command tests).
@Suite("Audit: checkpoints and evidence")
struct EvidenceTests {
    static let signedAt = Timestamp(iso8601: "2026-12-15T12:00:00Z")!

    @Test("the signing key is made once, 0600 in a 0700 keys folder, and stays the same key")
    func signingKey() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("portal-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try CheckpointSigningKey.existing(in: folder) == nil)
        let first = try CheckpointSigningKey.ensure(in: folder)
        let again = try CheckpointSigningKey.ensure(in: folder)
        #expect(first.verifierKey(name: "x").publicKey == again.verifierKey(name: "x").publicKey)
        let file = folder.appendingPathComponent("keys/checkpoint-signing.key")
        #expect(first.file == file)
        let fileMode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        let folderMode = try FileManager.default.attributesOfItem(atPath: file.deletingLastPathComponent().path)[.posixPermissions] as? Int
        #expect(fileMode == 0o600)
        #expect(folderMode == 0o700)
        // Only the key file is left in the folder (the staging file is removed).
        #expect(try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path) == ["checkpoint-signing.key"])
        // The public key's text form round-trips, and a wrong key id is refused.
        let key = first.verifierKey(name: "provider-portal/0123456789abcdef")
        #expect(try VerifierKey(parsing: key.description + "\n") == key)
        let parts = key.description.split(separator: "+")
        #expect(throws: AuditError.self) { try VerifierKey(parsing: "\(parts[0])+00000000+\(parts[2])") }
    }

    @Test("a checkpoint signs the tree head: it verifies with the key, not with another key, and not once a byte of it changes")
    func checkpointSignature() async throws {
        let fixture = try await AuditFixture.make()
        try await fixture.invoiceStory()
        let key = try CheckpointSigningKey.ensure(in: fixture.folder)
        let checkpoint = try Checkpoint.head(of: fixture.log, time: Self.signedAt)
        let head = try fixture.log.treeHead()
        #expect(checkpoint.size == head.size && checkpoint.root == head.root && checkpoint.chainHead == head.chainHead)
        #expect(checkpoint.origin == "provider-portal/" + (try fixture.log.hash(at: 1))!.hex.prefix(16))
        let signed = try SignedCheckpoint.sign(checkpoint, with: key)
        let verifier = key.verifierKey(name: checkpoint.origin)
        #expect(try SignedCheckpoint.verify(signed.note, with: verifier).checkpoint == checkpoint)
        #expect(signed.note.hasPrefix("\(checkpoint.origin)\n\(checkpoint.size)\n"))
        #expect(signed.note.contains("\nchain-head \(head.chainHead.hex)\ntime 2026-12-15T12:00:00.000000Z\n\n\u{2014} \(checkpoint.origin) "))
        // Another size in the text: the signature no longer verifies.
        let altered = signed.note.replacingOccurrences(of: "\n\(checkpoint.size)\n", with: "\n\(checkpoint.size + 1)\n")
        #expect(throws: AuditError.self) { try SignedCheckpoint.verify(altered, with: verifier) }
        let otherFolder = FileManager.default.temporaryDirectory.appendingPathComponent("portal-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: otherFolder) }
        let other = try CheckpointSigningKey.ensure(in: otherFolder).verifierKey(name: checkpoint.origin)
        #expect(throws: AuditError.self) { try SignedCheckpoint.verify(signed.note, with: other) }
        #expect(try checkpoint.mismatch(with: fixture.log) == nil)
    }

    @Test("an invoice's bundle holds its stream's events as stored, each proved at the checkpoint, and nothing of another stream")
    func invoiceBundle() async throws {
        let fixture = try await AuditFixture.make()
        try await fixture.invoiceStory()
        let key = try CheckpointSigningKey.ensure(in: fixture.folder)
        let signed = try SignedCheckpoint.sign(Checkpoint.head(of: fixture.log, time: Self.signedAt), with: key)
        let subject = try AuditSubjects(log: fixture.log).invoice("INV-P9")
        let bundle = try EvidenceBundle.make(kind: "invoice", streamID: subject.sources[0].streamID, selection: .stream, checkpoint: signed, in: fixture.log)
        let stored = try fixture.log.readStream("invoice-inv-p9")
        #expect(bundle.events.map(\.type) == AuditFixture.invoiceSteps.map(\.type))
        #expect(bundle.events.map(\.position) == stored.map(\.position))
        #expect(Set(bundle.events.map(\.stream)) == ["invoice-inv-p9"])
        #expect(bundle.subject.kind == "invoice" && bundle.subject.stream == "invoice-inv-p9")
        #expect(bundle.subject.selection == "stream" && bundle.subject.organisation == nil)
        for event in bundle.events {
            let record = try #require(try fixture.log.storedRecord(at: event.position))
            #expect(event.record == record.map { String(format: "%02x", $0) }.joined())
            let hash = try #require(try fixture.log.hash(at: event.position))
            let previous = event.position == 1 ? ChainHash.genesis : try #require(try fixture.log.hash(at: event.position - 1))
            #expect(event.hash == hash.hex && event.previousHash == previous.hex)
            let proof = event.inclusionProof.map { TreeHash(hex: $0)! }
            #expect(MerkleTree.root(fromInclusionProof: proof, leafIndex: event.position - 1, treeSize: signed.checkpoint.size,
                                    leafHash: MerkleTree.leafHash(chainHash: hash)) == signed.checkpoint.root)
        }
        // The JSON is readable and sorted, hashes in lowercase hex.
        let text = String(decoding: try bundle.json(), as: UTF8.self)
        #expect(text.contains("\"format\" : \"provider-portal-evidence/1\""))
        #expect(text.contains("\"type\" : \"InvoiceApproved\""))
        #expect(!text.contains("invoice-inv-r9") && !text.contains("\"stream\" : \"paymentrun"))
    }

    @Test("a provider's remittance bundle holds only its RemittanceIssued event of the run; an unpaid provider is refused")
    func remittanceBundle() async throws {
        let fixture = try await AuditFixture.make()
        try await fixture.invoiceStory()
        try await fixture.creditNoteAndSecondRun()
        let key = try CheckpointSigningKey.ensure(in: fixture.folder)
        let signed = try SignedCheckpoint.sign(Checkpoint.head(of: fixture.log, time: Self.signedAt), with: key)
        let run = try fixture.log.readStream("paymentrun-run-2")
        #expect(run.count > 2, "run-2 pays two providers and completes")
        let oasis = try EvidenceBundle.make(kind: "remittance", streamID: "paymentrun-run-2", selection: .remittance(organisation: "oasis"),
                                            checkpoint: signed, in: fixture.log)
        #expect(oasis.events.map(\.type) == ["RemittanceIssued"])
        #expect(oasis.events.allSatisfy { $0.payload["organisationID"] == .string("oasis") })
        #expect(oasis.subject.organisation == "oasis" && oasis.subject.selection == "remittance")
        let text = String(decoding: try oasis.json(), as: UTF8.self)
        #expect(!text.contains("riverside"), "nothing of the other provider's remittance")
        #expect(throws: AuditError.self) {
            try EvidenceBundle.make(kind: "remittance", streamID: "paymentrun-run-2", selection: .remittance(organisation: "nobody"), checkpoint: signed, in: fixture.log)
        }
    }

    @Test("checkpoints: the log grown after one still holds it; consistency is proved; a change before it fails at its position")
    func checkpointAgainstTheLog() async throws {
        let fixture = try await AuditFixture.make()
        try await fixture.invoiceStory()
        let key = try CheckpointSigningKey.ensure(in: fixture.folder)
        let older = try SignedCheckpoint.sign(Checkpoint.head(of: fixture.log, time: Self.signedAt), with: key)
        try await fixture.creditNoteAndSecondRun()
        let newer = try SignedCheckpoint.sign(Checkpoint.head(of: fixture.log, time: Self.signedAt), with: key)
        #expect(newer.checkpoint.size > older.checkpoint.size)
        let check = try CheckpointCheck.check(fixture.log, against: older.checkpoint)
        #expect(check.isVerified, "\(String(describing: check.failure))")
        #expect(check.grownBy == newer.checkpoint.size - older.checkpoint.size)
        #expect(check.treeRoot == newer.checkpoint.root)
        let consistency = try ConsistencyEvidence.make(older: older, newer: newer, in: fixture.log)
        #expect(MerkleTree.verifyConsistency(oldSize: older.checkpoint.size, newSize: newer.checkpoint.size, oldRoot: older.checkpoint.root,
                                             newRoot: newer.checkpoint.root, path: consistency.consistencyProof.map { TreeHash(hex: $0)! }))
        #expect(throws: AuditError.self) { try ConsistencyEvidence.make(older: newer, newer: older, in: fixture.log) }
        // A checkpoint that claims another root at the same size is not this log's.
        var forged = older.checkpoint
        forged.root = newer.checkpoint.root
        #expect(try forged.mismatch(with: fixture.log)?.contains("tree root") == true)
        let failed = try CheckpointCheck.check(fixture.log, against: forged)
        #expect(failed.failure?.position == older.checkpoint.size)
    }
}

import ChildProcess
import Foundation
import Testing

/// Signed checkpoints and evidence bundles made by the real binary, checked by the independent verifier
/// `tools/verify-evidence.py` (Python and PyPI's cryptography; no code shared with the product).
@Suite("portal audit: checkpoints, evidence bundles and the independent verifier (real process)")
struct EvidenceCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `tools/test` sets PORTAL_PYTHON to a Python with jsonschema, PyYAML and cryptography.
    static var python: String { ProcessInfo.processInfo.environment["PORTAL_PYTHON"] ?? "python3" }

    /// Runs a Python tool of the repository.
    static func runPython(_ tool: String, _ arguments: [String]) throws -> PortalBinary.Output {
        try PortalBinary.runExecutable(URL(fileURLWithPath: "/usr/bin/env"), [python, repository.appendingPathComponent(tool).path] + arguments)
    }

    /// `tools/verify-evidence.py BUNDLE --public-key KEY`.
    static func verify(_ bundle: URL, key: URL) throws -> PortalBinary.Output {
        try runPython("tools/verify-evidence.py", [bundle.path, "--public-key", key.path])
    }

    /// A county's data folder, its public key saved as an auditor would receive it, and a checkpoint.
    struct Deployment {
        let data: TemporaryFolder
        let files = TemporaryFolder()
        var key: URL { files.url.appendingPathComponent("portal.pub") }
        var checkpoint: URL { files.url.appendingPathComponent("checkpoint-1.txt") }

        init(events: Int = 3_000) throws {
            data = try ProjectionCommandTests.county(events: events, organisations: 4)
            let key = try PortalBinary.run(["audit", "public-key", "--data", data.url.path])
            #expect(key.status == 0, "\(key.standardError)")
            try Data(key.standardOutput.utf8).write(to: self.key)
            let checkpoint = try PortalBinary.run(["audit", "checkpoint", "--data", data.url.path, "--output", self.checkpoint.path])
            #expect(checkpoint.status == 0, "\(checkpoint.standardError)")
        }

        /// The first invoice paid by run-1: its id, reference and stream's event types.
        func paidInvoice() throws -> (id: String, reference: String, types: [String]) {
            let completed = try #require(try AuditRemittanceCommandTests.payloads("paymentrun-run-1", data.url).first { $0.type == "PaymentRunCompleted" })
            let invoiceID = try #require((completed.payload["invoiceIDs"] as? [String])?.first)
            let stream = try AuditRemittanceCommandTests.payloads("invoice-\(invoiceID)", data.url)
            return (invoiceID, try #require(stream.first?.payload["reference"] as? String), stream.map(\.type))
        }

        func prove(_ arguments: [String], to name: String) throws -> URL {
            let bundle = files.url.appendingPathComponent(name)
            let proved = try PortalBinary.run(["audit", "prove"] + arguments + ["--data", data.url.path, "--output", bundle.path])
            #expect(proved.status == 0, "\(proved.standardOutput)\(proved.standardError)")
            return bundle
        }
    }

    @Test("over HTTP an auditor downloads an invoice's bundle, the checkpoint and the public key: the verifier checks them alone; a provider and a job are refused")
    func evidenceOverHTTP() async throws {
        let server = try RunningServer()
        try await server.waitUntilReady()
        let auditor = try await server.logIn("auditor@council.example")
        let invoices = try #require(try await server.send("GET", "/invoices?status=paid", token: auditor).array)
        let invoiceID = try #require(invoices.first?["invoiceID"] as? String)
        let files = TemporaryFolder()

        let key = try await server.send("GET", "/audit/public-key", token: auditor)
        #expect(key.status == 200 && key.text.contains("+"), "\(key.status) \(key.text)")
        try Data(key.text.utf8).write(to: files.url.appendingPathComponent("portal.pub"))
        let bundle = try await server.send("GET", "/invoices/\(invoiceID)/evidence", token: auditor)
        #expect(bundle.status == 200, "\(bundle.text.prefix(300))")
        #expect(bundle.header("Content-Disposition")?.contains("evidence-\(invoiceID)-") == true)
        try Data(bundle.text.utf8).write(to: files.url.appendingPathComponent("bundle.json"))
        let verified = try Self.verify(files.url.appendingPathComponent("bundle.json"), key: files.url.appendingPathComponent("portal.pub"))
        #expect(verified.status == 0, "\(verified.standardOutput)\(verified.standardError)")
        #expect(verified.standardOutput.contains("InvoiceSubmitted"), "\(verified.standardOutput)")
        // Every event of the bundle is of the invoice's stream.
        let streams = Set(((bundle.json?["events"] as? [[String: Any]]) ?? []).compactMap { $0["stream"] as? String })
        #expect(streams == ["invoice-\(invoiceID)"])

        let checkpoint = try await server.send("GET", "/audit/checkpoint", token: auditor)
        #expect(checkpoint.status == 200 && checkpoint.text.contains("— "), "\(checkpoint.text)")

        let provider = try await server.logIn("super-user-actuals@oasis.example")
        for path in ["/audit/public-key", "/audit/checkpoint", "/invoices/\(invoiceID)/evidence"] {
            #expect(try await server.send("GET", path, token: provider).status == 403, "\(path)")
        }
        #expect(try await server.send("GET", "/invoices/no-such-invoice/evidence", token: auditor).status == 404)
        server.stop()
    }

    @Test("an invoice's bundle verifies with the public key alone and prints its history; one byte changed in a record, a proof hash, the checkpoint or the signature fails, naming it")
    func invoiceBundle() throws {
        let deployment = try Deployment()
        let invoice = try deployment.paidInvoice()
        let bundle = try deployment.prove(["invoice", invoice.reference, "--checkpoint", deployment.checkpoint.path], to: "invoice.json")
        let verified = try Self.verify(bundle, key: deployment.key)
        #expect(verified.status == 0, "\(verified.standardOutput)\(verified.standardError)")
        #expect(verified.standardOutput.hasPrefix("OK: \(invoice.types.count) events of invoice-\(invoice.id)"), "\(verified.standardOutput)")
        for type in invoice.types { #expect(verified.standardOutput.contains(type)) }
        #expect(verified.standardOutput.contains("team:payments"))

        let original = try Data(contentsOf: bundle)
        let text = String(decoding: original, as: UTF8.self)
        /// The bundle with the first byte after `marker` (at its `occurrence`) changed to another character of its kind.
        func altered(after marker: String, skip: Int = 0, occurrence: Int = 0) throws -> URL {
            var ranges: [Range<String.Index>] = []
            var from = text.startIndex
            while let range = text.range(of: marker, range: from..<text.endIndex) {
                ranges.append(range)
                from = range.upperBound
            }
            let range = try #require(ranges.count > occurrence ? ranges[occurrence] : nil, "\(marker) not found")
            var bytes = Array(original)
            let offset = text.utf8.distance(from: text.startIndex, to: range.upperBound) + skip
            let old = bytes[offset]
            let hexDigits = Array("0123456789abcdef".utf8)
            let base64 = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
            let alphabet = hexDigits.contains(old) && marker.hasSuffix("\"") ? hexDigits : base64
            bytes[offset] = alphabet[(alphabet.firstIndex(of: old).map { $0 + 1 } ?? 0) % alphabet.count]
            let file = deployment.files.url.appendingPathComponent("altered-\(UUID().uuidString).json")
            try Data(bytes).write(to: file)
            return file
        }
        let cases: [(what: String, file: URL, expected: String)] = [
            ("a byte of a record's payload", try altered(after: "\"record\" : \"", skip: 400), "record: its chain hash does not match"),
            ("a byte of an inclusion proof hash", try altered(after: "\"inclusionProof\" : [\n        \"", skip: 10), "inclusionProof: does not lead"),
            ("a byte of the checkpoint's root", try altered(after: "\"checkpoint\" : \"provider-portal/", skip: 30), "checkpoint"),
            ("a byte of the signature", try altered(after: "\\n\\n\u{2014} provider-portal/", skip: 30), "checkpoint signature"),
            ("a byte of a previous hash", try altered(after: "\"previousHash\" : \"", skip: 5, occurrence: 1), "record: its chain hash does not match"),
            ("a byte of the readable payload", try altered(after: "\"payload\" : {\n        \"", skip: 1), "payload: the readable copy differs"),
        ]
        for (what, file, expected) in cases {
            let failed = try Self.verify(file, key: deployment.key)
            #expect(failed.status == 1, "\(what): \(failed.standardOutput)")
            #expect(failed.standardOutput.hasPrefix("FAILED: "), "\(what): \(failed.standardOutput)")
            #expect(failed.standardOutput.contains(expected), "\(what): \(failed.standardOutput)")
        }
        // Another deployment's key: the signature does not verify.
        let stranger = try ProjectionCommandTests.county(events: 300, organisations: 2)
        let otherKey = try PortalBinary.run(["audit", "public-key", "--data", stranger.url.path])
        let otherKeyFile = stranger.url.appendingPathComponent("other.pub")
        try Data(otherKey.standardOutput.utf8).write(to: otherKeyFile)
        let wrongKey = try Self.verify(bundle, key: otherKeyFile)
        #expect(wrongKey.status == 1)
        #expect(wrongKey.standardOutput.contains("checkpoint"), "\(wrongKey.standardOutput)")
    }

    @Test("every byte of a provider's remittance bundle, changed in turn, makes the verifier refuse it")
    func everyByte() throws {
        let deployment = try Deployment()
        // The smallest remittance of the first run: the fewest bytes to change one by one.
        let remittances = try AuditRemittanceCommandTests.payloads("paymentrun-run-1", deployment.data.url).filter { $0.type == "RemittanceIssued" }
        let smallest = try #require(remittances.min { ($0.payload["lines"] as? [Any])?.count ?? 0 < ($1.payload["lines"] as? [Any])?.count ?? 0 })
        let organisation = try #require(smallest.payload["organisationID"] as? String)
        let bundle = try deployment.prove(["payment-run", "run-1", "--provider", organisation], to: "remittance.json")
        let size = try Data(contentsOf: bundle).count
        let mutated = try Self.runPython("tools/testing/mutate-evidence.py", [bundle.path, "--public-key", deployment.key.path])
        #expect(mutated.status == 0, "\(mutated.standardOutput)\(mutated.standardError)")
        #expect(mutated.standardOutput.hasPrefix("\(size + (size + 15) / 16) changed bundles of \(size) bytes checked; 0 accepted"), "\(mutated.standardOutput)")
    }

    @Test("credit notes, claims and payment runs: a provider's remittance holds none of another provider's; consistency of two checkpoints; verify --from-checkpoint")
    func otherKindsConsistencyAndVerify() async throws {
        let deployment = try Deployment()
        let remittances = try AuditRemittanceCommandTests.payloads("paymentrun-run-1", deployment.data.url).filter { $0.type == "RemittanceIssued" }
        let paid = try #require(remittances.first?.payload["organisationID"] as? String)
        let others = remittances.compactMap { $0.payload["organisationID"] as? String }.filter { $0 != paid }
        let remittance = try deployment.prove(["payment-run", "run-1", "--provider", paid, "--checkpoint", deployment.checkpoint.path], to: "remittance.json")
        let verified = try Self.verify(remittance, key: deployment.key)
        #expect(verified.status == 0, "\(verified.standardOutput)")
        #expect(verified.standardOutput.contains("(the remittance to \(paid))"))
        let text = String(decoding: try Data(contentsOf: remittance), as: UTF8.self)
        for other in others { #expect(!text.contains("\"\(other)\""), "\(other)'s data in \(paid)'s remittance bundle") }
        let wholeRun = try deployment.prove(["payment-run", "run-1"], to: "run.json")
        #expect(try Self.verify(wholeRun, key: deployment.key).status == 0)
        let creditNotes = try PortalBinary.run(["log", "read-all", "--data", deployment.data.url.path, "--category", "creditnote", "--format", "json"])
        if let creditNote = try AuditRemittanceCommandTests.jsonLines(creditNotes).first?["stream"] as? String {
            let bundle = try deployment.prove(["credit-note", String(creditNote.dropFirst("creditnote-".count))], to: "credit-note.json")
            #expect(try Self.verify(bundle, key: deployment.key).status == 0)
        }

        // The log grows; a later checkpoint extends the first, and the log still holds the first.
        _ = try await ForgedEvent.append(deployment.data, stream: "note-1", type: "Noted", payload: "{}")
        let later = deployment.files.url.appendingPathComponent("checkpoint-2.txt")
        #expect(try PortalBinary.run(["audit", "checkpoint", "--data", deployment.data.url.path, "--output", later.path]).status == 0)
        let proof = deployment.files.url.appendingPathComponent("consistency.json")
        let consistency = try PortalBinary.run(["audit", "prove", "consistency", deployment.checkpoint.path, later.path, "--data", deployment.data.url.path,
                                                "--output", proof.path])
        #expect(consistency.status == 0, "\(consistency.standardOutput)\(consistency.standardError)")
        let checked = try Self.verify(proof, key: deployment.key)
        #expect(checked.status == 0, "\(checked.standardOutput)")
        #expect(checked.standardOutput.contains("extends its log of"), "\(checked.standardOutput)")
        let backwards = try PortalBinary.run(["audit", "prove", "consistency", later.path, deployment.checkpoint.path, "--data", deployment.data.url.path])
        #expect(backwards.status == 2, "\(backwards.standardError)")

        let fromCheckpoint = try PortalBinary.run(["audit", "verify", "--data", deployment.data.url.path, "--from-checkpoint", deployment.checkpoint.path])
        #expect(fromCheckpoint.status == 0, "\(fromCheckpoint.standardOutput)\(fromCheckpoint.standardError)")
        #expect(fromCheckpoint.standardOutput.contains("is unchanged and the log grew by 1 events after it"), "\(fromCheckpoint.standardOutput)")
        // A checkpoint whose signature was altered is refused before the log is read (exit status 1).
        let bytes = Array(try Data(contentsOf: deployment.checkpoint))
        var forged = bytes
        forged[bytes.count - 5] = forged[bytes.count - 5] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let forgedFile = deployment.files.url.appendingPathComponent("forged.txt")
        try Data(forged).write(to: forgedFile)
        let refused = try PortalBinary.run(["audit", "verify", "--data", deployment.data.url.path, "--from-checkpoint", forgedFile.path, "--format", "json"])
        #expect(refused.status == 1, "\(refused.standardOutput)\(refused.standardError)")
        #expect(refused.standardOutput.contains("\"exitStatus\":1"), "\(refused.standardOutput)")

        // An event before the checkpoint changed in LMDB: verify --from-checkpoint fails at its position, exit status 1.
        _ = try AuditRemittanceCommandTests.tamper(deployment.data.url.appendingPathComponent("log"), at: 100) { record in
            record[record.count - 40] ^= 0x01
        }
        let tampered = try PortalBinary.run(["audit", "verify", "--data", deployment.data.url.path, "--from-checkpoint", deployment.checkpoint.path])
        #expect(tampered.status == 1)
        #expect(tampered.standardOutput.contains("FAILED at position 100"), "\(tampered.standardOutput)")
    }
}

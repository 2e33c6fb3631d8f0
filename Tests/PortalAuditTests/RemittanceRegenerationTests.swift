import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalAudit
import PortalDomain
import Testing

@Suite("Audit: remittances regenerated from the log")
struct RemittanceRegenerationTests {
    /// A new empty folder under the temporary folder.
    func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("portal-remittances-\(UUID().uuidString)", isDirectory: true)
    }

    @Test("R-PAY-3: each provider's remittance rebuilt from the run's events is byte-identical to the one issued: the recorded SHA-256 and the application's CSV")
    func identical() async throws {
        let fixture = try await AuditFixture.make()
        try await fixture.invoiceStory()
        try await fixture.creditNoteAndSecondRun()
        let first = try RemittanceRegeneration.regenerate(run: "run-1", in: fixture.log)
        #expect(first.map(\.organisationID) == ["oasis"])
        let oasis = try #require(first.first)
        #expect(oasis.isIdentical)
        #expect(oasis.recordedSHA256 == oasis.regeneratedSHA256)
        let auditor = Actor.auditor(user: "auditor-1")
        #expect(oasis.csv == (try fixture.portal.remittanceCSV(of: "run-1", for: "oasis", actor: auditor)))
        #expect(oasis.text == (try fixture.portal.remittance(of: "run-1", for: "oasis", actor: auditor)).text)
        #expect(String(decoding: oasis.csv, as: UTF8.self).hasSuffix(",total,,,,,,,749.25\n"))
        #expect(oasis.event.type == "RemittanceIssued")
        #expect(oasis.event.actor.actingAs == "team:payments")

        // Two providers in run-2: the credit note deducted from oasis's, riverside's invoice paid.
        let second = try RemittanceRegeneration.regenerate(run: "run-2", in: fixture.log)
        #expect(second.map(\.organisationID) == ["oasis", "riverside"])
        #expect(second.allSatisfy { $0.isIdentical })
        #expect(second[0].advice.total == (try Money.parse("-46.25", field: "test")))
        let riverside = try RemittanceRegeneration.regenerate(run: "run-2", provider: "riverside", in: fixture.log)
        #expect(riverside.map(\.organisationID) == ["riverside"])
        #expect(riverside[0].csv == second[1].csv)
    }

    @Test("an unknown payment run, or a provider the run did not pay, is a clear error naming what is there")
    func unknown() async throws {
        let fixture = try await AuditFixture.make()
        try await fixture.invoiceStory()
        let run = #expect(throws: AuditError.self) { try RemittanceRegeneration.regenerate(run: "run-404", in: fixture.log) }
        #expect(run?.message == "payment run run-404 has no events in this log")
        let provider = #expect(throws: AuditError.self) { try RemittanceRegeneration.regenerate(run: "run-1", provider: "riverside", in: fixture.log) }
        #expect(provider?.message == "--provider riverside: payment run run-1 has no remittance for organisation riverside; it paid oasis")
    }

    @Test("a recorded SHA-256 that the CSV rendered now does not match is reported as differing")
    func differs() async throws {
        let fixture = try await AuditFixture.make()
        try await fixture.invoiceStory()
        let issued = try RemittanceRegeneration.regenerate(run: "run-1", in: fixture.log)[0]
        // A run whose event records another CSV's hash (as if the renderer had changed since).
        let forged = RemittanceIssued(issued.advice, csvSHA256: String(repeating: "0", count: 64))
        try await fixture.log.append(to: PaymentRun.streamID("run-forged"), events: [
            ProposedEvent(type: RemittanceIssued.eventType, payload: try EventCoding.encode(forged), actor: EventActor(who: "payments-1", actingAs: "team:payments")),
        ])
        let regenerated = try RemittanceRegeneration.regenerate(run: "run-forged", in: fixture.log)
        #expect(regenerated.count == 1)
        #expect(!regenerated[0].isIdentical)
        #expect(regenerated[0].regeneratedSHA256 == issued.regeneratedSHA256)
        let table = try AuditOutput.remittances(regenerated, files: [], run: "run-forged", format: .table)
        #expect(table.contains("1 differs from the one issued"))
        #expect(table.contains("DIFFERS"))
        let json = try AuditOutput.remittances(regenerated, files: [], run: "run-forged", format: .json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["identical"] as? Bool == false)
        #expect(object["total"] as? String == "749.25", "money is a string in JSON")
    }

    @Test("files: written, then left alone when identical; a file with other content is refused with nothing written, unless --overwrite")
    func files() async throws {
        let fixture = try await AuditFixture.make()
        try await fixture.invoiceStory()
        try await fixture.creditNoteAndSecondRun()
        let remittances = try RemittanceRegeneration.regenerate(run: "run-2", in: fixture.log)
        let output = folder().appendingPathComponent("nested", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: output.deletingLastPathComponent()) }
        let written = try RemittanceFiles.write(remittances, to: output)
        #expect(written.map(\.csv.lastPathComponent) == ["run-2-oasis.csv", "run-2-riverside.csv"])
        #expect(written.map(\.text.lastPathComponent) == ["run-2-oasis.txt", "run-2-riverside.txt"])
        #expect(written.allSatisfy { $0.csvOutcome == .written && $0.textOutcome == .written })
        #expect(FileManager.default.contents(atPath: written[0].csv.path) == remittances[0].csv)
        #expect(FileManager.default.contents(atPath: written[1].text.path) == Data(remittances[1].text.utf8))

        let again = try RemittanceFiles.write(remittances, to: output)
        #expect(again.allSatisfy { $0.csvOutcome == .unchanged && $0.textOutcome == .unchanged })

        // Another CSV in the way: refused, and the missing printable file is not written either.
        try Data("edited by hand\n".utf8).write(to: written[1].csv)
        try FileManager.default.removeItem(at: written[0].text)
        let refused = #expect(throws: AuditError.self) { try RemittanceFiles.write(remittances, to: output) }
        #expect(refused?.message.contains("run-2-riverside.csv exists with other content; nothing was written") == true, "\(refused?.message ?? "")")
        #expect(!FileManager.default.fileExists(atPath: written[0].text.path))
        let replaced = try RemittanceFiles.write(remittances, to: output, overwrite: true)
        #expect(replaced[1].csvOutcome == .replaced)
        #expect(replaced[0].textOutcome == .written)
        #expect(FileManager.default.contents(atPath: written[1].csv.path) == remittances[1].csv)

        let notAFolder = output.appendingPathComponent("run-2-oasis.csv")
        #expect(throws: AuditError.self) { try RemittanceFiles.write(remittances, to: notAFolder) }
    }
}

import Chronology
import CountyWorkload
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import PortalProjections
import StoreComparison
import Testing

@Suite("The benchmark's county workload")
struct CountyWorkloadTests {
    /// A county written to a workload file in `folder`.
    static func write(factor: Double, periods: Int, seed: UInt64, to url: URL) async throws -> CountyWorkloadSummary {
        let county = CountyWorkload(scale: CountyScale(factor: factor, periods: periods), seed: seed)
        let writer = try WorkloadFile.Writer(url: url, parameters: county.parameters)
        let summary = try await county.generate { try writer.write($0) }
        try writer.finish()
        return summary
    }

    @Test("the same seed and scale give the same file, byte for byte; another seed gives another county")
    func deterministic() async throws {
        let folder = TemporaryFolder()
        let first = folder.url.appendingPathComponent("a.events")
        let second = folder.url.appendingPathComponent("b.events")
        let other = folder.url.appendingPathComponent("c.events")
        let summary = try await Self.write(factor: 0.015, periods: 4, seed: 7, to: first)
        _ = try await Self.write(factor: 0.015, periods: 4, seed: 7, to: second)
        _ = try await Self.write(factor: 0.015, periods: 4, seed: 8, to: other)
        let bytes = try Data(contentsOf: first)
        #expect(bytes == (try Data(contentsOf: second)))
        #expect(bytes != (try Data(contentsOf: other)))
        #expect(summary.events > 1_000)
        #expect(try WorkloadFile.parameters(of: first)["seed"] == "7")
    }

    @Test("a workload file reads back the events written, in batches that are valid appends; a truncated file is refused")
    func fileRoundTrip() async throws {
        let folder = TemporaryFolder()
        let url = folder.url.appendingPathComponent("county.events")
        var written: [WorkloadBatch] = []
        let county = CountyWorkload(scale: CountyScale(factor: 0.015, periods: 2), seed: 1)
        let writer = try WorkloadFile.Writer(url: url, parameters: county.parameters)
        _ = try await county.generate { batch in
            written.append(batch)
            try writer.write(batch)
        }
        try writer.finish()
        var read: [WorkloadBatch] = []
        let count = try await WorkloadFile.forEachBatch(in: url) { read.append($0) }
        #expect(read == written)
        #expect(count == written.reduce(0) { $0 + $1.count })
        for batch in read {
            // Each stream once per batch, its events together: one multi-stream append.
            var seen: [String] = []
            for event in batch where seen.last != event.streamID {
                #expect(!seen.contains(event.streamID), "\(event.streamID) comes back within a batch")
                seen.append(event.streamID)
            }
            #expect(batch.count <= 4_000)
        }

        let bytes = try Data(contentsOf: url)
        let truncated = folder.url.appendingPathComponent("truncated.events")
        try bytes.prefix(bytes.count - 40).write(to: truncated)
        await #expect(throws: WorkloadFile.Problem.self) { try await WorkloadFile.forEachBatch(in: truncated) { _ in } }
    }

    @Test("every event of ten years of a county is applied by every read model, and the story's steps are all in it")
    func readModelsApplyEverything() async throws {
        let folder = TemporaryFolder()
        let log = try EventLog(directory: folder.url.appendingPathComponent("log"))
        defer { log.close() }
        var types = Set<String>()
        let county = CountyWorkload(scale: CountyScale(factor: 0.015, periods: 130), seed: 3)
        let summary = try await county.generate { batch in
            for event in batch { types.insert(event.type) }
            var appends: [StreamAppend] = []
            for event in batch {
                let proposed = ProposedEvent(id: event.id, type: event.type, schemaVersion: event.schemaVersion, payload: event.payload,
                                             actor: EventActor(who: event.actorWho, actingAs: event.actingAs), correlationID: event.correlationID)
                if appends.last?.streamID == event.streamID {
                    appends[appends.count - 1].events.append(proposed)
                } else {
                    appends.append(StreamAppend(streamID: event.streamID, expectedVersion: .any, events: [proposed]))
                }
            }
            try await log.append(appends)
        }
        #expect(summary.periods == 130)
        #expect(summary.paymentRuns == 130)
        #expect(try log.head().position == UInt64(summary.events))

        let readModels = PortalReadModels(log: log, dataFolder: folder.url)
        try readModels.open()
        defer { readModels.close() }
        try await readModels.engine.catchUp()
        #expect(readModels.engine.stoppedError == nil, "\(String(describing: readModels.engine.stoppedError))")
        let status = try readModels.engine.status()
        #expect(status.allSatisfy { $0.checkpoint == UInt64(summary.events) })
        for (name, tables) in try readModels.engine.tableCounts() {
            #expect(tables.values.reduce(0, +) > 0, "read model \(name) is empty")
        }
        for type in ["ActualRecorded", "WeekConfirmed", "ActualsFileImported", "LoginFailed", "AccountLocked", "PasswordResetByHelpdesk",
                     "ISORejected", "CPLICommissioned", "InvoiceLineRemoved", "InvoiceHeld", "InvoiceReleased", "InvoiceReturned",
                     "InvoiceCorrected", "InvoiceResubmitted", "InvoiceApproved", "InvoicePaid", "NextPeriodOpened", "PeriodReopened",
                     "CreditNoteRaised", "CreditNoteSettled", "SupplementaryInvoiceRaised", "PaidInvoiceAdjusted", "OneOffClaimApproved",
                     "OneOffClaimRejected", "OneOffClaimInvoiced", "ContractInvoiceCreated", "ConversationStarted", "ConversationReassigned",
                     "ConversationClosed", "ScheduledPaymentCalculated", "ScheduledPaymentPaid", "RemittanceIssued", "PaymentRunCompleted"] {
            #expect(types.contains(type), "the county has no \(type)")
        }
        // Every remittance the county issued renders to the CSV whose SHA-256 its run recorded (R-PAY-3).
        let remittances = try readModels.remittances.remittances(.council)
        #expect(remittances.count >= 130)
        for entry in remittances {
            #expect(try readModels.remittances.csv(run: entry.advice.paymentRunID, organisation: entry.advice.organisationID, .council) != nil)
        }
        // Temporary CPLIs top up originals (R-INV-5), and aborted visits earn Frustrated (R-ABT).
        var temporary = false
        var frustrated = false
        for event in try log.readAll(from: 1, limit: .max) {
            if event.type == "CPLICommissioned", String(decoding: event.payload, as: UTF8.self).contains("\"temporaryOf\"") { temporary = true }
            if event.type == "ActualRecorded", String(decoding: event.payload, as: UTF8.self).contains("\"claimable\"") { frustrated = true }
        }
        #expect(temporary)
        #expect(frustrated)
    }

    @Test("R-ACT-2: the import fixture's file of the requested rows is imported whole through the application")
    func importFixture() async throws {
        let folder = TemporaryFolder()
        let fixture = try await CountyWorkload.importFixture(rows: 300)
        #expect(fixture.rows == 300)
        let portal = try PortalApplication.Portal.open(
            dataDirectory: folder.url, configuration: .init(policy: .norfolk, calendar: fixture.calendar, time: DeploymentTime(clock: ManualClock(fixture.importAt))),
            bcryptCost: 4)
        defer { portal.close() }
        for batch in fixture.batches {
            try await portal.log.append(batch.map {
                StreamAppend(streamID: $0.streamID, expectedVersion: .any, events: [ProposedEvent(
                    id: $0.id, type: $0.type, schemaVersion: $0.schemaVersion, payload: $0.payload,
                    actor: EventActor(who: $0.actorWho, actingAs: $0.actingAs))])
            }.reduce(into: [StreamAppend]()) { merged, append in
                if merged.last?.streamID == append.streamID { merged[merged.count - 1].events += append.events } else { merged.append(append) }
            })
        }
        let head = try portal.log.head().position
        let outcome = try await portal.importActuals(organisation: fixture.organisationID, period: fixture.period, fileName: "bulk.csv",
                                                     content: fixture.csv, CommandRequest(actor: fixture.editor))
        #expect(outcome.value?.rows == 300)
        let appended = try portal.log.readAll(from: head + 1, limit: .max)
        #expect(appended.filter { $0.type == "ActualRecorded" }.count == 300)
        #expect(appended.filter { $0.type == "ActualsFileImported" }.count == 1)
    }
}

final class TemporaryFolder: Sendable {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("county-workload-tests-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

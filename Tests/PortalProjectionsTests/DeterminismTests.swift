import Chronology
import EventLog
import Foundation
import PortalDomain
import Testing
@testable import PortalProjections

@Suite("Read models: incremental equals rebuilt")
struct DeterminismTests {
    @Test("every read model followed in small batches while a history of thousands of commands is written, or built in the background from a start while it is written, equals a clean rebuild, byte for byte")
    func incrementalEqualsRebuilt() async throws {
        let history = try PortalHistory(seed: 42)
        let live = PortalReadModels(log: history.log, dataFolder: history.folder, options: PortalReadModels.engineOptions(batchSize: 7))
        try live.open()
        try await live.engine.catchUp()
        let follower = Task { try await live.engine.follow() }

        try await history.setUp(organisations: 8, servicesEach: 2, cplisEach: 8)
        try await history.run(period: PeriodNumber(9))
        // New read models over the grown log, as a new version's at a start: built in the background while the
        // log keeps growing, then handed to the following loop. None may miss an event on the way.
        let later = TemporaryFolder()
        let background = PortalReadModels(log: history.log, dataFolder: later.url, options: PortalReadModels.engineOptions(batchSize: 7))
        try background.open()
        #expect(try background.engine.status().allSatisfy { $0.phase == .catchingUp && $0.rebuilding })
        let backgroundFollower = Task { try await background.engine.follow() }
        for period in 10...14 { try await history.run(period: PeriodNumber(period)) }
        try await history.leaveWorkInProgress(after: PeriodNumber(14))
        let head = try history.log.head().position
        #expect(await live.engine.waitUntilApplied(head, timeout: .seconds(120)))
        follower.cancel()
        _ = try? await follower.value
        #expect(live.engine.stoppedError == nil)
        let incremental = try live.engine.digests()
        #expect(incremental.count == PortalReadModels.all.count)
        let deadline = ContinuousClock.now + .seconds(120)
        while try background.engine.status().contains(where: { $0.phase != .ready }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(await background.engine.waitUntilApplied(head, timeout: .seconds(120)))
        backgroundFollower.cancel()
        _ = try? await backgroundFollower.value
        #expect(try background.engine.status().allSatisfy { $0.phase == .ready && !$0.rebuilding })
        #expect(try background.engine.digests() == incremental, "caught up in the background while the log grew")
        background.close()

        let clean = TemporaryFolder()
        let rebuilt = PortalReadModels(log: history.log, dataFolder: clean.url)
        try rebuilt.open()
        try await rebuilt.engine.catchUp()
        for projection in PortalReadModels.all {
            #expect(try rebuilt.engine.digests()[projection.name] == incremental[projection.name], "\(projection.name)")
        }

        // The history is large, varied, and every read model holds rows in every table.
        #expect(head >= 3000)
        let types = try history.eventTypes()
        for type in ["ActualRecorded", "WeekConfirmed", "ActualsFileImported", "LoginFailed", "AccountLocked", "ISORejected",
                     "PeriodReopened", "NextPeriodOpened", "ContactAmendAccepted", "ServiceDetailsChangeAccepted",
                     "InvoiceLineRemoved", "InvoiceHeld", "InvoiceReturned", "InvoiceCorrected", "InvoiceResubmitted", "InvoicePaid", "RemittanceIssued",
                     "CreditNoteRaised", "CreditNoteSettled", "SupplementaryInvoiceRaised", "PaidInvoiceAdjusted",
                     "OneOffClaimApproved", "OneOffClaimRejected", "ContractInvoiceCreated", "ConversationReassigned",
                     "ConversationClosed", "ScheduledPaymentCalculated", "ScheduledPaymentPaid"] {
            #expect(types.contains(type), "the history has no \(type)")
        }
        for (name, tables) in try rebuilt.engine.tableCounts() {
            for (table, count) in tables { #expect(count > 0, "\(name).\(table) is empty") }
        }

        // A rebuild in place (while serving) reaches the same bytes.
        try await live.engine.rebuild(following: false)
        #expect(try live.engine.digests() == incremental)
    }
}

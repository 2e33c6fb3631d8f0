import Chronology
import EventLog
import Foundation
import PortalDomain
import Testing
@testable import PortalProjections

@Suite("Read models: incremental equals rebuilt")
struct DeterminismTests {
    @Test("every read model followed in small batches while a history of thousands of commands is written equals a clean rebuild, byte for byte")
    func incrementalEqualsRebuilt() async throws {
        let history = try PortalHistory(seed: 42)
        let live = PortalReadModels(log: history.log, dataFolder: history.folder, options: PortalReadModels.engineOptions(batchSize: 7))
        try live.open()
        try await live.engine.catchUp()
        let follower = Task { try await live.engine.follow() }

        try await history.setUp(organisations: 8, servicesEach: 2, cplisEach: 8)
        for period in 9...14 { try await history.run(period: PeriodNumber(period)) }
        let head = try history.log.head().position
        #expect(await live.engine.waitUntilApplied(head, timeout: .seconds(120)))
        follower.cancel()
        _ = try? await follower.value
        #expect(live.engine.stoppedError == nil)
        let incremental = try live.engine.digests()
        #expect(incremental.count == PortalReadModels.all.count)

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
                     "PeriodReopened", "NextPeriodOpened", "ContactAmendAccepted", "ServiceDetailsChangeAccepted"] {
            #expect(types.contains(type), "the history has no \(type)")
        }
        let part1 = [ProvidersProjection.name, ContactsProjection.name, ContractDocumentsProjection.name, CPLIsProjection.name,
                     ActualsCalendarProjection.name, PeriodLocksProjection.name]
        for (name, tables) in try rebuilt.engine.tableCounts() where part1.contains(name) {
            for (table, count) in tables { #expect(count > 0, "\(name).\(table) is empty") }
        }

        // A rebuild in place (while serving) reaches the same bytes.
        try await live.engine.rebuild(following: false)
        #expect(try live.engine.digests() == incremental)
    }
}

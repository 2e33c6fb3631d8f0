import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import Testing

@Suite("Application: concurrency")
struct ConcurrencyTests {
    typealias T = TestPortal

    enum Outcome: Sendable {
        case recorded(UInt64)
        case refusedLocked
        case locked(UInt64)
    }

    @Test("R-PER-3: an actual edit racing a lock of its period never lands in the locked period")
    func editRacingLock() async throws {
        let test = try await T.make()
        let weeks = try ["2026-11-16", "2026-11-23", "2026-11-30"].map { try Week.parse($0) }
        var landedBeforeLock = 0
        var refused = 0
        for iteration in 0..<40 {
            let service = ServiceID("race-\(iteration)")
            try await test.registerService(service, of: test.organisation)
            try await test.cpli(CPLIID("race-cpli-\(iteration)"), service: service)
            let key = Actuals.Key(serviceID: service, period: PeriodNumber(9))
            let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
                for week in weeks {
                    group.addTask {
                        let entry = ActualEntry(cpliID: CPLIID("race-cpli-\(iteration)"), week: week, actual: T.q("9"), comment: "less care")
                        do {
                            let outcome = try await test.portal.recordActual(key, entry, test.request(test.superUser))
                            return .recorded(try #require(outcome.positions.first))
                        } catch let error as DomainError where error.rule == "R-PER-3" {
                            return .refusedLocked
                        }
                    }
                }
                group.addTask {
                    let outcome = try await test.portal.changePeriodLock(
                        service, .lock(service, PeriodNumber(9), invoice: InvoiceID("inv-\(iteration)")), test.request(test.payments))
                    return .locked(try #require(outcome.positions.first))
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let lockPosition = try #require(outcomes.compactMap { if case .locked(let p) = $0 { p } else { nil } }.first)
            // What the log holds, whatever the tasks reported.
            let stored = try test.log.readStream(key.streamID).filter { $0.type == "ActualRecorded" }
            for event in stored {
                #expect(event.position < lockPosition, "iteration \(iteration): an edit landed at \(event.position), after the lock at \(lockPosition)")
            }
            let recordedPositions = outcomes.compactMap { if case .recorded(let p) = $0 { p } else { nil } }
            #expect(Set(recordedPositions) == Set(stored.map(\.position)))
            landedBeforeLock += recordedPositions.count
            refused += outcomes.filter { if case .refusedLocked = $0 { true } else { false } }.count
            #expect(recordedPositions.count + outcomes.filter { if case .refusedLocked = $0 { true } else { false } }.count == weeks.count)
        }
        #expect(landedBeforeLock + refused == 40 * weeks.count)
    }

    @Test("concurrent edits of one actuals stream all land, each decided on the state the other left")
    func concurrentEditsRetry() async throws {
        let test = try await T.make()
        try await test.cpli("cpli-1")
        let weeks = try ["2026-11-16", "2026-11-23", "2026-11-30", "2026-12-07"].map { try Week.parse($0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, week) in weeks.enumerated() {
                group.addTask {
                    _ = try await test.portal.recordActual(
                        test.period9, ActualEntry(cpliID: "cpli-1", week: week, actual: T.q("\(index + 1)"), comment: "edit \(index)"),
                        test.request(test.superUser))
                }
            }
            try await group.waitForAll()
        }
        let lines = try test.portal.actualLines(test.period9, for: test.superUser)
        #expect(lines.map(\.actual) == (1...4).map { T.q("\($0)") })
        #expect(try test.log.readStream(test.period9.streamID).count == 4)
    }
}

import Chronology
import EventLog
import Foundation
import PortalDomain
import Synchronization
import Testing
@testable import PortalApplication

@Suite("Application: concurrency")
struct ConcurrencyTests {
    typealias T = TestPortal

    enum Outcome: Sendable {
        case recorded(UInt64)
        case refusedLocked
        case locked(UInt64)
    }

    /// The attempt numbers a command reached its append with.
    actor Attempts {
        var numbers: [Int] = []
        func add(_ number: Int) { numbers.append(number) }
    }

    @Test("R-PER-3: an edit and a lock of its period in each order, and interleaved: the edit lands before the lock or is refused, never after it")
    func editAndLockInEachOrder() async throws {
        let test = try await T.make()
        let week = try Week.parse("2026-11-23")
        func setUp(_ name: String) async throws -> (ServiceID, Actuals.Key, ActualEntry) {
            let service = ServiceID("order-\(name)")
            try await test.registerService(service, of: test.organisation)
            try await test.cpli(CPLIID("order-\(name)-cpli"), service: service)
            return (service, Actuals.Key(serviceID: service, period: PeriodNumber(9)),
                    ActualEntry(cpliID: CPLIID("order-\(name)-cpli"), week: week, actual: T.q("9"), comment: "less care"))
        }
        func lock(_ service: ServiceID) async throws -> UInt64 {
            let outcome = try await test.portal.changePeriodLock(
                service, .lock(service, PeriodNumber(9), invoice: InvoiceID("inv-\(service.rawValue)")), test.request(test.payments))
            #expect(outcome.positions.count == 1)
            return outcome.positions.first ?? 0
        }
        func recorded(_ key: Actuals.Key) throws -> [RecordedEvent] {
            try test.log.readStream(key.streamID).filter { $0.type == "ActualRecorded" }
        }

        // The edit first: it lands, and before the lock.
        let (first, firstKey, firstEntry) = try await setUp("edit-first")
        let edit = try #require(try await test.portal.recordActual(firstKey, firstEntry, test.request(test.superUser)).positions.first)
        let lockAfterEdit = try await lock(first)
        #expect(edit < lockAfterEdit)
        #expect(try recorded(firstKey).map(\.position) == [edit])

        // The lock first: the edit is refused and nothing lands.
        let (second, secondKey, secondEntry) = try await setUp("lock-first")
        _ = try await lock(second)
        let head = try test.head()
        let refused = await #expect(throws: DomainError.self) {
            try await test.portal.recordActual(secondKey, secondEntry, test.request(test.superUser))
        }
        #expect(refused?.rule == "R-PER-3")
        #expect(try recorded(secondKey).isEmpty)
        #expect(try test.head() == head)

        // Interleaved: the edit is decided while the period is open, the lock lands before the edit's append. The
        // append is conditional on the periods stream as read, so it conflicts; decided again, the edit is refused.
        let (third, thirdKey, thirdEntry) = try await setUp("interleaved")
        let editCommand = UUID()
        let attempts = Attempts()
        let lockLanded = Attempts()
        test.portal.injectedBeforeAppend.withLock {
            $0 = { request, number in
                guard request.commandID == editCommand else { return }
                await attempts.add(number)
                guard number == 1 else { return }
                let locked = try? await test.portal.changePeriodLock(
                    third, .lock(third, PeriodNumber(9), invoice: "inv-interleaved"), test.request(test.payments))
                if let position = locked?.positions.first { await lockLanded.add(Int(position)) }
            }
        }
        defer { test.portal.injectedBeforeAppend.withLock { $0 = nil } }
        let interleaved = await #expect(throws: DomainError.self) {
            try await test.portal.recordActual(thirdKey, thirdEntry, CommandRequest(actor: test.superUser, commandID: editCommand))
        }
        #expect(interleaved?.rule == "R-PER-3")
        #expect(await lockLanded.numbers.count == 1, "the lock landed between the edit's decision and its append")
        #expect(await attempts.numbers == [1], "the second attempt is refused when deciding, before any append")
        #expect(try recorded(thirdKey).isEmpty)
        #expect(try test.types(of: "periods-\(third.rawValue)") == ["PeriodLocked"])
    }

    @Test("R-PER-3: an actual edit racing a lock of its period at random never lands in the locked period")
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

    @Test("R-ACT: 16 editors of different CPLIs of one service period, 5 rounds at once: every edit lands, none fails for contention alone")
    func sixteenEditorsOfOnePeriod() async throws {
        let test = try await T.make()
        let cplis = (1...16).map { CPLIID("busy-\($0)") }
        for cpli in cplis { try await test.cpli(cpli) }
        let weeks = try ["2026-11-16", "2026-11-23", "2026-11-30", "2026-12-07"].map { try Week.parse($0) }
        let rounds = 5
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            for (index, cpli) in cplis.enumerated() {
                group.addTask {
                    var failed = 0
                    for round in 0..<rounds {
                        let entry = ActualEntry(cpliID: cpli, week: weeks[round % weeks.count], actual: T.q("\(index + round + 1)"), comment: "round \(round)")
                        do {
                            _ = try await test.portal.recordActual(test.period9, entry, test.request(test.superUser))
                        } catch let error as PortalError where error.isTooManyConflicts {
                            failed += 1
                        }
                    }
                    return failed
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(failures == 0, "edits failed for contention alone")
        let recorded = try test.log.readStream(test.period9.streamID).filter { $0.type == "ActualRecorded" }
        #expect(recorded.count == cplis.count * rounds)
        // Each CPLI's last edit of each week is what the stream holds.
        let lines = try test.portal.actualLines(test.period9, for: test.superUser)
        for (index, cpli) in cplis.enumerated() {
            let line = try #require(lines.first { $0.cpliID == cpli && $0.week == weeks[0] })
            #expect(line.actual == T.q("\(index + 4 + 1)"), "\(cpli): the round-4 edit of the first week")
        }
        #expect(test.portal.streamLocks.isHeld(test.period9.streamID) == false, "every turn was given back")
    }
}

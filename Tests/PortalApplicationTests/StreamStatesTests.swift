import Chronology
import EventLog
import Foundation
import PortalDomain
import Testing
@testable import PortalApplication

/// Loading a long stream again goes on from its last fold and reads only the events after it.
@Suite("Application: long streams are folded once and then only their new events")
struct StreamStatesTests {
    typealias T = TestPortal

    @Test("R-ACT-1: a period's actuals edited again and again: each command goes on from the last fold, and the state equals a fold from the start")
    func goesOnFromTheLastFold() async throws {
        let test = try await Self.edited(times: 10)
        let key = test.period9
        // Each command kept the fold it decided on: the stream before its own event.
        #expect(test.portal.folds.folded(key.streamID, as: Actuals.State.self)?.version == 9)
        _ = try test.portal.state(of: Actuals.self, key.id)
        let kept = try #require(test.portal.folds.folded(key.streamID, as: Actuals.State.self))
        #expect(kept.version == 10)

        // Mark the kept fold: if the next command started from the log's first event, the mark would be gone.
        var marked = kept.state
        let mark = try #require(marked.recorded.values.first)
        marked.recorded["mark/2026-11-16"] = mark
        test.portal.folds.keep(key.streamID, marked, version: 10, lastRecordedAt: kept.lastRecordedAt)
        _ = try await test.portal.recordActual(key, ActualEntry(cpliID: "c-1", week: test.week1, actual: T.q("11"), comment: "edit 11"),
                                               test.request(test.superUser))
        let after = try test.portal.state(of: Actuals.self, key.id)
        #expect(after.recorded["mark/2026-11-16"] != nil, "folded on from the kept state")
        #expect(after.recorded("c-1", test.week1)?.actual == T.q("11"))
        #expect(test.portal.folds.folded(key.streamID, as: Actuals.State.self)?.version == 11)

        var unmarked = after
        unmarked.recorded["mark/2026-11-16"] = nil
        #expect(unmarked == (try CommandAttempt(log: test.log).load(Actuals.self, key.id)), "the same state as a fold from the first event")
    }

    @Test("a stream changed by a command of another portal on the same log (another process) is read on from the last fold, not served stale")
    func otherWritersAreSeen() async throws {
        let test = try await Self.edited(times: 9)
        let key = test.period9
        _ = try test.portal.state(of: Actuals.self, key.id)
        #expect(test.portal.folds.folded(key.streamID, as: Actuals.State.self)?.version == 9)
        // Another writer: the same log, a portal with folds of its own.
        let other = Portal(log: test.log, credentials: test.portal.credentials, configuration: test.portal.configuration)
        _ = try await other.recordActual(key, ActualEntry(cpliID: "c-1", week: test.week1, actual: T.q("3.5"), comment: "by the other"),
                                         test.request(test.superUser))
        let seen = try test.portal.state(of: Actuals.self, key.id)
        #expect(seen.recorded("c-1", test.week1)?.comment == "by the other")
        #expect(test.portal.folds.folded(key.streamID, as: Actuals.State.self)?.version == 10)
    }

    /// A test portal whose CPLI `c-1` had its first week of period 9 edited `times` times.
    static func edited(times: Int) async throws -> TestPortal {
        let test = try await T.make()
        try await test.cpli("c-1")
        for hours in 1...times {
            _ = try await test.portal.recordActual(test.period9, ActualEntry(cpliID: "c-1", week: test.week1, actual: T.q("\(hours)"), comment: "edit \(hours)"),
                                                   test.request(test.superUser))
        }
        return test
    }

    @Test("only streams of at least the minimum length are kept; a later fold is never replaced by an earlier one; when full, the least recently loaded half goes")
    func keepingAndDropping() {
        let folds = StreamStates(capacity: 4, minimumVersion: 8)
        folds.keep("short-1", 1, version: 7, lastRecordedAt: nil)
        #expect(folds.count == 0)
        folds.keep("long-1", 10, version: 10, lastRecordedAt: nil)
        folds.keep("long-1", 9, version: 9, lastRecordedAt: nil)
        #expect(folds.folded("long-1", as: Int.self)?.state == 10)
        #expect(folds.folded("long-1", as: String.self) == nil, "kept as another type")
        for index in 2...4 { folds.keep("long-\(index)", index, version: 8, lastRecordedAt: nil) }
        _ = folds.folded("long-1", as: Int.self)
        folds.keep("long-5", 5, version: 8, lastRecordedAt: nil)
        #expect(folds.count == 3)
        #expect(folds.folded("long-1", as: Int.self) != nil, "loaded most recently but one")
        #expect(folds.folded("long-5", as: Int.self) != nil)
        #expect(folds.folded("long-2", as: Int.self) == nil && folds.folded("long-3", as: Int.self) == nil)
    }
}

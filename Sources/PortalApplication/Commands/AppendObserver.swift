import EventLog

/// How one atomic append of a command ended.
public enum AppendOutcome: String, Sendable, CaseIterable {
    /// Committed (or recognised as already stored: a retried request).
    case committed
    /// Refused because a stream moved on since it was read (`WrongExpectedVersion`); the command
    /// decides again.
    case conflict
    /// Failed otherwise (disk full, I/O error): nothing was written.
    case failed
}

/// Watches the appends of a command: called after every append attempt with how long the append itself took
/// and how it ended, so that the HTTP layer's latency metric times the append alone, not the loading,
/// deciding or answering around it. Set on ``CommandRequest/appendObserver``.
///
/// (A task-local observer was tried first; `TaskLocal.withValue` around an HTTP handler crashed the Swift 6.3.1
/// release build, so the observer travels with the request instead.)
public typealias AppendObserver = @Sendable (Duration, AppendOutcome) -> Void

enum AppendTiming {
    /// Runs `append`, reporting its duration and outcome to `observer`, if any.
    static func observe<T>(_ observer: AppendObserver?, _ append: () async throws -> T) async throws -> T {
        guard let observer else { return try await append() }
        let started = ContinuousClock.now
        do {
            let value = try await append()
            observer(ContinuousClock.now - started, .committed)
            return value
        } catch let conflict as WrongExpectedVersion {
            observer(ContinuousClock.now - started, .conflict)
            throw conflict
        } catch {
            observer(ContinuousClock.now - started, .failed)
            throw error
        }
    }
}

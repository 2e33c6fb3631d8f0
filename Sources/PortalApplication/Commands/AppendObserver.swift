import EventLog

/// How one atomic append of a command ended.
public enum AppendOutcome: String, Sendable, CaseIterable {
    /// Committed (or recognised as already stored: a retried request).
    case committed
    /// Refused because a stream moved on since it was read (`WrongExpectedVersion`); the command decides again.
    case conflict
    /// Failed otherwise (disk full, I/O error): nothing was written.
    case failed
}

/// Watches the appends of the commands run in a task: the HTTP layer times each command's append for its
/// latency metric without timing the loading, deciding or answering around it.
///
/// ```swift
/// try await AppendObserver.$current.withValue({ duration, outcome in metrics.record(duration, outcome) }) {
///     try await portal.recordActual(key, entry, request)
/// }
/// ```
public enum AppendObserver {
    /// Called after every append attempt of a command run in this task, with how long the append itself took.
    @TaskLocal public static var current: (@Sendable (Duration, AppendOutcome) -> Void)?

    /// Runs `append`, reporting its duration and outcome to the task's observer, if any.
    static func observe<T>(_ append: () async throws -> T) async throws -> T {
        guard let observer = current else { return try await append() }
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

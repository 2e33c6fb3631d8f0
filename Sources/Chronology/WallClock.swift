import Foundation

/// Where the log and the application read the time. Injected, so tests and replays control it; the domain
/// never reads a clock and receives the time in each command's context instead.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The system's real-time clock.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that shows what it is told: for tests, replays and the deterministic demo.
public final class ManualClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date) {
        current = start
    }

    public convenience init(_ start: Timestamp) {
        self.init(start.date)
    }

    public func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// Sets the time (it may go backwards: the log still never records a time earlier than its head's).
    public func set(_ date: Date) {
        lock.lock()
        current = date
        lock.unlock()
    }

    public func advance(by seconds: TimeInterval) {
        lock.lock()
        current = current.addingTimeInterval(seconds)
        lock.unlock()
    }
}

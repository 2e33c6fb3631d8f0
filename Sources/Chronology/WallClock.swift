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

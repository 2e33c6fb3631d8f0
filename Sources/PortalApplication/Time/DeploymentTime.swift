import Chronology
import Foundation

/// The deployment's clock and time zone: turns the wall clock's `now` into the command's instant and its
/// business date. The council works in Europe/London, so 00:30 BST on a Monday is that Monday, although
/// it is still Sunday in UTC.
public struct DeploymentTime: Sendable {
    public let clock: any WallClock
    public let timeZone: TimeZone

    public init(clock: any WallClock = SystemClock(), timeZone: TimeZone = TimeZone(identifier: "Europe/London")!) {
        self.clock = clock
        self.timeZone = timeZone
    }

    /// The current instant, to the microsecond.
    public func now() -> Timestamp { Timestamp(clock.now()) }

    /// The business date of `instant` in the deployment's time zone.
    public func businessDate(of instant: Timestamp) -> BusinessDate {
        let offset = timeZone.secondsFromGMT(for: instant.date)
        let local = Timestamp(microsecondsSince1970: instant.microsecondsSince1970 + Int64(offset) * 1_000_000)
        return BusinessDate(local)
    }
}

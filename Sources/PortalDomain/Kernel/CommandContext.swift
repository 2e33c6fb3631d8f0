import Chronology

/// Everything a decision needs besides the command and the state: who acts, when, and under which rules.
/// The application fills it from its clock and configuration; the domain never reads a clock.
public struct CommandContext: Sendable {
    public var actor: Actor
    /// The instant of the command (UTC).
    public var now: Timestamp
    /// The business date of `now` in the deployment's time zone (Europe/London).
    public var today: BusinessDate
    public var policy: PolicyProfile
    public var calendar: PeriodCalendar

    public init(actor: Actor, now: Timestamp, today: BusinessDate, policy: PolicyProfile, calendar: PeriodCalendar) {
        self.actor = actor
        self.now = now
        self.today = today
        self.policy = policy
        self.calendar = calendar
    }
}

/// Who caused an event, and the capacity in which they acted (a role, a team, a job).
///
/// The log stores both as opaque strings; the application decides what they mean.
public struct EventActor: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The user, system job or process that caused the event.
    public var who: String
    /// The role or team the actor acted as, e.g. `payments@org-7` or `team:payments`.
    public var actingAs: String

    public init(who: String, actingAs: String) {
        self.who = who
        self.actingAs = actingAs
    }

    /// The log's own identity, for events appended by tools rather than people.
    public static let system = EventActor(who: "system", actingAs: "system")

    public var description: String { "\(who) as \(actingAs)" }
}

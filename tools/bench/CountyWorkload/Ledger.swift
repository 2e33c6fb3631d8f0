import Chronology
import Foundation
import PortalDomain
import StoreComparison

/// The county's streams while it is generated: each stream's state and version in memory, changed only
/// through the domain's own `decide` and `evolve`, so every event the workload holds is one the portal's rules
/// accept in that state. (The application does the same over the log; here nothing is read back from disk,
/// which is what makes ten years of a county take minutes.)
final class Ledger {
    struct Pending {
        var streamID: String
        var payload: any EventPayload
        var actor: Actor
        var correlationID: UUID
        var id: UUID
        var occurredAt: Int64
    }

    let policy: PolicyProfile
    let calendar: PeriodCalendar
    private var states: [String: Any] = [:]
    private var versions: [String: UInt64] = [:]
    private var forgotten = Set<String>()
    private(set) var pending: [Pending] = []
    private var ids: CountyRandom
    /// The simulated instant of the next command.
    private(set) var now: Timestamp
    private var correlation = UUID()

    init(policy: PolicyProfile, calendar: PeriodCalendar, seed: UInt64, start: Timestamp) {
        self.policy = policy
        self.calendar = calendar
        ids = CountyRandom(seed: seed ^ 0x5EED_1D5)
        now = start
    }

    // MARK: Time and commands

    /// Moves the clock to `hour`:`minute` UTC on `date` (never backwards).
    func at(_ date: BusinessDate, hour: Int, minute: Int = 0) {
        let target = Timestamp(microsecondsSince1970: date.startOfDay.microsecondsSince1970 + Int64(hour * 60 + minute) * 60_000_000)
        if target > now { now = target }
    }

    var today: BusinessDate { BusinessDate(now) }

    /// Starts a new command (a request or a job): a new correlation id, a millisecond later.
    func command() {
        now = Timestamp(microsecondsSince1970: now.microsecondsSince1970 + 1_000)
        correlation = uuid()
    }

    func context(_ actor: Actor) -> CommandContext {
        CommandContext(actor: actor, now: now, today: today, policy: policy, calendar: calendar)
    }

    /// A time-ordered id (UUID version 7 layout) from the simulated clock and the seed.
    func uuid() -> UUID {
        let milliseconds = UInt64(max(0, now.microsecondsSince1970 / 1000))
        let random = ids.next()
        let more = ids.next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
        bytes[6] = 0x70 | UInt8(truncatingIfNeeded: random >> 60)
        bytes[7] = UInt8(truncatingIfNeeded: random >> 52)
        for index in 8..<16 { bytes[index] = UInt8(truncatingIfNeeded: more >> (8 * (15 - index))) }
        bytes[8] = 0x80 | (bytes[8] & 0x3f)
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    // MARK: Streams

    /// The state of stream `<category>-<id>` now.
    func state<S: EventStream>(_ kind: S.Type, _ id: String) -> S.State {
        let streamID = S.streamID(id)
        precondition(!forgotten.contains(streamID), "the workload read \(streamID) after forgetting it")
        return states[streamID] as? S.State ?? S.initialState
    }

    func version(_ streamID: String) -> UInt64 { versions[streamID] ?? 0 }

    /// Decides `command` on the stream's state as `actor`, folds the events into the state and records them.
    @discardableResult
    func decide<S: EventStream>(_ kind: S.Type, _ id: String, _ command: S.Command, by actor: Actor) throws -> [S.Event] {
        let events = try S.decide(command, state(kind, id), context(actor))
        record(kind, id, events, by: actor)
        return events
    }

    /// Records events decided elsewhere (a bulk import decides several streams at once).
    func record<S: EventStream>(_ kind: S.Type, _ id: String, _ events: [S.Event], by actor: Actor) {
        guard !events.isEmpty else { return }
        let streamID = S.streamID(id)
        var state = state(kind, id)
        for event in events {
            state = S.evolve(state, event)
            pending.append(Pending(streamID: streamID, payload: event.payload, actor: actor, correlationID: correlation,
                                   id: uuid(), occurredAt: now.microsecondsSince1970))
        }
        states[streamID] = state
        versions[streamID, default: 0] += UInt64(events.count)
    }

    /// Drops a stream's state from memory (its version is kept); reading it again is a bug of the workload.
    func forget(_ streamID: String) {
        if states.removeValue(forKey: streamID) != nil { forgotten.insert(streamID) }
    }

    /// The events recorded since the last call, in order.
    func takePending() -> [Pending] {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }
}

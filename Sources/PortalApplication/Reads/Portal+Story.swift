import Chronology
import EventLog
import PortalDomain

/// One event of a record's story with the record's state after it: what a person reads in a timeline.
public struct StoryStep<State: Sendable>: Sendable {
    /// The event type, e.g. `InvoiceHeld`.
    public var type: String
    public var position: UInt64
    public var at: Timestamp
    /// The user id, or `system:<job>`.
    public var who: String
    /// `<role>@<organisation>`, `team:<team>`, `auditor` or `system:<job>`.
    public var actingAs: String
    /// The record's state after this event.
    public var state: State
}

extension Portal {
    /// Every event of one record's stream with the state after each, folded by the domain's own `evolve`, for
    /// someone who may read `area` of the record's organisation (`organisation` finds it in a state). Nil
    /// when the record does not exist.
    public func story<S: EventStream>(
        of kind: S.Type, _ id: String, for actor: Actor, area: PortalArea, organisation: (S.State) -> OrganisationID?
    ) throws -> [StoryStep<S.State>]? {
        let recorded = try log.readStream(S.streamID(id))
        guard !recorded.isEmpty else { return nil }
        var state = S.initialState
        var steps: [StoryStep<S.State>] = []
        steps.reserveCapacity(recorded.count)
        for event in recorded {
            do {
                state = S.evolve(state, try EventRegistry.decode(S.Event.self, type: event.type, schemaVersion: event.schemaVersion, payload: event.payload))
            } catch {
                throw PortalError.unreadableStream(S.streamID(id), "event \(event.streamVersion): \(error)")
            }
            steps.append(StoryStep(type: event.type, position: event.position, at: event.recordedAt, who: event.actor.who,
                                   actingAs: event.actor.actingAs, state: state))
        }
        try authorise(actor, .read(area), organisation: organisation(state))
        return steps
    }

    /// An invoice's story (see ``story(of:_:for:area:organisation:)``).
    public func invoiceStory(_ id: InvoiceID, for actor: Actor) throws -> [StoryStep<Invoice.State>]? {
        try story(of: Invoice.self, id.rawValue, for: actor, area: .invoices, organisation: \.organisationID)
    }
}

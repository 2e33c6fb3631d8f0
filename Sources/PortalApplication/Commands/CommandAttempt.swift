import Chronology
import EventLog
import Foundation
import PortalDomain

/// One attempt at a command: the streams it read, each at the version read, and the events it decided.
/// Turned into one atomic multi-stream append: streams with new events expect the version read, streams
/// only read become conditions, so the decision holds only if nothing it read has changed.
public final class CommandAttempt {
    let log: EventLog
    private var order: [String] = []
    private var versions: [String: UInt64] = [:]
    private var lastRecordedAt: [String: Timestamp] = [:]
    private var states: [String: Any] = [:]
    private var events: [String: [any EventPayload]] = [:]
    /// Versions the request expects of some streams (`CommandRequest.expectedVersions`).
    private let expectedVersions: [String: UInt64]
    /// Earlier folds to go on from, shared by the portal's commands; nil folds every stream from its start.
    private let folds: StreamStates?
    /// Whether another command holds the turn of a stream (``StreamLocks``): loading such a stream stops the
    /// attempt at once with ``StreamBusy``, so that the command queues for it instead of deciding in vain.
    private let isBusy: (@Sendable (String) -> Bool)?

    init(log: EventLog, folds: StreamStates? = nil, expectedVersions: [String: UInt64] = [:], isBusy: (@Sendable (String) -> Bool)? = nil) {
        self.log = log
        self.folds = folds
        self.expectedVersions = expectedVersions
        self.isBusy = isBusy
    }

    /// The state of stream `<category>-<id>` folded from the log, remembering the version read.
    public func load<S: EventStream>(_ kind: S.Type, _ id: String) throws -> S.State {
        try load(kind, streamID: S.streamID(id))
    }

    /// The state of the stream with this full id.
    public func load<S: EventStream>(_ kind: S.Type, streamID: String) throws -> S.State {
        if let state = states[streamID] as? S.State { return state }
        if let isBusy, isBusy(streamID) { throw StreamBusy(streamID: streamID) }
        // From the last fold of the stream, when there is one: only the events after it are read.
        let earlier = folds?.folded(streamID, as: S.State.self)
        let recorded = try log.readStream(streamID, from: (earlier?.version ?? 0) + 1)
        var state = earlier?.state ?? S.initialState
        for event in recorded {
            do {
                state = S.evolve(state, try EventRegistry.decode(S.Event.self, type: event.type, schemaVersion: event.schemaVersion, payload: event.payload))
            } catch {
                throw PortalError.unreadableStream(streamID, "event \(event.streamVersion): \(error)")
            }
        }
        let version = recorded.last?.streamVersion ?? earlier?.version ?? 0
        let recordedAt = recorded.last?.recordedAt ?? earlier?.lastRecordedAt
        if !recorded.isEmpty { folds?.keep(streamID, state, version: version, lastRecordedAt: recordedAt) }
        if let expected = expectedVersions[streamID], expected != version {
            throw PortalError.versionMismatch(streamID, expected: expected, actual: version)
        }
        if versions[streamID] == nil { order.append(streamID) }
        versions[streamID] = version
        if let recordedAt { lastRecordedAt[streamID] = recordedAt }
        states[streamID] = state
        return state
    }

    /// Adds events to a stream loaded in this attempt, and folds them into its state.
    public func append<S: EventStream>(_ kind: S.Type, _ id: String, _ newEvents: [S.Event]) {
        append(kind, streamID: S.streamID(id), newEvents)
    }

    public func append<S: EventStream>(_ kind: S.Type, streamID: String, _ newEvents: [S.Event]) {
        precondition(versions[streamID] != nil, "stream \(streamID) must be loaded before events are added to it")
        guard !newEvents.isEmpty else { return }
        events[streamID, default: []] += newEvents.map(\.payload)
        states[streamID] = newEvents.reduce(states[streamID] as! S.State, S.evolve)
    }

    /// Decides with `S.decide` on the loaded stream and adds the events; returns them.
    @discardableResult
    public func decide<S: EventStream>(_ kind: S.Type, _ id: String, _ command: S.Command, _ context: CommandContext) throws -> [S.Event] {
        let state = try load(kind, id)
        let decided = try S.decide(command, state, context)
        append(kind, id, decided)
        return decided
    }

    /// The version stream `streamID` will have once this attempt is appended: the version read plus the events
    /// added to it; nil when the attempt has not loaded the stream. An invoice records its actuals stream's
    /// version with it, and submission compares (R-INV-2).
    public func version(of streamID: String) -> UInt64? {
        versions[streamID].map { $0 + UInt64(events[streamID]?.count ?? 0) }
    }

    /// The version each stream loaded will have once this attempt is appended.
    var streamVersions: [String: UInt64] {
        versions.reduce(into: [:]) { result, entry in result[entry.key] = entry.value + UInt64(events[entry.key]?.count ?? 0) }
    }

    /// When the stream's last event was recorded, nil when empty or not loaded.
    public func lastRecordedAt(of streamID: String) -> Timestamp? { lastRecordedAt[streamID] }

    var hasEvents: Bool { events.values.contains { !$0.isEmpty } }

    /// The atomic append of this attempt.
    func streamAppends(for request: CommandRequest) throws -> [StreamAppend] {
        var index = 0
        var appends: [StreamAppend] = []
        for streamID in order {
            let version = versions[streamID]!
            let expected: ExpectedVersion = .exact(version)
            let payloads = events[streamID] ?? []
            var proposed: [ProposedEvent] = []
            for payload in payloads {
                let type = Swift.type(of: payload)
                let bytes = try EventCoding.encode(payload)
                // Nothing is stored that does not read back as the event decided, in a stream of its kind.
                try EventRegistry.check(bytes, type: type.eventType, schemaVersion: type.schemaVersion, streamID: streamID, decided: payload)
                var event = ProposedEvent(
                    type: type.eventType, schemaVersion: type.schemaVersion, payload: bytes,
                    actor: request.eventActor, correlationID: request.correlationID, causationID: request.commandID)
                if let id = request.eventID(index: index) { event.id = id }
                proposed.append(event)
                index += 1
            }
            appends.append(StreamAppend(streamID: streamID, expectedVersion: expected, events: proposed))
        }
        return appends
    }
}

/// An attempt read a stream whose turn another command holds; the command queues for it (``StreamLocks``).
struct StreamBusy: Error {
    let streamID: String
}

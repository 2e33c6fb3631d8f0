import Chronology
import EventLog
import Foundation
import PortalDomain

/// What an auditor asks about: one stream, or the parts of several streams that concern one thing (a CPLI's
/// own stream and its actuals), folded into one state whose fields are compared after every event.
public struct AuditSubject: Sendable {
    /// One stream (or the events of it that concern the subject) and the name its state has in the subject.
    public struct Source: Sendable {
        public var label: String
        public var streamID: String
        public var kind: any EventStream.Type
        /// Which events of the stream concern the subject (all when nil), given the decoded payload as JSON.
        public var include: (@Sendable (JSONTree) -> Bool)?

        public init(label: String, streamID: String, kind: any EventStream.Type, include: (@Sendable (JSONTree) -> Bool)? = nil) {
            self.label = label
            self.streamID = streamID
            self.kind = kind
            self.include = include
        }
    }

    /// How the subject is named in reports, e.g. `invoice INV-001 (invoice-3f…)`.
    public var name: String
    public var sources: [Source]

    public init(name: String, sources: [Source]) {
        self.name = name
        self.sources = sources
    }
}

/// Replays subjects from the log.
public struct AuditHistory: Sendable {
    public let subject: AuditSubject
    public let initialState: JSONTree
    public let steps: [HistoryStep]

    /// Reads the subject's streams through the stream index and folds them.
    public init(_ subject: AuditSubject, in log: EventLog) throws {
        self.subject = subject
        var perSource: [(index: Int, events: [RecordedEvent], payloads: [JSONTree], states: [JSONTree])] = []
        var initial: [String: JSONTree] = [:]
        for (index, source) in subject.sources.enumerated() {
            var events: [RecordedEvent] = []
            var payloads: [JSONTree] = []
            for event in try log.readStream(source.streamID) {
                let payload = try JSONTree(json: event.payload)
                if let include = source.include, !include(payload) { continue }
                events.append(event)
                payloads.append(payload)
            }
            perSource.append((index, events, payloads, try StreamReplay.states(source.kind, events)))
            initial[source.label] = try StreamReplay.initialState(source.kind)
        }
        let single = subject.sources.count == 1
        let initialState: JSONTree = single ? initial[subject.sources[0].label]! : .object(initial)
        // Merge by position; the composite state holds each source's latest state.
        var merged: [(position: UInt64, source: Int, offset: Int)] = []
        for source in perSource {
            for offset in source.events.indices { merged.append((source.events[offset].position, source.index, offset)) }
        }
        merged.sort { $0.position < $1.position }
        var current = initial
        var presentation = StatePresentation(log: log)
        var previous = try presentation.named(initialState)
        var steps: [HistoryStep] = []
        steps.reserveCapacity(merged.count)
        for entry in merged {
            let source = perSource[entry.source]
            let label = subject.sources[entry.source].label
            current[label] = source.states[entry.offset]
            let state = try presentation.named(single ? current[label]! : .object(current))
            let event = source.events[entry.offset]
            let payload = source.payloads[entry.offset]
            steps.append(HistoryStep(event: event, payload: payload, state: state,
                                     changes: FieldChange.between(previous, state), summary: EventSummary.line(event, payload)))
            previous = state
        }
        self.initialState = try presentation.named(initialState)
        self.steps = steps
    }

    /// The state after the last event at or before `position`.
    public func state(atPosition position: UInt64) -> JSONTree {
        steps.last { $0.event.position <= position }?.state ?? initialState
    }

    /// The state after the last event recorded at or before `instant`.
    public func state(at instant: Timestamp) -> JSONTree {
        steps.last { $0.event.recordedAt <= instant }?.state ?? initialState
    }

    /// The last event at or before the point asked about, if any.
    public func lastStep(atPosition position: UInt64) -> HistoryStep? { steps.last { $0.event.position <= position } }
    public func lastStep(at instant: Timestamp) -> HistoryStep? { steps.last { $0.event.recordedAt <= instant } }
}

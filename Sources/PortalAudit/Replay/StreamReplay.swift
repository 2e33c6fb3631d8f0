import Chronology
import EventLog
import Foundation
import PortalDomain

/// One event of a history and what it did to the state of the thing audited.
public struct HistoryStep: Sendable {
    public let event: RecordedEvent
    /// The payload as JSON.
    public let payload: JSONTree
    /// The audited state after this event.
    public let state: JSONTree
    /// Fields of the state this event changed.
    public let changes: [FieldChange]
    /// A one-line account of the event.
    public let summary: String
}

/// Folds events of the domain's streams into their states, keeping every intermediate state.
enum StreamReplay {
    /// The state of a stream of `kind` after each of `events` (decoded with the registry). A stream whose
    /// events cannot be decoded is reported, not skipped.
    static func states(_ kind: any EventStream.Type, _ events: [RecordedEvent]) throws -> [JSONTree] {
        try states(of: kind, events)
    }

    private static func states<S: EventStream>(of kind: S.Type, _ events: [RecordedEvent]) throws -> [JSONTree] {
        var state = S.initialState
        var out: [JSONTree] = []
        out.reserveCapacity(events.count)
        for event in events {
            let decoded: S.Event
            do {
                decoded = try EventRegistry.decode(S.Event.self, type: event.type, schemaVersion: event.schemaVersion, payload: event.payload)
            } catch {
                throw AuditError.undecodable(position: event.position, type: event.type, reason: "\(error)")
            }
            state = S.evolve(state, decoded)
            out.append(try JSONTree(encoding: state))
        }
        return out
    }

    static func initialState(_ kind: any EventStream.Type) throws -> JSONTree {
        try initial(of: kind)
    }

    private static func initial<S: EventStream>(of kind: S.Type) throws -> JSONTree {
        try JSONTree(encoding: S.initialState)
    }
}

/// A one-line account of an event: its type and the payload fields a reader looks for first.
enum EventSummary {
    /// Payload fields shown first when present, in this order.
    static let salient = ["reference", "status", "reason", "total", "amount", "week", "period", "role", "team",
                          "actual", "frustrated", "comment", "name", "release", "organisationID", "paymentDate", "paymentRunID",
                          "invoiceID", "cpliID"]

    static func line(_ event: RecordedEvent, _ payload: JSONTree) -> String {
        guard case .object(let fields) = payload else { return event.type }
        var parts: [String] = []
        for key in salient {
            guard let value = fields[key] else { continue }
            switch value {
            case .object, .array: continue
            case .null: continue
            default:
                var text = value.leafText
                if text.count > 40 { text = String(text.prefix(39)) + "…" }
                parts.append("\(key) \(text)")
            }
            if parts.count == 3 { break }
        }
        return parts.isEmpty ? event.type : "\(event.type): " + parts.joined(separator: ", ")
    }
}

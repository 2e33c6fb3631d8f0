import CSV
import Chronology
import EventLog
import Foundation

/// How audit answers are printed: a readable table, one JSON object per line, or CSV.
public enum AuditFormat: String, CaseIterable, Sendable {
    case table
    case json
    case csv
}

/// Renders audit answers. Every format carries the same facts.
public enum AuditOutput {
    static let eventColumns = ["position", "recordedAt", "actor", "actingAs", "stream", "type", "summary"]

    /// Every event of a history with what it changed.
    public static func history(_ history: AuditHistory, format: AuditFormat) throws -> String {
        switch format {
        case .table:
            var lines = ["\(history.subject.name): \(history.steps.count) events", ""]
            lines.append(tableRow(["POSITION", "RECORDED AT (UTC)", "ACTOR", "ACTING AS", "EVENT"]))
            for step in history.steps {
                lines.append(tableRow([String(step.event.position), step.event.recordedAt.iso8601, step.event.actor.who,
                                       step.event.actor.actingAs, step.summary]))
                for change in step.changes {
                    lines.append(String(repeating: " ", count: 12) + "  " + change.description)
                }
            }
            return lines.joined(separator: "\n") + "\n"
        case .json:
            return history.steps.map { step in
                let changes = step.changes.map { change in
                    "{\"path\":\(JSONText.quoted(change.path)),\"before\":\(change.before.map(JSONText.quoted) ?? "null"),\"after\":\(change.after.map(JSONText.quoted) ?? "null")}"
                }
                return "{" + eventFields(step.event, summary: step.summary) + ",\"payload\":\(step.payload.json),\"changes\":[\(changes.joined(separator: ","))]}"
            }.joined(separator: "\n") + (history.steps.isEmpty ? "" : "\n")
        case .csv:
            return try csv(header: eventColumns + ["changes"], rows: history.steps.map { step in
                eventValues(step.event, summary: step.summary) + [step.changes.map(\.description).joined(separator: "; ")]
            })
        }
    }

    /// A list of events (who, trace).
    public static func events(_ events: [RecordedEvent], title: String, format: AuditFormat) throws -> String {
        switch format {
        case .table:
            var lines = ["\(title): \(events.count) events", ""]
            lines.append(tableRow(["POSITION", "RECORDED AT (UTC)", "ACTOR", "ACTING AS", "STREAM", "EVENT"]))
            for event in events {
                lines.append(tableRow([String(event.position), event.recordedAt.iso8601, event.actor.who, event.actor.actingAs,
                                       event.streamID, summary(event)]))
            }
            return lines.joined(separator: "\n") + "\n"
        case .json:
            return events.map { "{" + eventFields($0, summary: summary($0)) + "}" }.joined(separator: "\n") + (events.isEmpty ? "" : "\n")
        case .csv:
            return try csv(header: eventColumns, rows: events.map { eventValues($0, summary: summary($0)) })
        }
    }

    /// A state, field by field.
    public static func state(_ state: JSONTree, title: String, format: AuditFormat) throws -> String {
        let fields = state.flattened()
        switch format {
        case .table:
            let width = min(max(fields.map(\.path.count).max() ?? 0, 5), 60)
            return ([title, ""] + fields.map { $0.path.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.value })
                .joined(separator: "\n") + "\n"
        case .json:
            return state.json + "\n"
        case .csv:
            return try csv(header: ["field", "value"], rows: fields.map { [$0.path, $0.value] })
        }
    }

    static func summary(_ event: RecordedEvent) -> String {
        guard let payload = try? JSONTree(json: event.payload) else { return event.type }
        return EventSummary.line(event, payload)
    }

    private static func eventValues(_ event: RecordedEvent, summary: String) -> [String] {
        [String(event.position), event.recordedAt.iso8601, event.actor.who, event.actor.actingAs, event.streamID, event.type, summary]
    }

    private static func eventFields(_ event: RecordedEvent, summary: String) -> String {
        var fields = zip(eventColumns, eventValues(event, summary: summary)).map { name, value in
            name == "position" ? "\"position\":\(value)" : "\(JSONText.quoted(name)):\(JSONText.quoted(value))"
        }
        fields.insert("\"version\":\(event.streamVersion)", at: 5)
        if let correlation = event.correlationID { fields.append("\"correlationId\":\(JSONText.quoted(correlation.uuidString.lowercased()))") }
        return fields.joined(separator: ",")
    }

    private static func tableRow(_ cells: [String]) -> String {
        let widths = [10, 29, 14, 24, 30]
        return cells.enumerated().map { index, cell in
            index < cells.count - 1 && index < widths.count ? cell.padding(toLength: max(widths[index], cell.count), withPad: " ", startingAt: 0) : cell
        }.joined(separator: " ")
    }

    /// RFC 4180 CSV with `\n` line ends.
    static func csv(header: [String], rows: [[String]]) throws -> String {
        let writer = try CSVWriter(stream: .toMemory())
        try writer.write(row: header)
        for row in rows { try writer.write(row: row) }
        writer.stream.close()
        let data = writer.stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

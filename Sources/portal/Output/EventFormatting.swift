import Chronology
import EventLog
import Foundation

/// Renders stored events for a terminal (a table) or for tools (one JSON object per line).
enum EventFormatting {
    static func tableHeader() -> String {
        row(["POSITION", "STREAM", "VERSION", "TYPE", "RECORDED AT", "ACTOR", "PAYLOAD"])
    }

    static func tableRow(_ event: RecordedEvent, payloadWidth: Int = 60) -> String {
        var payload = String(decoding: event.payload, as: UTF8.self)
        if payload.count > payloadWidth { payload = String(payload.prefix(payloadWidth - 1)) + "…" }
        return row([String(event.position), event.streamID, String(event.streamVersion), event.type,
                    event.recordedAt.iso8601, event.actor.description, payload])
    }

    private static func row(_ cells: [String]) -> String {
        let widths = [9, 36, 8, 28, 28, 32]
        var line = ""
        for (index, cell) in cells.enumerated() {
            if index < widths.count {
                line += cell.padding(toLength: max(widths[index], cell.count), withPad: " ", startingAt: 0) + " "
            } else {
                line += cell
            }
        }
        return line
    }

    /// The whole envelope as one JSON object; the payload is embedded as the JSON it is.
    static func jsonLine(_ event: RecordedEvent) -> String {
        var fields: [(String, String)] = [
            ("position", String(event.position)),
            ("id", quoted(event.id.uuidString.lowercased())),
            ("stream", quoted(event.streamID)),
            ("version", String(event.streamVersion)),
            ("type", quoted(event.type)),
            ("schemaVersion", String(event.schemaVersion)),
            ("recordedAt", quoted(event.recordedAt.iso8601)),
            ("actor", "{\"who\":\(quoted(event.actor.who)),\"actingAs\":\(quoted(event.actor.actingAs))}"),
        ]
        if let correlation = event.correlationID { fields.append(("correlationId", quoted(correlation.uuidString.lowercased()))) }
        if let causation = event.causationID { fields.append(("causationId", quoted(causation.uuidString.lowercased()))) }
        fields.append(("hash", quoted(event.hash.hex)))
        let payloadIsJSON = (try? JSONSerialization.jsonObject(with: event.payload, options: [.fragmentsAllowed])) != nil
        fields.append(("payload", payloadIsJSON ? String(decoding: event.payload, as: UTF8.self) : quoted(String(decoding: event.payload, as: UTF8.self))))
        return "{" + fields.map { "\(quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

import Chronology
import EventLog
import Foundation
import PortalDomain

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
            // One row per changed field, so that no cell grows with the record (an invoice of 72 lines changes
            // hundreds of fields at once); an event that changed no field still has its row.
            var rows: [[String]] = []
            for step in history.steps {
                let event = [String(step.event.position), step.event.recordedAt.iso8601, step.event.actor.who, step.event.actor.actingAs, step.event.type]
                if step.changes.isEmpty { rows.append(event + ["", "", ""]) }
                for change in step.changes { rows.append(event + [change.path, change.before ?? absent, change.after ?? absent]) }
            }
            return try csv(header: historyColumns, rows: rows)
        }
    }

    /// The columns of a history as CSV: one row per field an event changed.
    public static let historyColumns = ["position", "recordedAt", "actor", "actingAs", "type", "field", "before", "after"]
    /// A field that did not exist (before) or no longer exists (after).
    static let absent = "∅"

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

    /// A payment run's remittances rebuilt from the log: per provider whether the CSV is byte-identical to the one
    /// issued (its SHA-256 against the recorded one), and the files written (`files` in the same order, or empty
    /// when nothing was written).
    public static func remittances(_ remittances: [RegeneratedRemittance], files: [RemittanceFiles.Written], run: String,
                                   format: AuditFormat) throws -> String {
        let columns = ["paymentRun", "organisation", "organisationName", "position", "lines", "total", "identical",
                       "recordedSHA256", "regeneratedSHA256", "csvFile", "textFile", "files"]
        func values(_ index: Int) -> [String] {
            let remittance = remittances[index]
            let written = index < files.count ? files[index] : nil
            return [remittance.paymentRunID.rawValue, remittance.organisationID.rawValue, remittance.advice.organisationName,
                    String(remittance.event.position), String(remittance.advice.lines.count), remittance.advice.total.description,
                    remittance.isIdentical ? "true" : "false", remittance.recordedSHA256, remittance.regeneratedSHA256,
                    written?.csv.path ?? "", written?.text.path ?? "",
                    written.map { $0.csvOutcome == $0.textOutcome ? $0.csvOutcome.rawValue : "csv \($0.csvOutcome.rawValue), text \($0.textOutcome.rawValue)" } ?? ""]
        }
        switch format {
        case .table:
            let differing = remittances.filter { !$0.isIdentical }.count
            var lines = ["payment run \(run): \(remittances.count) remittance\(remittances.count == 1 ? "" : "s") rebuilt from the log; "
                + (differing == 0 ? "every CSV is byte-identical to the one issued" : "\(differing) differ\(differing == 1 ? "s" : "") from the one issued"), ""]
            let header = ["ORGANISATION", "LINES", "TOTAL", "CSV", "FILES"]
            var rows: [[String]] = []
            for index in remittances.indices {
                let remittance = remittances[index]
                let written = index < files.count ? files[index] : nil
                rows.append([remittance.organisationID.rawValue, String(remittance.advice.lines.count), remittance.advice.total.description,
                             remittance.isIdentical ? "identical" : "DIFFERS",
                             written.map { "\($0.csv.lastPathComponent), \($0.text.lastPathComponent) (\(values(index)[11]))" } ?? "-"])
            }
            var widths = header.map(\.count)
            for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) } }
            func render(_ cells: [String]) -> String {
                cells.enumerated().map { column, cell in
                    column == cells.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                }.joined(separator: "  ")
            }
            lines.append(render(header))
            for (index, row) in rows.enumerated() {
                lines.append(render(row))
                let remittance = remittances[index]
                lines.append("    \(remittance.advice.organisationName), position \(remittance.event.position), recorded \(remittance.event.recordedAt.iso8601)")
                lines.append("    recorded SHA-256     \(remittance.recordedSHA256)")
                lines.append("    regenerated SHA-256  \(remittance.regeneratedSHA256)")
            }
            if let folder = files.first?.csv.deletingLastPathComponent().path { lines += ["", "files in \(folder)"] }
            return lines.joined(separator: "\n") + "\n"
        case .json:
            return remittances.indices.map { index in
                let row = values(index)
                return "{" + zip(columns, row).map { name, value in
                    switch name {
                    case "position", "lines": "\(JSONText.quoted(name)):\(value)"
                    case "identical": "\(JSONText.quoted(name)):\(value)"
                    default: "\(JSONText.quoted(name)):\(JSONText.quoted(value))"
                    }
                }.joined(separator: ",") + "}"
            }.joined(separator: "\n") + (remittances.isEmpty ? "" : "\n")
        case .csv:
            return try csv(header: columns, rows: remittances.indices.map(values))
        }
    }

    /// The log's head as a digest to keep.
    public static func digest(_ digest: LogDigest, format: AuditFormat) throws -> String {
        let at = digest.recordedAt?.iso8601
        switch format {
        case .table:
            return "position \(digest.position)\nhash     \(digest.hash)\n" + (at.map { "at       \($0)\n" } ?? "")
        case .json:
            return "{\"position\":\(digest.position),\"hash\":\(JSONText.quoted(digest.hash))"
                + (at.map { ",\"recordedAt\":\(JSONText.quoted($0))" } ?? "") + "}\n"
        case .csv:
            return try csv(header: ["position", "hash", "recordedAt"], rows: [[String(digest.position), digest.hash, at ?? ""]])
        }
    }

    /// What a verification found.
    public static func verification(_ report: VerificationReport, format: AuditFormat) throws -> String {
        let columns = ["verified", "eventsVerified", "failedPosition", "reason", "treeRoot", "treeNodesChecked", "digestPosition",
                       "checkpointSize", "grownBy"]
        let values = [report.isVerified ? "true" : "false", String(report.verifiedCount), report.failure.map { String($0.position) } ?? "",
                      report.failure?.reason ?? "", report.treeRoot?.hex ?? "", report.treeRoot == nil ? "" : String(report.treeNodesChecked),
                      report.digest.map { String($0.position) } ?? "", report.checkpoint.map { String($0.size) } ?? "",
                      report.grownBy.map(String.init) ?? ""]
        switch format {
        case .table:
            if let failure = report.failure {
                return "FAILED at position \(failure.position): \(failure.reason)\n\(report.verifiedCount) events verified before it\n"
            }
            var note = report.digest.map { "; the digest at position \($0.position) is unchanged and the log grew by \(report.grownBy ?? 0) events after it" } ?? ""
            if let checkpoint = report.checkpoint {
                note = "; the signed checkpoint of \(checkpoint.size) events (\(checkpoint.time.iso8601)) is unchanged and the log grew by \(report.grownBy ?? 0) events after it"
            }
            let tree = report.treeRoot.map { "\nMerkle tree root \($0.hex) (\(report.treeNodesChecked) stored nodes equal to the records')" } ?? ""
            return "OK: \(report.verifiedCount) events verified\(note) (\(report.eventsPerSecond ?? 0) events/s)\(tree)\n"
        case .json:
            return "{" + zip(columns, values).compactMap { name, value in
                switch name {
                case "verified": "\"verified\":\(value)"
                case "reason", "treeRoot": value.isEmpty ? nil : "\(JSONText.quoted(name)):\(JSONText.quoted(value))"
                default: value.isEmpty ? nil : "\(JSONText.quoted(name)):\(value)"
                }
            }.joined(separator: ",") + "}\n"
        case .csv:
            return try csv(header: columns, rows: [values])
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

    /// The most characters a spreadsheet cell holds (Excel: 32,767).
    public static let maximumCellLength = 32_767

    /// `cell`, cut to fit a spreadsheet cell, saying how much was cut (`--format json` has it whole).
    static func fitted(_ cell: String) -> String {
        let length = cell.utf16.count
        guard length > maximumCellLength else { return cell }
        var kept = ""
        var used = 0
        for character in cell {
            let size = character.utf16.count
            if used + size > maximumCellLength - 80 { break }
            kept.append(character)
            used += size
        }
        return kept + " … [\(length - used) more characters: see --format json]"
    }

    /// CSV of the audit answer with the portal's one writer (``CSVText``): RFC 4180, `\n` line ends; every cell is
    /// text, so a value from the log that starts a formula opens as text; no cell longer than a spreadsheet's
    /// (``maximumCellLength``).
    static func csv(header: [String], rows: [[String]]) throws -> String {
        CSVText.render(header: header, rows: rows.map { $0.map { CSVText.Cell.text(fitted($0)) } })
    }
}

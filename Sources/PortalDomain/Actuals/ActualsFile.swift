import Chronology

/// One problem of an import, by spreadsheet row (the header is row 1) and column.
public struct ImportProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var row: Int
    public var column: String
    public var message: String
    public var rule: String?

    public init(row: Int, column: String, message: String, rule: String? = nil) {
        self.row = row
        self.column = column
        self.message = message
        self.rule = rule
    }

    public var description: String {
        "row \(row), column \(column): \(message)" + (rule.map { " (\($0))" } ?? "")
    }
}

/// A refused import: every problem of every row. Nothing of the file was applied (R-ACT-2).
public struct ImportRejected: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [ImportProblem]

    public init(problems: [ImportProblem]) {
        self.problems = problems
    }

    public var description: String {
        "the file was not imported; nothing was applied. \(problems.count) problem\(problems.count == 1 ? "" : "s"):\n"
            + problems.map { "- \($0)" }.joined(separator: "\n")
    }
}

/// An actuals CSV file (R-ACT-2), as the bulk export writes it and the import reads it.
///
/// Columns, named in the header row in any order (case-insensitive): `service`, `cpli`, `week` (the Monday, as
/// `2026-10-19`, `19/10/2026` or `19/10/26`: UK day-month order, as a spreadsheet saves it) and `actual` are
/// required; `frustrated`, `missed`, `extra`, `visits`, `comment` and `aborted_visits` are optional; any other
/// column (`client_reference`, `client_name`, `planned`…) is ignored. A file is read the way a spreadsheet saves
/// it: a byte-order mark and CRLF line ends are accepted, and a text cell the export wrote with a leading
/// apostrophe (a formula neutralised, ``CSVText``) reads back without it.
///
/// An optional column the file does not have changes nothing: each row is an ``ActualChanges`` of the columns
/// present, so a line keeps every value the file does not mention. In a column present, an empty cell is 0 (an
/// empty comment, no aborted visits); an empty `frustrated` is computed from the row's aborted visits (R-ABT).
///
/// `aborted_visits` lists a line's aborted visits separated by `;`, each as
/// `DATE day|night length LENGTH notice HOURS CAUSE`, e.g. `2026-11-17 day length 0.5 notice 2 cancelled`
/// (causes: `cancelled`, `no-entry`, `hospitalisation`, `death`); the export writes it, so an aborted visit
/// survives a round trip through a spreadsheet.
public struct ActualsFile: Sendable, Equatable {
    /// One data row.
    public struct Row: Sendable, Equatable {
        /// The spreadsheet row number (the header is row 1).
        public var number: Int
        public var serviceID: ServiceID
        public var cpliID: CPLIID
        public var week: Week
        /// The fields of the columns present.
        public var changes: ActualChanges
    }

    public static let requiredColumns = ["service", "cpli", "week", "actual"]
    public static let optionalColumns = ["frustrated", "missed", "extra", "visits", "comment", "aborted_visits"]
    /// The columns the export writes, in order.
    public static let exportColumns = ["service", "cpli", "client_reference", "client_name", "week", "planned", "actual",
                                       "frustrated", "missed", "extra", "visits", "comment", "aborted_visits"]
    /// The CSV column of each field of an edit, for problems found by the rules (which name the JSON field).
    static let columnOfField = ["abortedVisits": "aborted_visits"]

    public var rows: [Row]
    /// The problems of the rows that did not parse (left out of `rows`), kept by ``parseListingProblems(_:)`` so
    /// that an import lists them together with the problems of the rows that did.
    public var problems: [ImportProblem] = []
    /// The optional columns the header names.
    public var optionalColumnsPresent: [String] = []

    /// The CSV column that a problem about `field` (as the rules name it) is reported under.
    public static func column(ofField field: String) -> String { columnOfField[field] ?? field }

    /// Parses the file, listing every problem by row and column.
    public static func parse(_ text: String) throws(ImportRejected) -> ActualsFile {
        let file = try parseListingProblems(text)
        guard file.problems.isEmpty else { throw ImportRejected(problems: file.problems) }
        return file
    }

    /// Parses the file; a row that does not parse is left out and its problems kept in ``problems``. Throws only
    /// when the file as a whole cannot be read: not CSV, no header or a required column missing, no rows.
    public static func parseListingProblems(_ text: String) throws(ImportRejected) -> ActualsFile {
        let records: [[String]]
        do {
            records = try CSVText.records(text)
        } catch {
            throw ImportRejected(problems: [error])
        }
        guard let header = records.first else {
            throw ImportRejected(problems: [ImportProblem(row: 1, column: "header", message: "the file is empty", rule: "R-ACT-2")])
        }
        let columns = try headerColumns(header)
        let missing = requiredColumns.filter { columns[$0] == nil }
        guard missing.isEmpty else {
            throw ImportRejected(problems: missing.map {
                ImportProblem(row: 1, column: $0, message: "the header has no column \($0); required: \(requiredColumns.joined(separator: ", "))", rule: "R-ACT-2")
            })
        }
        var rows: [Row] = []
        var problems: [ImportProblem] = []
        for (offset, record) in records.enumerated().dropFirst() {
            let number = offset + 1
            if record.allSatisfy({ $0.trimmingWhitespace.isEmpty }) { continue }
            var rowProblems: [ImportProblem] = []
            /// The cell of a column the header has ("" past the end of a short row); nil for a column it has not.
            func cell(_ column: String) -> String? {
                guard let index = columns[column] else { return nil }
                return index < record.count ? record[index] : ""
            }
            func field<T>(_ column: String, _ parse: (String) throws(DomainError) -> T) -> T? {
                do {
                    return try parse(cell(column) ?? "")
                } catch {
                    rowProblems.append(ImportProblem(row: number, column: column, message: error.message, rule: error.rule ?? "R-ACT-2"))
                    return nil
                }
            }
            /// A quantity of an optional column: nil when the file has no such column, 0 for an empty cell.
            func optionalQuantity(_ column: String) -> Quantity?? {
                guard let text = cell(column) else { return .some(nil) }
                guard !text.trimmingWhitespace.isEmpty else { return .zero }
                return field(column) { text throws(DomainError) in try Quantity.parse(text, field: column) }.map { .some($0) }
            }
            let service = field("service") { text throws(DomainError) in try ServiceID.parse(text, field: "service") }
            let cpli = field("cpli") { text throws(DomainError) in try CPLIID.parse(text, field: "cpli") }
            let week = field("week") { text throws(DomainError) in try Week.parse(spreadsheet: text, field: "week") }
            let actual = field("actual") { text throws(DomainError) in try Quantity.parse(text, field: "actual") }
            var frustrated: ActualChanges.Frustrated?? = .some(nil)
            if let text = cell("frustrated") {
                frustrated = text.trimmingWhitespace.isEmpty ? .computed
                    : field("frustrated") { text throws(DomainError) in try Quantity.parse(text, field: "frustrated") }.map { .given($0) }
            }
            let missed = optionalQuantity("missed")
            let extra = optionalQuantity("extra")
            var visits: Int?? = .some(nil)
            if let text = cell("visits")?.trimmingWhitespace {
                visits = text.isEmpty ? 0 : Int(text).flatMap { $0 >= 0 ? $0 : nil }
                if visits == nil {
                    rowProblems.append(ImportProblem(row: number, column: "visits", message: "visits '\(text)' is not a whole number of 0 or more", rule: "R-ACT-2"))
                }
            }
            var aborted: [AbortedVisit]?? = .some(nil)
            if cell("aborted_visits") != nil {
                aborted = field("aborted_visits") { text throws(DomainError) in try AbortedVisitsCell.parse(text) }.map { .some($0) }
            }
            if let service, let cpli, let week, let actual, let frustrated, let missed, let extra, let visits, let aborted, rowProblems.isEmpty {
                rows.append(Row(number: number, serviceID: service, cpliID: cpli, week: week, changes: ActualChanges(
                    actual: actual, frustrated: frustrated, missed: missed, extra: extra, visits: visits,
                    comment: cell("comment").map(CSVText.unneutralised), abortedVisits: aborted)))
            }
            problems += rowProblems
        }
        guard !rows.isEmpty || !problems.isEmpty else {
            throw ImportRejected(problems: [ImportProblem(row: 2, column: "row", message: "the file has a header but no rows", rule: "R-ACT-2")])
        }
        return ActualsFile(rows: rows, problems: problems, optionalColumnsPresent: optionalColumns.filter { columns[$0] != nil })
    }

    /// The file's content as it is read, whatever its bytes: the optional columns present, then every row's values
    /// in canonical form (dates `YYYY-MM-DD`, quantities to 4 places), rows in service, CPLI and week order. Two
    /// files that say the same (one saved again by a spreadsheet with UK dates, CRLF and a byte-order mark, rows
    /// sorted, columns moved, ignored columns changed) have the same content; its SHA-256 identifies a file that
    /// was applied already (R-ACT-10).
    public var canonicalContent: String {
        var out = "columns," + optionalColumnsPresent.joined(separator: ",") + "\n"
        let sorted = rows.sorted { ($0.serviceID.rawValue, $0.cpliID.rawValue, $0.week) < ($1.serviceID.rawValue, $1.cpliID.rawValue, $1.week) }
        for row in sorted {
            let changes = row.changes
            var cells: [CSVText.Cell] = [.text(row.serviceID.rawValue), .text(row.cpliID.rawValue), .number(row.week.description),
                                         .number(changes.actual?.description ?? "")]
            for column in optionalColumnsPresent {
                switch column {
                case "frustrated":
                    switch changes.frustrated {
                    case .given(let quantity)?: cells.append(.number(quantity.description))
                    case .computed?, nil: cells.append(.number("computed"))
                    }
                case "missed": cells.append(.number(changes.missed?.description ?? ""))
                case "extra": cells.append(.number(changes.extra?.description ?? ""))
                case "visits": cells.append(.number(changes.visits.map(String.init) ?? ""))
                case "comment": cells.append(.number(changes.comment ?? ""))
                case "aborted_visits": cells.append(.number(changes.abortedVisits.map(AbortedVisitsCell.render) ?? ""))
                default: break
                }
            }
            out += CSVText.line(cells)
        }
        return out
    }

    /// The columns of the header by name (trimmed, lowercased, spaces as underscores). Refuses, naming the
    /// column, a header where two columns are the same name once written alike (`actual` and `Actual `: which
    /// one would count is a guess), and an unknown column one or two letters away from a known one (`actuals`,
    /// `visit`), which would otherwise be ignored without a word. Other unknown columns are ignored.
    static func headerColumns(_ header: [String]) throws(ImportRejected) -> [String: Int] {
        let known = Set(requiredColumns + optionalColumns + exportColumns)
        var columns: [String: Int] = [:]
        var problems: [ImportProblem] = []
        for (index, written) in header.enumerated() {
            let name = written.trimmingWhitespace.lowercased().replacingSpacesWithUnderscores
            if let first = columns[name] {
                problems.append(ImportProblem(
                    row: 1, column: written,
                    message: "the header names column \(name) twice (columns \(first + 1) and \(index + 1)); keep one", rule: "R-ACT-2"))
                continue
            }
            columns[name] = index
            if !name.isEmpty, !known.contains(name),
               let near = known.sorted().first(where: { Self.editDistance(name, $0, atMost: $0.count <= 4 ? 1 : 2) }) {
                problems.append(ImportProblem(
                    row: 1, column: written,
                    message: "the header has an unknown column '\(written)'; did you mean \(near)? Known columns: \(exportColumns.joined(separator: ", "))",
                    rule: "R-ACT-2"))
            }
        }
        guard problems.isEmpty else { throw ImportRejected(problems: problems) }
        return columns
    }

    /// Whether `a` becomes `b` by at most `limit` insertions, deletions or substitutions of a character.
    static func editDistance(_ a: String, _ b: String, atMost limit: Int) -> Bool {
        let a = Array(a), b = Array(b)
        guard abs(a.count - b.count) <= limit else { return false }
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) <= limit }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count] <= limit
    }

    /// Writes lines as CSV with ``exportColumns`` (CRLF line ends, formula cells neutralised: ``CSVText``);
    /// `clients` gives each CPLI's client reference and name. Every value of a line is written, its aborted
    /// visits included, so the file imports back unchanged recording nothing.
    public static func export(_ lines: [ActualRecorded], clients: [CPLIID: (reference: String, name: String)]) -> String {
        CSVText.render(header: exportColumns, rows: lines.map { line in
            let client = clients[line.cpliID]
            return [.text(line.serviceID.rawValue), .text(line.cpliID.rawValue), .text(client?.reference ?? ""), .text(client?.name ?? ""),
                    .number(line.week.description), .number(line.planned.description), .number(line.actual.description),
                    .number(line.frustrated.description), .number(line.missed.description), .number(line.extra.description),
                    .number(String(line.visits)), .text(line.comment), .number(AbortedVisitsCell.render(line.abortedVisits.map(\.visit)))]
        }, lineEnd: .crlf)
    }
}

/// The `aborted_visits` cell of an actuals CSV: visits separated by `;`, each
/// `DATE day|night length LENGTH notice HOURS CAUSE` (the date as the week column accepts it).
public enum AbortedVisitsCell {
    /// The cell for `visits`, in the order given; empty for none.
    public static func render(_ visits: [AbortedVisit]) -> String {
        visits.map { "\($0.date.iso8601) \($0.time.rawValue) length \($0.length) notice \($0.noticeHours) \($0.cause.rawValue)" }
            .joined(separator: "; ")
    }

    /// The visits of a cell; empty for an empty cell. The error names the visit by its place in the cell.
    public static func parse(_ text: String) throws(DomainError) -> [AbortedVisit] {
        var visits: [AbortedVisit] = []
        let format = "write each as DATE day|night length LENGTH notice HOURS CAUSE, e.g. 2026-11-17 day length 0.5 notice 2 cancelled, separated by ;"
        for (index, part) in text.split(separator: ";").enumerated() {
            let words = part.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if words.isEmpty { continue }
            let at = "aborted visit \(index + 1) '\(String(part).trimmingWhitespace)'"
            guard words.count == 7, words[2].lowercased() == "length", words[4].lowercased() == "notice" else {
                throw .invalidValue(field: "aborted_visits", "\(at) is not an aborted visit; \(format)", rule: "R-ABT")
            }
            guard let date = BusinessDate(spreadsheet: words[0]) else {
                throw .invalidValue(field: "aborted_visits", "\(at): '\(words[0])' is not a date like 2026-11-17 or 17/11/2026", rule: "R-ABT")
            }
            guard let time = VisitTime(rawValue: words[1].lowercased()) else {
                throw .invalidValue(field: "aborted_visits", "\(at): '\(words[1])' is not day or night", rule: "R-ABT")
            }
            guard let cause = AbortCause(rawValue: words[6].lowercased()) else {
                let causes = AbortCause.allCases.map(\.rawValue).joined(separator: ", ")
                throw .invalidValue(field: "aborted_visits", "\(at): '\(words[6])' is not a cause (\(causes))", rule: "R-ABT")
            }
            let length: Quantity, notice: Quantity
            do {
                length = try Quantity.parse(words[3], field: "aborted_visits")
                notice = try Quantity.parse(words[5], field: "aborted_visits")
            } catch {
                throw .invalidValue(field: "aborted_visits", "\(at): \(error.message)", rule: "R-ABT")
            }
            visits.append(AbortedVisit(date: date, length: length, noticeHours: notice, time: time, cause: cause))
        }
        return visits
    }
}

extension String {
    fileprivate var replacingSpacesWithUnderscores: String { String(map { $0 == " " ? "_" : $0 }) }
}

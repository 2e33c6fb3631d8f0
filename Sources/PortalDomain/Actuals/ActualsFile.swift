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
/// Columns, named in the header row in any order (case-insensitive): `service`, `cpli`, `week` (the
/// Monday), `actual` are required; `frustrated`, `missed`, `extra` (default 0), `visits` (default 0) and
/// `comment` are optional; any other column (`client_reference`, `client_name`, `planned`…) is ignored.
public struct ActualsFile: Sendable, Equatable {
    /// One data row.
    public struct Row: Sendable, Equatable {
        /// The spreadsheet row number (the header is row 1).
        public var number: Int
        public var serviceID: ServiceID
        public var entry: ActualEntry
    }

    public static let requiredColumns = ["service", "cpli", "week", "actual"]
    public static let optionalColumns = ["frustrated", "missed", "extra", "visits", "comment"]
    /// The columns the export writes, in order.
    public static let exportColumns = ["service", "cpli", "client_reference", "client_name", "week", "planned", "actual",
                                       "frustrated", "missed", "extra", "visits", "comment"]

    public var rows: [Row]
    /// The problems of the rows that did not parse (left out of `rows`), kept by ``parseListingProblems(_:)`` so
    /// that an import lists them together with the problems of the rows that did.
    public var problems: [ImportProblem] = []

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
        var columns: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            columns[name.trimmingWhitespace.lowercased().replacingSpacesWithUnderscores] = index
        }
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
            func cell(_ column: String) -> String? {
                guard let index = columns[column], index < record.count else { return nil }
                return record[index]
            }
            func field<T>(_ column: String, _ parse: (String) throws(DomainError) -> T) -> T? {
                do {
                    return try parse(cell(column) ?? "")
                } catch {
                    rowProblems.append(ImportProblem(row: number, column: column, message: error.message, rule: error.rule ?? "R-ACT-2"))
                    return nil
                }
            }
            func optionalQuantity(_ column: String) -> Quantity? {
                guard let text = cell(column), !text.trimmingWhitespace.isEmpty else { return .zero }
                return field(column) { text throws(DomainError) in try Quantity.parse(text, field: column) }
            }
            let service = field("service") { text throws(DomainError) in try ServiceID.parse(text, field: "service") }
            let cpli = field("cpli") { text throws(DomainError) in try CPLIID.parse(text, field: "cpli") }
            let week = field("week") { text throws(DomainError) in try Week.parse(text, field: "week") }
            let actual = field("actual") { text throws(DomainError) in try Quantity.parse(text, field: "actual") }
            let frustrated = optionalQuantity("frustrated")
            let missed = optionalQuantity("missed")
            let extra = optionalQuantity("extra")
            var visits: Int? = 0
            if let text = cell("visits")?.trimmingWhitespace, !text.isEmpty {
                visits = Int(text).flatMap { $0 >= 0 ? $0 : nil }
                if visits == nil {
                    rowProblems.append(ImportProblem(row: number, column: "visits", message: "visits '\(text)' is not a whole number of 0 or more", rule: "R-ACT-2"))
                }
            }
            if let service, let cpli, let week, let actual, let frustrated, let missed, let extra, let visits, rowProblems.isEmpty {
                rows.append(Row(number: number, serviceID: service, entry: ActualEntry(
                    cpliID: cpli, week: week, actual: actual, frustrated: frustrated, missed: missed, extra: extra,
                    visits: visits, comment: cell("comment") ?? "")))
            }
            problems += rowProblems
        }
        guard !rows.isEmpty || !problems.isEmpty else {
            throw ImportRejected(problems: [ImportProblem(row: 2, column: "row", message: "the file has a header but no rows", rule: "R-ACT-2")])
        }
        return ActualsFile(rows: rows, problems: problems)
    }

    /// Writes lines as CSV with ``exportColumns``; `clients` gives each CPLI's client reference and name.
    public static func export(_ lines: [ActualRecorded], clients: [CPLIID: (reference: String, name: String)]) -> String {
        var out = exportColumns.joined(separator: ",") + "\r\n"
        for line in lines {
            let client = clients[line.cpliID]
            let cells = [line.serviceID.rawValue, line.cpliID.rawValue, client?.reference ?? "", client?.name ?? "",
                         line.week.description, line.planned.description, line.actual.description, line.frustrated.description,
                         line.missed.description, line.extra.description, String(line.visits), line.comment]
            out += cells.map(CSVText.quoted).joined(separator: ",") + "\r\n"
        }
        return out
    }
}

/// RFC 4180 CSV: commas, double-quoted fields with `""` for a quote, CRLF or LF line ends, a leading BOM.
enum CSVText {
    static func records(_ text: String) throws(ImportProblem) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var inQuotes = false
        var fieldWasQuoted = false
        var row = 1
        var chars = Substring(text)
        if chars.first == "\u{FEFF}" { chars.removeFirst() }
        var index = chars.startIndex
        while index < chars.endIndex {
            let c = chars[index]
            index = chars.index(after: index)
            if inQuotes {
                if c == "\"" {
                    if index < chars.endIndex, chars[index] == "\"" {
                        field.append("\"")
                        index = chars.index(after: index)
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" || c == "\r\n" { row += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !fieldWasQuoted:
                inQuotes = true
                fieldWasQuoted = true
            case ",":
                record.append(field)
                field = ""
                fieldWasQuoted = false
            case "\n", "\r\n", "\r":
                record.append(field)
                records.append(record)
                record = []
                field = ""
                fieldWasQuoted = false
                row += 1
            default:
                field.append(c)
            }
        }
        if inQuotes {
            throw ImportProblem(row: row, column: "row", message: "a quoted field is not closed", rule: "R-ACT-2")
        }
        if !field.isEmpty || !record.isEmpty || fieldWasQuoted {
            record.append(field)
            records.append(record)
        }
        return records
    }

    static func quoted(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return value }
        return "\"" + value.replacingQuotesWithDoubledQuotes + "\""
    }
}

extension String {
    fileprivate var replacingSpacesWithUnderscores: String { String(map { $0 == " " ? "_" : $0 }) }
    fileprivate var replacingQuotesWithDoubledQuotes: String {
        var out = ""
        for c in self {
            if c == "\"" { out.append("\"") }
            out.append(c)
        }
        return out
    }
}

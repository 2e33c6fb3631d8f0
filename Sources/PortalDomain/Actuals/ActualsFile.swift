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
    /// `clients` gives each CPLI's client reference and name.
    public static func export(_ lines: [ActualRecorded], clients: [CPLIID: (reference: String, name: String)]) -> String {
        CSVText.render(header: exportColumns, rows: lines.map { line in
            let client = clients[line.cpliID]
            return [.text(line.serviceID.rawValue), .text(line.cpliID.rawValue), .text(client?.reference ?? ""), .text(client?.name ?? ""),
                    .number(line.week.description), .number(line.planned.description), .number(line.actual.description),
                    .number(line.frustrated.description), .number(line.missed.description), .number(line.extra.description),
                    .number(String(line.visits)), .text(line.comment)]
        }, lineEnd: .crlf)
    }
}

extension String {
    fileprivate var replacingSpacesWithUnderscores: String { String(map { $0 == " " ? "_" : $0 }) }
}

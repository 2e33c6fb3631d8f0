/// The portal's one CSV reader and writer, for every file it reads or writes: the actuals import and export,
/// the CPLI export, remittance advice and the audit commands' CSV.
///
/// Writing follows RFC 4180: fields separated by commas; a field holding a comma, a double quote, a CR or an LF
/// is enclosed in double quotes, with each quote doubled; other fields are written as they are. Line ends are
/// the file's (``LineEnd``), and the last line ends too.
///
/// Formula cells are neutralised by one rule (OWASP's): a *text* cell whose first character is `=`, `+`, `-`,
/// `@`, a tab or a carriage return is written with a leading apostrophe (`'=1+1`), so that a spreadsheet opens it
/// as text and never runs it. Number cells (amounts, quantities, period numbers, dates the portal formatted) are
/// written as they are, so `-46.25` stays a number. Remittance advice used the same rule for `=`, `+`, `-` and
/// `@` from the start, and no text the portal stores can start with a tab or a line break (every text is trimmed
/// at input, ``TextInput``), so every remittance CSV already recorded regenerates byte for byte.
public enum CSVText {
    /// One cell: text from people or records (neutralised), or a number the portal formatted (as it is).
    public enum Cell: Sendable, Equatable, ExpressibleByStringLiteral {
        case text(String)
        case number(String)

        public init(stringLiteral value: String) { self = .text(value) }
    }

    /// The line end of a file: LF for exports read by scripts and for remittance advice (whose recorded
    /// SHA-256 was computed over LF), CRLF for the actuals export that providers open in spreadsheets.
    public enum LineEnd: String, Sendable {
        case lf = "\n"
        case crlf = "\r\n"
    }

    /// The first characters that make a spreadsheet read a cell as a formula (or, for tab and CR, that hide one).
    public static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    /// The CSV of a header and rows, each line ended by `lineEnd`.
    public static func render(header: [String], rows: [[Cell]], lineEnd: LineEnd = .lf) -> String {
        var out = line(header.map(Cell.text), lineEnd)
        for row in rows { out += line(row, lineEnd) }
        return out
    }

    /// One line: the cells written and joined by commas, then the line end.
    public static func line(_ cells: [Cell], _ lineEnd: LineEnd = .lf) -> String {
        cells.map(field).joined(separator: ",") + lineEnd.rawValue
    }

    /// A cell as written in the file: neutralised when it is text starting a formula, then quoted when needed.
    public static func field(_ cell: Cell) -> String {
        switch cell {
        case .text(let text): quoted(neutralised(text))
        case .number(let text): quoted(text)
        }
    }

    /// The text with a leading apostrophe when it starts with a formula character.
    public static func neutralised(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, formulaStarts.contains(Character(first)) else { return text }
        return "'" + text
    }

    /// A text cell as read back: the apostrophe that ``neutralised(_:)`` puts before a formula character is
    /// removed, so `'=1+1` reads `=1+1` and text the portal wrote imports back as it was. (A spreadsheet keeps
    /// the apostrophe of a CSV cell as text, and saves it again.)
    public static func unneutralised(_ text: String) -> String {
        guard text.hasPrefix("'"), let second = text.unicodeScalars.dropFirst().first, formulaStarts.contains(Character(second)) else {
            return text
        }
        return String(text.unicodeScalars.dropFirst())
    }

    /// The field, enclosed in double quotes (with quotes doubled) when it holds a comma, a quote, CR or LF.
    static func quoted(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            if scalar == "\"" { out.unicodeScalars.append("\"") }
            out.unicodeScalars.append(scalar)
        }
        return out + "\""
    }

    /// The records of CSV text (RFC 4180: commas, double-quoted fields with `""` for a quote, CRLF, LF or CR
    /// line ends, a leading BOM ignored). An unclosed quoted field is an import problem of its row.
    public static func records(_ text: String) throws(ImportProblem) -> [[String]] {
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
}

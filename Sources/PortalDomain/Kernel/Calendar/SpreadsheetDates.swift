import Chronology

extension BusinessDate {
    /// A date as a spreadsheet saves it in a UK locale, or as the portal writes it: `2026-10-19`, `19/10/2026`
    /// or `19/10/26` (day, month, year; a two-digit year is 20yy). Nil for anything else, or a day that does not
    /// exist.
    public init?(spreadsheet text: String) {
        let text = text.trimmingWhitespace
        if let date = BusinessDate(iso8601: text) {
            self = date
            return
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }),
              parts[0].count <= 2, parts[1].count <= 2, parts[2].count == 2 || parts[2].count == 4,
              let day = Int(parts[0]), let month = Int(parts[1]), let written = Int(parts[2])
        else { return nil }
        guard let date = BusinessDate(year: parts[2].count == 2 ? 2000 + written : written, month: month, day: day) else { return nil }
        self = date
    }
}

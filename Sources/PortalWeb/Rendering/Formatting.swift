import Chronology
import Foundation
import PortalDomain

/// How pages write money, quantities, dates and times: in the UK's way, exactly (no floating point).
enum Formatting {
    /// `£1,269.00`, `−£5.00`.
    static func money(_ amount: Money) -> String {
        let text = amount.description
        let negative = text.hasPrefix("-")
        let digits = negative ? String(text.dropFirst()) : text
        let parts = digits.split(separator: ".", maxSplits: 1)
        let whole = String(parts[0])
        var grouped = ""
        for (index, character) in whole.enumerated() {
            if index > 0, (whole.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        let pounds = "£" + grouped + (parts.count > 1 ? "." + parts[1] : "")
        return negative ? "−" + pounds : pounds
    }

    /// A quantity without trailing zeros beyond what it needs: `10.5`, `7`, `0.25`.
    static func quantity(_ quantity: Quantity) -> String {
        var text = quantity.description
        guard text.contains(".") else { return text }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// A rate in pounds with the pence always shown and any further places only when used: `£19.25`, `£19.2575`.
    static func rate(_ rate: Rate) -> String {
        var text = rate.description
        if let dot = text.firstIndex(of: ".") {
            while text.hasSuffix("0"), text.distance(from: dot, to: text.endIndex) > 3 { text.removeLast() }
        }
        return "£" + text
    }

    private static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                                 "November", "December"]

    /// `7 December 2026` (GOV.UK's date style).
    static func date(_ date: BusinessDate) -> String {
        "\(date.day) \(months[date.month - 1]) \(date.year)"
    }

    /// `7 Dec 2026`, for tables.
    static func shortDate(_ date: BusinessDate) -> String {
        "\(date.day) \(months[date.month - 1].prefix(3)) \(date.year)"
    }

    /// `7 December 2026 at 2:05pm` in the deployment's time zone.
    static func time(_ instant: Timestamp, in zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = zone
        formatter.dateFormat = "d MMMM yyyy 'at' h:mma"
        formatter.amSymbol = "am"
        formatter.pmSymbol = "pm"
        return formatter.string(from: instant.date)
    }

    /// A date a person typed, as a spreadsheet writes it (`2026-11-16`, `16/11/2026` or `16/11/26`, UK order);
    /// nil for anything else or a date outside the business range.
    static func parseDate(_ text: String) -> BusinessDate? {
        BusinessDate(spreadsheet: text).flatMap { $0.isInBusinessRange ? $0 : nil }
    }

    /// `3 days`, `1 day`.
    static func days(_ count: Int) -> String { count == 1 ? "1 day" : "\(count) days" }
}

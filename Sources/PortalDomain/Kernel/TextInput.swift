/// Checks of free text in commands: trimmed, present when required, within a length, no control characters.
public enum TextInput {
    /// The trimmed text, or an error naming `field` when it is empty, too long or holds control characters.
    public static func required(_ text: String, field: String, maximumLength: Int = 200) throws(DomainError) -> String {
        let trimmed = text.trimmingWhitespace
        guard !trimmed.isEmpty else { throw .invalidValue(field: field, "\(field) is required") }
        return try optional(trimmed, field: field, maximumLength: maximumLength) ?? trimmed
    }

    /// The trimmed text, nil when empty, or an error naming `field` when too long or holding control characters.
    public static func optional(_ text: String?, field: String, maximumLength: Int = 200) throws(DomainError) -> String? {
        guard let trimmed = text?.trimmingWhitespace, !trimmed.isEmpty else { return nil }
        guard trimmed.count <= maximumLength else {
            throw .invalidValue(field: field, "\(field) is \(trimmed.count) characters long; at most \(maximumLength) are allowed")
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" || $0.value == 0x7f }) else {
            throw .invalidValue(field: field, "\(field) contains a control character")
        }
        return trimmed
    }

    /// A plausible email address (one `@`, a dot in the domain, no spaces), lowercased: the username (R-ACC-1).
    public static func email(_ text: String, field: String = "email") throws(DomainError) -> String {
        let value = try required(text, field: field, maximumLength: 254).lowercased()
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !value.contains(where: { $0.isWhitespace })
        else { throw .invalidValue(field: field, "\(field) '\(value)' is not an email address like name@example.org") }
        return value
    }
}

/// Exact decimal text ⇄ integer units at a fixed number of decimal places, shared by ``Quantity``,
/// ``Money`` and ``Rate``. No floating point anywhere.
enum FixedPoint {
    static func power(_ places: Int) -> Int64 {
        var value: Int64 = 1
        for _ in 0..<places { value *= 10 }
        return value
    }

    /// Parses `-?[0-9]+(\.[0-9]+)?` into units of 10^-places.
    ///
    /// Digits beyond `places` are accepted only when they are zeros (`10.50000` is 10.5; `4.28571` is
    /// refused as over-precise). A value whose magnitude is `limit` units or more is refused. Surrounding
    /// whitespace is ignored.
    static func parse(
        _ raw: String, places: Int, allowsNegative: Bool, limit: Int64, field: String, what: String
    ) throws(DomainError) -> Int64 {
        if let units = parseCanonical(raw, places: places, allowsNegative: allowsNegative, limit: limit) { return units }
        return try parseExplaining(raw, places: places, allowsNegative: allowsNegative, limit: limit, field: field, what: what)
    }

    /// Most significant digits of a whole part: 10^15 at 4 places still fits in Int64.
    static let maximumWholeDigits = 15

    /// The units of a well-formed, in-range value with no surrounding whitespace, read byte by byte; nil for
    /// anything else, which ``parseExplaining(_:places:allowsNegative:limit:field:what:)`` then refuses with
    /// its reason (or accepts, trimming whitespace). This is the path of every decimal in a stored event.
    static func parseCanonical(_ raw: String, places: Int, allowsNegative: Bool, limit: Int64) -> Int64? {
        var text = raw
        return text.withUTF8 { bytes -> Int64? in
            let count = bytes.count
            var index = 0
            var negative = false
            if count > 0, bytes[0] == UInt8(ascii: "-") {
                guard allowsNegative else { return nil }
                negative = true
                index = 1
            }
            var whole: Int64 = 0
            var significant = 0
            let wholeStart = index
            while index < count, bytes[index] &- 48 < 10 {
                let digit = Int64(bytes[index] &- 48)
                if significant > 0 || digit != 0 { significant += 1 }
                guard significant <= maximumWholeDigits else { return nil }
                whole = whole * 10 + digit
                index += 1
            }
            guard index > wholeStart else { return nil }
            var fraction: Int64 = 0
            var kept = 0
            if index < count {
                guard bytes[index] == UInt8(ascii: "."), index + 1 < count else { return nil }
                index += 1
                while index < count {
                    let digit = bytes[index] &- 48
                    guard digit < 10 else { return nil }
                    if kept < places {
                        fraction = fraction * 10 + Int64(digit)
                        kept += 1
                    } else if digit != 0 {
                        return nil
                    }
                    index += 1
                }
            }
            while kept < places {
                fraction *= 10
                kept += 1
            }
            let units = Int128(whole) * Int128(power(places)) + Int128(fraction)
            guard units < Int128(limit) else { return nil }
            return negative ? -Int64(units) : Int64(units)
        }
    }

    /// The parse of anything ``parseCanonical(_:places:allowsNegative:limit:)`` did not accept: whitespace is
    /// trimmed, and a refusal names the field and says what is wrong.
    static func parseExplaining(
        _ raw: String, places: Int, allowsNegative: Bool, limit: Int64, field: String, what: String
    ) throws(DomainError) -> Int64 {
        let text = raw.trimmingWhitespace
        var chars = Substring(text)
        guard !chars.isEmpty else { throw .invalidValue(field: field, "\(field) is empty; give \(what)") }
        var negative = false
        if chars.first == "-" {
            negative = true
            chars.removeFirst()
        }
        let parts = chars.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        // ASCII digits only: a digit with a combining mark sorts between "0" and "9" as a Character.
        let isDigits: (Substring) -> Bool = { $0.utf8.allSatisfy { $0 &- 48 < 10 } }
        guard !whole.isEmpty, isDigits(whole), isDigits(fraction), parts.count == 1 || !fraction.isEmpty else {
            throw .invalidValue(field: field, "\(field) '\(raw)' is not a decimal number like \(example(places))")
        }
        if negative && !allowsNegative {
            throw .invalidValue(field: field, "\(field) is \(text): it may not be negative")
        }
        var kept = Substring(fraction.prefix(places))
        let beyond = fraction.dropFirst(places)
        if beyond.contains(where: { $0 != "0" }) {
            throw .invalidValue(field: field, "\(field) is \(text): at most \(places) decimal places are allowed")
        }
        while kept.count < places { kept.append("0") }
        let wholeDigits = whole.drop(while: { $0 == "0" })
        guard wholeDigits.count <= maximumWholeDigits else {
            throw .invalidValue(field: field, "\(field) is \(text): too large (the limit is \(format(limit - 1, places: places)))")
        }
        // In Int128: 15 digits times 10^places may not fit in Int64 before the limit is checked.
        var units: Int128 = 0
        for digit in wholeDigits.utf8 { units = units * 10 + Int128(digit - 48) }
        units *= Int128(power(places))
        var fractionUnits: Int128 = 0
        for digit in kept.utf8 { fractionUnits = fractionUnits * 10 + Int128(digit - 48) }
        units += fractionUnits
        guard units < Int128(limit) else {
            throw .invalidValue(field: field, "\(field) is \(text): too large (the limit is \(format(limit - 1, places: places)))")
        }
        return negative ? -Int64(units) : Int64(units)
    }

    /// `units` at `places` decimals, always with every decimal place: `105000` at 4 → `10.5000`.
    static func format(_ units: Int64, places: Int) -> String {
        let scale = power(places)
        let magnitude = units.magnitude
        let whole = magnitude / UInt64(scale)
        let fraction = magnitude % UInt64(scale)
        var text = String(whole)
        if places > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: places - digits.count) + digits
        }
        return units < 0 ? "-" + text : text
    }

    static func example(_ places: Int) -> String {
        places == 2 ? "12.34" : "10.5"
    }

    /// `numerator / denominator` rounded half away from zero ("half-up" on magnitudes).
    static func divideRoundingHalfUp(_ numerator: Int128, by denominator: Int128) -> Int128 {
        precondition(denominator > 0)
        let magnitude = numerator < 0 ? -numerator : numerator
        let rounded = (magnitude * 2 + denominator) / (denominator * 2)
        return numerator < 0 ? -rounded : rounded
    }

    /// Decodes the JSON string form, refusing numbers (they could not be exact in every reader).
    static func decode(
        from decoder: any Decoder, places: Int, allowsNegative: Bool, limit: Int64, what: String
    ) throws -> Int64 {
        let container = try decoder.singleValueContainer()
        guard let text = try? container.decode(String.self) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(what) must be a decimal string like \"\(example(places))\"")
        }
        if let units = parseCanonical(text, places: places, allowsNegative: allowsNegative, limit: limit) { return units }
        // Only now the field's name: the decoder builds its coding path on every call.
        let field = decoder.codingPath.last?.stringValue ?? what
        do {
            return try parseExplaining(text, places: places, allowsNegative: allowsNegative, limit: limit, field: field, what: what)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }
}

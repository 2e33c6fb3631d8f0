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
    /// refused as over-precise). A value whose magnitude is `limit` units or more is refused.
    static func parse(
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
        let isDigits: (Substring) -> Bool = { $0.allSatisfy { ("0"..."9").contains($0) } }
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
        guard wholeDigits.count <= 15 else {
            throw .invalidValue(field: field, "\(field) is \(text): too large (the limit is \(format(limit - 1, places: places)))")
        }
        var units: Int64 = 0
        for digit in wholeDigits.utf8 { units = units * 10 + Int64(digit - 48) }
        units *= power(places)
        var fractionUnits: Int64 = 0
        for digit in kept.utf8 { fractionUnits = fractionUnits * 10 + Int64(digit - 48) }
        units += fractionUnits
        guard units < limit else {
            throw .invalidValue(field: field, "\(field) is \(text): too large (the limit is \(format(limit - 1, places: places)))")
        }
        return negative ? -units : units
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
        let field = decoder.codingPath.last?.stringValue ?? what
        do {
            return try parse(text, places: places, allowsNegative: allowsNegative, limit: limit, field: field, what: what)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }
}

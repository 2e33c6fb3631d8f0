import Foundation

/// Why bytes are not JSON: the byte offset and what was expected there.
public struct JSONTreeError: Error, Equatable, CustomStringConvertible {
    public let offset: Int
    public let reason: String

    public var description: String { "not JSON at byte \(offset): \(reason)" }
}

/// A small RFC 8259 parser straight into ``JSONTree``. Foundation's decoders hand numbers over only as binary
/// integers or `Double`; this keeps each number's exact text instead, after checking its grammar.
struct JSONTreeParser {
    private let bytes: [UInt8]
    private var index = 0
    /// Deepest nesting accepted, so that a hostile payload cannot exhaust the stack.
    static let maximumDepth = 512

    init(_ data: Data) {
        bytes = [UInt8](data)
    }

    /// The one value of the document, with nothing but whitespace around it.
    mutating func document() throws(JSONTreeError) -> JSONTree {
        let value = try self.value(depth: 0)
        skipWhitespace()
        guard index == bytes.count else { throw failure("unexpected text after the value") }
        return value
    }

    private func failure(_ reason: String) -> JSONTreeError { JSONTreeError(offset: index, reason: reason) }

    private mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    private mutating func value(depth: Int) throws(JSONTreeError) -> JSONTree {
        skipWhitespace()
        guard index < bytes.count else { throw failure("a value was expected, the text ended") }
        guard depth < Self.maximumDepth else { throw failure("nested more than \(Self.maximumDepth) levels deep") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("a value was expected")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONTreeError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure("'\(word)' was expected") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw failure("'\(word)' was expected")
        }
        index += count
    }

    private mutating func object(depth: Int) throws(JSONTreeError) -> JSONTree {
        index += 1
        var fields: [String: JSONTree] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(fields)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("a quoted member name was expected") }
            let key = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("':' was expected after a member name") }
            index += 1
            fields[key] = try value(depth: depth + 1)
            skipWhitespace()
            guard index < bytes.count else { throw failure("',' or '}' was expected, the text ended") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(fields) }
            throw failure("',' or '}' was expected")
        }
    }

    private mutating func array(depth: Int) throws(JSONTreeError) -> JSONTree {
        index += 1
        var items: [JSONTree] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            items.append(try value(depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw failure("',' or ']' was expected, the text ended") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw failure("',' or ']' was expected")
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as written.
    private mutating func number() throws(JSONTreeError) -> String {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("a digit was expected in a number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw failure("a number may not have a leading zero") }
        } else {
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("a digit was expected after a decimal point") }
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("a digit was expected in an exponent") }
            skipDigits()
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    /// A quoted string with its escapes resolved (`\uD83D\uDE00` pairs included).
    private mutating func string() throws(JSONTreeError) -> String {
        index += 1
        let start = index
        // The common case: no escape, so the bytes are the text.
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
            guard bytes[index] >= 0x20 else { throw failure("a control character must be escaped in a string") }
            index += 1
        }
        guard index < bytes.count else { throw failure("a string is not closed") }
        var utf8 = Array(bytes[start..<index])
        while bytes[index] != UInt8(ascii: "\"") {
            // At a backslash.
            index += 1
            guard index < bytes.count else { throw failure("a string is not closed") }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): utf8.append(0x22)
            case UInt8(ascii: "\\"): utf8.append(0x5C)
            case UInt8(ascii: "/"): utf8.append(0x2F)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw failure("a high surrogate must be followed by a low one")
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw failure("a high surrogate must be followed by a low one") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw failure("a low surrogate without a high one")
                }
                utf8.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
            default:
                throw failure("an unknown escape in a string")
            }
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
                guard bytes[index] >= 0x20 else { throw failure("a control character must be escaped in a string") }
                utf8.append(bytes[index])
                index += 1
            }
            guard index < bytes.count else { throw failure("a string is not closed") }
        }
        index += 1
        guard let text = String(validating: utf8, as: UTF8.self) else { throw JSONTreeError(offset: start, reason: "a string is not valid UTF-8") }
        return text
    }

    private mutating func hex4() throws(JSONTreeError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("four hex digits were expected after \\u") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("four hex digits were expected after \\u")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}

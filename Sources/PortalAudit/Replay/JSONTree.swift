import Foundation

/// A JSON value as a tree, for comparing states field by field. Numbers keep their exact text as written
/// (`10.50`, `1e3`, `-0`): nothing goes through a binary floating-point number, so nothing is rounded on the
/// way (amounts are strings in this product anyway, and a number is never turned into one).
public indirect enum JSONTree: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONTree])
    case object([String: JSONTree])

    /// Parses JSON bytes (RFC 8259). A number keeps its text; an object's repeated key keeps its last value.
    public init(json data: Data) throws {
        var parser = JSONTreeParser(data)
        self = try parser.document()
    }

    /// The tree of an `Encodable` value, through JSON.
    public init<Value: Encodable>(encoding value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try self.init(json: try encoder.encode(value))
    }

    /// Leaf values by path (`lines[2].amount`, `security.isLocked`), in path order. Empty arrays and
    /// objects are leaves too, so that "became empty" shows as a change.
    public func flattened(prefix: String = "") -> [(path: String, value: String)] {
        switch self {
        case .object(let fields) where !fields.isEmpty:
            return fields.keys.sorted().flatMap { key in
                fields[key]!.flattened(prefix: prefix.isEmpty ? key : "\(prefix).\(key)")
            }
        case .array(let items) where !items.isEmpty:
            return items.enumerated().flatMap { index, item in item.flattened(prefix: "\(prefix)[\(index)]") }
        default:
            return [(prefix, leafText)]
        }
    }

    /// A leaf as text: strings without quotes, `null`, `[]`, `{}`.
    public var leafText: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .number(let text): text
        case .string(let text): text
        case .array: "[]"
        case .object: "{}"
        }
    }

    /// Compact JSON with sorted keys.
    public var json: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let text): return text
        case .string(let text): return JSONText.quoted(text)
        case .array(let items): return "[" + items.map(\.json).joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.keys.sorted().map { "\(JSONText.quoted($0)):\(fields[$0]!.json)" }.joined(separator: ",") + "}"
        }
    }

    var isContainer: Bool {
        switch self {
        case .array, .object: true
        default: false
        }
    }

    var isEmptyContainer: Bool {
        switch self {
        case .array(let items): items.isEmpty
        case .object(let fields): fields.isEmpty
        default: false
        }
    }

    public subscript(key: String) -> JSONTree? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }
}

/// Encodes as the JSON value it is. A number is written as an integer when its text is one (payloads keep
/// amounts and quantities in strings, so integers are the only numbers they hold), otherwise as a decimal.
extension JSONTree: Encodable {
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .array(let items):
            var container = encoder.unkeyedContainer()
            for item in items { try container.encode(item) }
        case .object(let fields):
            var container = encoder.container(keyedBy: FieldKey.self)
            for (key, value) in fields { try container.encode(value, forKey: FieldKey(stringValue: key)) }
        default:
            var container = encoder.singleValueContainer()
            switch self {
            case .null: try container.encodeNil()
            case .bool(let value): try container.encode(value)
            case .string(let text): try container.encode(text)
            case .number(let text):
                if let integer = Int64(text) {
                    try container.encode(integer)
                } else if let decimal = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) {
                    try container.encode(decimal)
                } else {
                    throw EncodingError.invalidValue(text, .init(codingPath: encoder.codingPath, debugDescription: "\(text) is not a JSON number"))
                }
            case .array, .object: break
            }
        }
    }

    private struct FieldKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// One field that changed between two states.
public struct FieldChange: Equatable, Sendable, CustomStringConvertible {
    public var path: String
    /// nil when the field did not exist before.
    public var before: String?
    /// nil when the field no longer exists.
    public var after: String?

    public init(path: String, before: String?, after: String?) {
        self.path = path
        self.before = before
        self.after = after
    }

    /// `path: before → after`, with `∅` for a field that did not (or no longer does) exist and `""` for an
    /// empty text.
    public var description: String {
        func shown(_ value: String?) -> String { value.map { $0.isEmpty ? "\"\"" : $0 } ?? "∅" }
        return "\(path): \(shown(before)) → \(shown(after))"
    }

    /// The leaves (see ``JSONTree/flattened(prefix:)``) that differ between `before` and `after`, in path order
    /// (array indices in numeric order: `lines[2]` before `lines[10]`). Both trees are walked together, so the
    /// parts that are the same cost one comparison each.
    public static func between(_ before: JSONTree, _ after: JSONTree) -> [FieldChange] {
        var changes: [FieldChange] = []
        collect(before, after, prefix: "", into: &changes)
        return changes
    }

    private static func collect(_ before: JSONTree, _ after: JSONTree, prefix: String, into changes: inout [FieldChange]) {
        switch (before, after) {
        case (.object(let old), .object(let new)) where !old.isEmpty && !new.isEmpty:
            for key in Set(old.keys).union(new.keys).sorted() {
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                switch (old[key], new[key]) {
                case (let x?, let y?): collect(x, y, prefix: path, into: &changes)
                case (let x?, nil): changes += x.flattened(prefix: path).map { FieldChange(path: $0.path, before: $0.value, after: nil) }
                case (nil, let y?): changes += y.flattened(prefix: path).map { FieldChange(path: $0.path, before: nil, after: $0.value) }
                case (nil, nil): break
                }
            }
        case (.array(let old), .array(let new)) where !old.isEmpty && !new.isEmpty:
            for index in 0..<max(old.count, new.count) {
                let path = "\(prefix)[\(index)]"
                if index >= new.count {
                    changes += old[index].flattened(prefix: path).map { FieldChange(path: $0.path, before: $0.value, after: nil) }
                } else if index >= old.count {
                    changes += new[index].flattened(prefix: path).map { FieldChange(path: $0.path, before: nil, after: $0.value) }
                } else {
                    collect(old[index], new[index], prefix: path, into: &changes)
                }
            }
        default:
            // Leaves, or a leaf against a container: compare the leaves of both, path by path.
            guard before != after else { return }
            var old = Dictionary(before.flattened(prefix: prefix).map { ($0.path, $0.value) }, uniquingKeysWith: { $1 })
            var new = Dictionary(after.flattened(prefix: prefix).map { ($0.path, $0.value) }, uniquingKeysWith: { $1 })
            // An empty list or object that gains its first items (or loses its last) changed by those items: its
            // own leaf (`lines: []`) is not a change of its own.
            if before.isEmptyContainer && after.isContainer && !after.isEmptyContainer { old[prefix] = nil }
            if after.isEmptyContainer && before.isContainer && !before.isEmptyContainer { new[prefix] = nil }
            changes += Set(old.keys).union(new.keys).sorted(by: pathPrecedes).compactMap { path in
                old[path] == new[path] ? nil : FieldChange(path: path, before: old[path], after: new[path])
            }
        }
    }

    /// Path order: text compared as is, except that runs of digits compare as numbers.
    static func pathPrecedes(_ left: String, _ right: String) -> Bool {
        var a = Substring(left).utf8[...]
        var b = Substring(right).utf8[...]
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        while let x = a.first, let y = b.first {
            if isDigit(x) && isDigit(y) {
                let digitsA = a.prefix(while: isDigit)
                let digitsB = b.prefix(while: isDigit)
                let trimmedA = digitsA.drop(while: { $0 == 0x30 })
                let trimmedB = digitsB.drop(while: { $0 == 0x30 })
                if trimmedA.count != trimmedB.count { return trimmedA.count < trimmedB.count }
                if !trimmedA.elementsEqual(trimmedB) { return trimmedA.lexicographicallyPrecedes(trimmedB) }
                a = a.dropFirst(digitsA.count)
                b = b.dropFirst(digitsB.count)
            } else {
                if x != y { return x < y }
                a = a.dropFirst()
                b = b.dropFirst()
            }
        }
        return a.isEmpty && !b.isEmpty
    }
}

enum JSONText {
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

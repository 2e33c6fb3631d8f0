import Foundation

/// A JSON value as a tree, for comparing states field by field. Numbers keep their text, so nothing is
/// rounded on the way (amounts are strings in this product anyway).
public indirect enum JSONTree: Equatable, Sendable, Decodable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONTree])
    case object([String: JSONTree])

    /// Parses JSON bytes.
    public init(json data: Data) throws {
        self = try JSONDecoder().decode(JSONTree.self, from: data)
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

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .number(String(value))
        } else if let value = try? container.decode(Double.self) {
            self = .number(String(value))
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONTree].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONTree].self))
        }
    }

    public subscript(key: String) -> JSONTree? {
        if case .object(let fields) = self { return fields[key] }
        return nil
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

    public var description: String {
        "\(path): \(before ?? "∅") → \(after ?? "∅")"
    }

    /// The fields that differ between `before` and `after`, in path order.
    public static func between(_ before: JSONTree, _ after: JSONTree) -> [FieldChange] {
        let old = Dictionary(before.flattened().map { ($0.path, $0.value) }, uniquingKeysWith: { $1 })
        let new = Dictionary(after.flattened().map { ($0.path, $0.value) }, uniquingKeysWith: { $1 })
        return Set(old.keys).union(new.keys).sorted().compactMap { path in
            old[path] == new[path] ? nil : FieldChange(path: path, before: old[path], after: new[path])
        }
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

import Foundation
import LMDB

/// The tables of one read model inside one transaction: typed reads and writes with JSON values.
///
/// Values are JSON with sorted keys, so equal values give equal bytes. Keys are built with
/// ``ReadModelKey`` so that they sort as their parts do.
///
/// Typed rows are kept decoded for the length of the transaction: a row that several events of one batch
/// change (an invoice created, submitted and approved in one batch; a user's logins) is decoded once when
/// first read and encoded once by ``flush()`` before the transaction commits, not at every event. Raw-byte
/// reads and writes, deletions and scans see the typed rows as written so far.
public struct ReadModelWriter: ~Copyable {
    let transaction: LMDBTransaction
    let tables: [String: LMDBDatabase]
    private let rows = TypedRows()

    init(transaction: LMDBTransaction, tables: [String: LMDBDatabase]) {
        self.transaction = transaction
        self.tables = tables
    }

    func table(_ name: String) -> LMDBDatabase {
        guard let table = tables[name] else { preconditionFailure("table '\(name)' is not declared by the projection") }
        return table
    }

    /// The value under `key`, decoded.
    public func get<Value: Decodable>(_ type: Value.Type, _ table: String, _ key: ReadModelKey) throws -> Value? {
        let row = TypedRows.Key(table: table, key: key.bytes)
        if let kept = rows.values[row] {
            if let value = kept.value as? Value { return value }
            // Read as another type than it was kept as: through its bytes.
            try flush(row)
        }
        guard let bytes = try transaction.get(self.table(table), key.bytes) else { return nil }
        let value = try ReadModelCoding.decoder.decode(type, from: Data(bytes))
        rows.set(row, TypedRows.Row(value: value, encode: nil))
        return value
    }

    /// Whether `key` is present.
    public func contains(_ table: String, _ key: ReadModelKey) throws -> Bool {
        if rows.values[TypedRows.Key(table: table, key: key.bytes)] != nil { return true }
        return try transaction.get(self.table(table), key.bytes) != nil
    }

    /// Stores `value` under `key` (encoded when the transaction is about to commit).
    public func put<Value: Encodable>(_ value: Value, _ table: String, _ key: ReadModelKey) throws {
        rows.set(TypedRows.Key(table: table, key: key.bytes), TypedRows.Row(value: value) { try ReadModelCoding.encoder.encode(value) })
    }

    /// Stores raw bytes under `key` (rendered documents, counters).
    public func putBytes(_ bytes: [UInt8], _ table: String, _ key: ReadModelKey) throws {
        rows.remove(TypedRows.Key(table: table, key: key.bytes))
        try transaction.put(self.table(table), key.bytes, bytes)
    }

    public func getBytes(_ table: String, _ key: ReadModelKey) throws -> [UInt8]? {
        try flush(TypedRows.Key(table: table, key: key.bytes))
        return try transaction.get(self.table(table), key.bytes).map { Array($0) }
    }

    /// Removes `key` (an index entry that moved); false when it was not there.
    @discardableResult
    public func delete(_ table: String, _ key: ReadModelKey) throws -> Bool {
        let kept = rows.remove(TypedRows.Key(table: table, key: key.bytes))
        let stored = try transaction.delete(self.table(table), key.bytes)
        return stored || kept != nil
    }

    /// Keys and values under `prefix`, in key order.
    public func entries(_ table: String, prefix: ReadModelKey, limit: Int = .max) throws -> [(key: [UInt8], value: [UInt8])] {
        try flush(table: table)
        return try ReadModelScan.entries(transaction, self.table(table), prefix: prefix.bytes, limit: limit)
    }

    /// Writes every typed row changed since it was read, encoded, in key order; called before the
    /// transaction commits.
    func flush() throws {
        for table in rows.pending.keys.sorted() { try flush(table: table) }
    }

    private func flush(table: String) throws {
        guard let keys = rows.pending[table] else { return }
        for key in keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) { try flush(TypedRows.Key(table: table, key: key)) }
    }

    private func flush(_ row: TypedRows.Key) throws {
        guard let encode = rows.values[row]?.encode else { return }
        try transaction.put(table(row.table), row.key, Array(try encode()))
        rows.written(row)
    }
}

/// The typed rows a ``ReadModelWriter`` has read or written in its transaction, by table and key, and which
/// of them are not yet written to the transaction.
private final class TypedRows {
    struct Key: Hashable {
        var table: String
        var key: [UInt8]
    }

    struct Row {
        var value: Any
        /// The row's JSON, set while the value is not yet written to the transaction.
        var encode: (() throws -> Data)?
    }

    private(set) var values: [Key: Row] = [:]
    /// Keys of rows not yet written, by table.
    private(set) var pending: [String: Set<[UInt8]>] = [:]

    func set(_ key: Key, _ row: Row) {
        values[key] = row
        if row.encode != nil { pending[key.table, default: []].insert(key.key) } else { unpend(key) }
    }

    @discardableResult
    func remove(_ key: Key) -> Row? {
        unpend(key)
        return values.removeValue(forKey: key)
    }

    func written(_ key: Key) {
        values[key]?.encode = nil
        unpend(key)
    }

    private func unpend(_ key: Key) {
        guard pending[key.table]?.remove(key.key) != nil, pending[key.table]?.isEmpty == true else { return }
        pending[key.table] = nil
    }
}

/// Reads of one read model inside a short read transaction.
public struct ReadModelReader: ~Copyable {
    let transaction: LMDBTransaction
    let tables: [String: LMDBDatabase]

    func table(_ name: String) -> LMDBDatabase {
        guard let table = tables[name] else { preconditionFailure("table '\(name)' is not declared by the projection") }
        return table
    }

    public func get<Value: Decodable>(_ type: Value.Type, _ table: String, _ key: ReadModelKey) throws -> Value? {
        try transaction.get(self.table(table), key.bytes).map { try ReadModelCoding.decoder.decode(type, from: Data($0)) }
    }

    public func getBytes(_ table: String, _ key: ReadModelKey) throws -> [UInt8]? {
        try transaction.get(self.table(table), key.bytes).map { Array($0) }
    }

    /// Decoded values under `prefix`, in key order, starting after `after` (for paging).
    public func values<Value: Decodable>(_ type: Value.Type, _ table: String, prefix: ReadModelKey,
                                         after: [UInt8]? = nil, limit: Int = .max) throws -> [Value] {
        try ReadModelScan.entries(transaction, self.table(table), prefix: prefix.bytes, after: after, limit: limit)
            .map { try ReadModelCoding.decoder.decode(type, from: Data($0.value)) }
    }

    public func entries(_ table: String, prefix: ReadModelKey, after: [UInt8]? = nil, limit: Int = .max) throws -> [(key: [UInt8], value: [UInt8])] {
        try ReadModelScan.entries(transaction, self.table(table), prefix: prefix.bytes, after: after, limit: limit)
    }

    public func count(_ table: String) throws -> Int {
        try transaction.count(self.table(table))
    }

    /// Whether `key` is present.
    public func contains(_ table: String, _ key: ReadModelKey) throws -> Bool {
        try transaction.get(self.table(table), key.bytes) != nil
    }

    /// Keys and values from `start` (included) up to `end` (excluded), in key order: a range of an index
    /// keyed by time or number.
    public func entries(_ table: String, from start: ReadModelKey, before end: ReadModelKey, limit: Int = .max) throws -> [(key: [UInt8], value: [UInt8])] {
        try transaction.withCursor(self.table(table)) { cursor in
            var out: [(key: [UInt8], value: [UInt8])] = []
            var entry = start.bytes.isEmpty ? try cursor.first() : try cursor.seek(atOrAfter: start.bytes)
            while let current = entry, out.count < limit, current.key.lexicographicallyPrecedes(end.bytes) {
                out.append((Array(current.key), Array(current.value)))
                entry = try cursor.next()
            }
            return out
        }
    }
}

enum ReadModelScan {
    static func entries(_ transaction: borrowing LMDBTransaction, _ table: LMDBDatabase, prefix: [UInt8],
                        after: [UInt8]? = nil, limit: Int) throws -> [(key: [UInt8], value: [UInt8])] {
        try transaction.withCursor(table) { cursor in
            var out: [(key: [UInt8], value: [UInt8])] = []
            let start = after.map { $0 + [0] } ?? prefix
            // LMDB refuses an empty key: an empty prefix starts at the first entry.
            var entry = start.isEmpty ? try cursor.first() : try cursor.seek(atOrAfter: start)
            while let current = entry, out.count < limit, current.key.starts(with: prefix) {
                out.append((Array(current.key), Array(current.value)))
                entry = try cursor.next()
            }
            return out
        }
    }
}

/// A key made of parts that sorts as the parts do: text parts are UTF-8 followed by a 0x00 separator,
/// numbers are big-endian, so `["org-1", 42]` sorts before `["org-1", 300]`.
public struct ReadModelKey: Sendable, Hashable, ExpressibleByStringLiteral {
    public private(set) var bytes: [UInt8]

    public init(_ parts: ReadModelKeyPart...) {
        bytes = []
        for part in parts { append(part) }
    }

    public init(stringLiteral value: String) {
        self.init(.text(value))
    }

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public mutating func append(_ part: ReadModelKeyPart) {
        switch part {
        case .text(let text):
            bytes += Array(text.utf8) + [0]
        case .number(let number):
            bytes += [UInt8].bigEndian(number)
        }
    }

    public func appending(_ part: ReadModelKeyPart) -> ReadModelKey {
        var copy = self
        copy.append(part)
        return copy
    }
}

/// Reads a stored key back part by part, in the order it was built.
public struct ReadModelKeyReader {
    private var rest: ArraySlice<UInt8>

    public init(_ bytes: [UInt8]) {
        rest = bytes[...]
    }

    /// The next text part, or nil when the key has no more.
    public mutating func text() -> String? {
        guard let end = rest.firstIndex(of: 0) else { return nil }
        let text = String(decoding: rest[rest.startIndex..<end], as: UTF8.self)
        rest = rest[(end + 1)...]
        return text
    }

    /// The next number part, or nil when fewer than 8 bytes are left.
    public mutating func number() -> UInt64? {
        guard rest.count >= 8 else { return nil }
        let value = rest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        rest = rest.dropFirst(8)
        return value
    }
}

public enum ReadModelKeyPart: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case text(String)
    case number(UInt64)

    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: UInt64) { self = .number(value) }
}

/// JSON for read-model values: sorted keys, so equal values are equal bytes.
enum ReadModelCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
    static let decoder = JSONDecoder()
}

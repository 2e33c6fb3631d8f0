import CLMDB

/// A transaction lent for the length of one `read` or `write` call: neither it nor the values it returns
/// (which point into the memory map) may be kept after the call returns.
public struct LMDBTransaction {
    let pointer: OpaquePointer

    /// The value stored under `key`, or nil.
    public func get(_ db: LMDBDatabase, _ key: UnsafeRawBufferPointer) throws -> UnsafeRawBufferPointer? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let code = mdb_get(pointer, db.handle, &k, &v)
        if code == MDB_NOTFOUND { return nil }
        try lmdbCheck(code, "mdb_get")
        return UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
    }

    public func get(_ db: LMDBDatabase, _ key: [UInt8]) throws -> UnsafeRawBufferPointer? {
        try key.withUnsafeBytes { try get(db, $0) }
    }

    /// Stores `value` under `key`. `append` asserts the key sorts after every stored key (`MDB_APPEND`).
    public func put(_ db: LMDBDatabase, _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, append: Bool = false) throws {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try lmdbCheck(mdb_put(pointer, db.handle, &k, &v, append ? UInt32(MDB_APPEND) : 0), "mdb_put \(db.name)")
    }

    public func put(_ db: LMDBDatabase, _ key: [UInt8], _ value: [UInt8], append: Bool = false) throws {
        try key.withUnsafeBytes { k in
            try value.withUnsafeBytes { v in try put(db, k, v, append: append) }
        }
    }

    /// Removes `key` (and its value); false when there was no such key. Read models only: the event log
    /// never deletes.
    @discardableResult
    public func delete(_ db: LMDBDatabase, _ key: [UInt8]) throws -> Bool {
        try key.withUnsafeBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            let code = mdb_del(pointer, db.handle, &k, nil)
            if code == MDB_NOTFOUND { return false }
            try lmdbCheck(code, "mdb_del \(db.name)")
            return true
        }
    }

    /// Empties a database (read models being rebuilt).
    public func empty(_ db: LMDBDatabase) throws {
        try lmdbCheck(mdb_drop(pointer, db.handle, 0), "mdb_drop \(db.name)")
    }

    /// Number of entries in a database.
    public func count(_ db: LMDBDatabase) throws -> Int {
        var stat = MDB_stat()
        try lmdbCheck(mdb_stat(pointer, db.handle, &stat), "mdb_stat")
        return stat.ms_entries
    }

    /// Opens a cursor on `dbi` for the length of `body`.
    public func withCursor<T>(_ db: LMDBDatabase, _ body: (inout LMDBCursor) throws -> T) throws -> T {
        var cursor: OpaquePointer?
        try lmdbCheck(mdb_cursor_open(pointer, db.handle, &cursor), "mdb_cursor_open")
        defer { mdb_cursor_close(cursor) }
        var wrapped = LMDBCursor(pointer: cursor!)
        return try body(&wrapped)
    }
}

/// A cursor positioned on one entry of a database.
public struct LMDBCursor {
    let pointer: OpaquePointer
    public typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)

    private func move(_ op: MDB_cursor_op, key: UnsafeRawBufferPointer? = nil) throws -> Entry? {
        var k = MDB_val()
        if let key { k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress)) }
        var v = MDB_val()
        let code = mdb_cursor_get(pointer, &k, &v, op)
        if code == MDB_NOTFOUND { return nil }
        try lmdbCheck(code, "mdb_cursor_get")
        return (UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    /// The first entry whose key is greater than or equal to `key`.
    public func seek(atOrAfter key: [UInt8]) throws -> Entry? {
        try key.withUnsafeBytes { try move(MDB_SET_RANGE, key: $0) }
    }

    public func first() throws -> Entry? { try move(MDB_FIRST) }
    public func last() throws -> Entry? { try move(MDB_LAST) }
    public func next() throws -> Entry? { try move(MDB_NEXT) }
    public func previous() throws -> Entry? { try move(MDB_PREV) }
}

// MARK: - Keys

extension Array where Element == UInt8 {
    /// 8 bytes, big-endian: the key form of positions and versions, so that keys sort numerically.
    public static func bigEndian(_ value: UInt64) -> [UInt8] {
        Swift.withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}

extension UnsafeRawBufferPointer {
    /// Reads a big-endian UInt64 at `offset`.
    public func loadBigEndianUInt64(at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in offset..<(offset + 8) { value = value << 8 | UInt64(self[index]) }
        return value
    }
}

import CLMDB

/// A transaction borrowed for the length of one `read` or `write` call. Values it returns point into the
/// memory map and are valid only until the call returns.
struct LMDBTransaction: ~Copyable {
    let pointer: OpaquePointer
    let databases: LogDatabases

    /// The value stored under `key`, or nil.
    func get(_ dbi: MDB_dbi, _ key: UnsafeRawBufferPointer) throws -> UnsafeRawBufferPointer? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let code = mdb_get(pointer, dbi, &k, &v)
        if code == MDB_NOTFOUND { return nil }
        try lmdbCheck(code, "mdb_get")
        return UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
    }

    func get(_ dbi: MDB_dbi, _ key: [UInt8]) throws -> UnsafeRawBufferPointer? {
        try key.withUnsafeBytes { try get(dbi, $0) }
    }

    /// Stores `value` under `key`. `append` asserts the key sorts after every stored key (`MDB_APPEND`).
    func put(_ dbi: MDB_dbi, _ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, append: Bool = false) throws {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try lmdbCheck(mdb_put(pointer, dbi, &k, &v, append ? UInt32(MDB_APPEND) : 0), "mdb_put")
    }

    func put(_ dbi: MDB_dbi, _ key: [UInt8], _ value: [UInt8], append: Bool = false) throws {
        try key.withUnsafeBytes { k in
            try value.withUnsafeBytes { v in try put(dbi, k, v, append: append) }
        }
    }

    /// Number of entries in a database.
    func count(_ dbi: MDB_dbi) throws -> Int {
        var stat = MDB_stat()
        try lmdbCheck(mdb_stat(pointer, dbi, &stat), "mdb_stat")
        return stat.ms_entries
    }

    /// Opens a cursor on `dbi` for the length of `body`.
    func withCursor<T>(_ dbi: MDB_dbi, _ body: (inout LMDBCursor) throws -> T) throws -> T {
        var cursor: OpaquePointer?
        try lmdbCheck(mdb_cursor_open(pointer, dbi, &cursor), "mdb_cursor_open")
        defer { mdb_cursor_close(cursor) }
        var wrapped = LMDBCursor(pointer: cursor!)
        return try body(&wrapped)
    }
}

/// A cursor positioned on one entry of a database.
struct LMDBCursor {
    let pointer: OpaquePointer
    typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)

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
    func seek(atOrAfter key: [UInt8]) throws -> Entry? {
        try key.withUnsafeBytes { try move(MDB_SET_RANGE, key: $0) }
    }

    func first() throws -> Entry? { try move(MDB_FIRST) }
    func last() throws -> Entry? { try move(MDB_LAST) }
    func next() throws -> Entry? { try move(MDB_NEXT) }
    func previous() throws -> Entry? { try move(MDB_PREV) }
}

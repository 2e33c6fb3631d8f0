import Chronology
import Foundation
import LMDB

extension EventLog {
    /// The stream's current version: the number of its events, 0 when it has none.
    public func streamVersion(_ streamID: String) throws -> UInt64 {
        try environment.read { txn in
            try txn.get(db.streamHeads, Array(streamID.utf8)).map { $0.loadBigEndianUInt64(at: 0) } ?? 0
        }
    }

    /// Events of one stream in version order, from `version` (1 is the first event).
    public func readStream(_ streamID: String, from version: UInt64 = 1, limit: Int = .max) throws -> [RecordedEvent] {
        let prefix = Array(streamID.utf8) + [0]
        return try environment.read { txn in
            try txn.withCursor(db.streams) { cursor in
                var events: [RecordedEvent] = []
                var entry = try cursor.seek(atOrAfter: prefix + .bigEndian(max(version, 1)))
                while let current = entry, events.count < limit, current.key.starts(with: prefix),
                      current.key.count == prefix.count + 8 {
                    events.append(try Self.event(at: current.value, txn, db))
                    entry = try cursor.next()
                }
                return events
            }
        }
    }

    /// Events of one stream from its end backwards, starting at `version` (nil: the last event).
    public func readStreamBackward(_ streamID: String, from version: UInt64? = nil, limit: Int = .max) throws -> [RecordedEvent] {
        let prefix = Array(streamID.utf8) + [0]
        return try environment.read { txn in
            try txn.withCursor(db.streams) { cursor in
                var events: [RecordedEvent] = []
                // Seek to the first key after the wanted version, then step back onto it.
                let start = version.map { $0 == .max ? UInt64.max : $0 + 1 } ?? .max
                var entry = try cursor.seek(atOrAfter: prefix + .bigEndian(start))
                entry = entry == nil ? try cursor.last() : try cursor.previous()
                while let current = entry, events.count < limit, current.key.starts(with: prefix),
                      current.key.count == prefix.count + 8 {
                    events.append(try Self.event(at: current.value, txn, db))
                    entry = try cursor.previous()
                }
                return events
            }
        }
    }

    /// Every event in position order, from `position`.
    public func readAll(from position: UInt64 = 1, limit: Int = 1000) throws -> [RecordedEvent] {
        try environment.read { txn in
            try txn.withCursor(db.events) { cursor in
                var events: [RecordedEvent] = []
                events.reserveCapacity(min(limit, 4096))
                var entry = try cursor.seek(atOrAfter: .bigEndian(max(position, 1)))
                while let current = entry, events.count < limit {
                    events.append(try RecordCodec.decode(current.value))
                    entry = try cursor.next()
                }
                return events
            }
        }
    }

    /// Visits events in position order from `position` inside one short read transaction, without
    /// collecting them; `body` returns false to stop. Returns the position after the last one visited.
    ///
    /// For bulk readers (projection rebuilds, verification, exports) that process millions of events.
    @discardableResult
    public func scan(from position: UInt64 = 1, limit: Int, _ body: (RecordedEvent) throws -> Bool) throws -> UInt64 {
        try environment.read { txn in
            try txn.withCursor(db.events) { cursor in
                var next = max(position, 1)
                var count = 0
                var entry = try cursor.seek(atOrAfter: .bigEndian(next))
                while let current = entry, count < limit {
                    let event = try RecordCodec.decode(current.value)
                    next = event.position + 1
                    count += 1
                    guard try body(event) else { break }
                    entry = try cursor.next()
                }
                return next
            }
        }
    }

    /// Events of every stream in `category` (the stream-id prefix before the first `-`, e.g. `invoice`),
    /// in position order from `position`, read through the category index.
    public func readCategory(_ category: String, from position: UInt64 = 1, limit: Int = 1000) throws -> [RecordedEvent] {
        try readCategoryBatch(category, from: position, limit: limit).events
    }

    /// A category read that also says how far the index was searched (the head at the time, when the
    /// batch is not full), so a follower can skip the positions it has already ruled out.
    func readCategoryBatch(_ category: String, from position: UInt64, limit: Int) throws -> (events: [RecordedEvent], searchedThrough: UInt64) {
        let prefix = Array(category.utf8) + [0]
        return try environment.read { txn in
            let head = try Self.readHead(txn, db).position
            return try txn.withCursor(db.categories) { cursor in
                var events: [RecordedEvent] = []
                var entry = try cursor.seek(atOrAfter: prefix + .bigEndian(max(position, 1)))
                while let current = entry, events.count < limit, current.key.starts(with: prefix),
                      current.key.count == prefix.count + 8 {
                    let positionKey = UnsafeRawBufferPointer(rebasing: current.key[prefix.count...])
                    events.append(try Self.event(at: positionKey, txn, db))
                    entry = try cursor.next()
                }
                let searched = events.count == limit ? events.last!.position : max(head, events.last?.position ?? 0)
                return (events, searched)
            }
        }
    }

    /// The event at a global position.
    public func event(at position: UInt64) throws -> RecordedEvent? {
        try environment.read { txn in
            try txn.get(db.events, .bigEndian(position)).map { try RecordCodec.decode($0) }
        }
    }

    /// The event with this id.
    public func event(withID id: UUID) throws -> RecordedEvent? {
        try environment.read { txn in
            guard let position = try txn.get(db.eventIDs, id.bytes) else { return nil }
            return try Self.event(at: position, txn, db)
        }
    }

    /// The last event's position, hash and time.
    public func head() throws -> LogHead {
        try environment.read { txn in try Self.readHead(txn, db) }
    }

    /// Stream ids in byte order, optionally only those of one category, after `after` (for paging).
    public func streamIDs(category: String? = nil, after: String? = nil, limit: Int = 1000) throws -> [String] {
        try streamIDs(withPrefix: category.map { $0 + "-" } ?? "", after: after, limit: limit)
    }

    /// Stream ids that start with `prefix` (e.g. `actuals-svc-1-`), in byte order, after `after`.
    public func streamIDs(withPrefix prefixText: String, after: String? = nil, limit: Int = 1000) throws -> [String] {
        let prefix = Array(prefixText.utf8)
        return try environment.read { txn in
            try txn.withCursor(db.streamHeads) { cursor in
                var ids: [String] = []
                var entry = try cursor.seek(atOrAfter: after.map { Array($0.utf8) + [0] } ?? prefix)
                while let current = entry, ids.count < limit, current.key.starts(with: prefix) {
                    ids.append(String(decoding: current.key, as: UTF8.self))
                    entry = try cursor.next()
                }
                return ids
            }
        }
    }

    static func readHead(_ txn: borrowing LMDBTransaction, _ db: LogDatabases) throws -> LogHead {
        try txn.withCursor(db.events) { cursor in
            guard let last = try cursor.last() else { return LogHead(position: 0, hash: .genesis, recordedAt: nil) }
            let micros = Int64(bitPattern: last.value.loadBigEndianUInt64(at: 33))
            return LogHead(position: last.key.loadBigEndianUInt64(at: 0), hash: RecordCodec.hash(of: last.value),
                           recordedAt: Timestamp(microsecondsSince1970: micros))
        }
    }

    /// Decodes the event whose big-endian position key is `positionKey`.
    static func event(at positionKey: UnsafeRawBufferPointer, _ txn: borrowing LMDBTransaction, _ db: LogDatabases) throws -> RecordedEvent {
        guard let record = try txn.get(db.events, positionKey) else {
            throw EventLogError.corrupt("an index names position \(positionKey.loadBigEndianUInt64(at: 0)), which holds no event")
        }
        return try RecordCodec.decode(record)
    }
}

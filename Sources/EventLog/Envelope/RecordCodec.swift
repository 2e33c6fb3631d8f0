import Chronology
import Crypto
import LMDB
import Foundation

/// The stored form of one event: a fixed binary layout, so its hash is reproducible by any tool.
///
/// All integers are big-endian.
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 1 | format (1) |
/// | 1 | 8 | global position |
/// | 9 | 16 | event id |
/// | 25 | 8 | stream version |
/// | 33 | 8 | recorded-at, microseconds since 1970-01-01T00:00:00Z (signed) |
/// | 41 | 2 | schema version |
/// | 43 | 1 | flags: bit 0 correlation id present, bit 1 causation id present |
/// | 44 | 16 | correlation id (zeros when absent) |
/// | 60 | 16 | causation id (zeros when absent) |
/// | 76 | 2+n | stream id, UTF-8 |
/// | … | 2+n | event type, UTF-8 |
/// | … | 2+n | actor, who, UTF-8 |
/// | … | 2+n | actor, acting as, UTF-8 |
/// | … | 4+n | payload |
/// | end−32 | 32 | SHA-256(previous event's hash ‖ every byte above) |
enum RecordCodec {
    static let format: UInt8 = 1
    static let fixedHeaderSize = 76
    static let maximumPayloadSize = 16 * 1024 * 1024
    static let maximumTextSize = Int(UInt16.max)

    /// Encodes an event and returns the record bytes (hash included) and the hash.
    static func encode(
        _ event: ProposedEvent, streamID: String, streamVersion: UInt64, position: UInt64,
        recordedAtMicros: Int64, previous: ChainHash
    ) -> (record: [UInt8], hash: ChainHash) {
        var out: [UInt8] = []
        out.reserveCapacity(fixedHeaderSize + 8 + streamID.utf8.count + event.type.utf8.count
            + event.actor.who.utf8.count + event.actor.actingAs.utf8.count + 4 + event.payload.count + 32)
        out.append(format)
        out.appendBigEndian(position)
        out.append(uuid: event.id)
        out.appendBigEndian(streamVersion)
        out.appendBigEndian(UInt64(bitPattern: recordedAtMicros))
        out.appendBigEndian(UInt16(clamping: event.schemaVersion))
        var flags: UInt8 = 0
        if event.correlationID != nil { flags |= 1 }
        if event.causationID != nil { flags |= 2 }
        out.append(flags)
        out.append(uuid: event.correlationID ?? zeroUUID)
        out.append(uuid: event.causationID ?? zeroUUID)
        out.appendText(streamID)
        out.appendText(event.type)
        out.appendText(event.actor.who)
        out.appendText(event.actor.actingAs)
        out.appendBigEndian(UInt32(event.payload.count))
        out.append(contentsOf: event.payload)
        let hash = out.withUnsafeBytes { chainHash(previous: previous, body: $0) }
        out.append(contentsOf: hash.bytes)
        return (out, hash)
    }

    /// SHA-256 of the previous hash followed by the record body.
    static func chainHash(previous: ChainHash, body: UnsafeRawBufferPointer) -> ChainHash {
        var hasher = SHA256()
        previous.bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: body)
        return ChainHash(bytes: Array(hasher.finalize()))!
    }

    /// Splits a stored record into its body and its stored hash.
    static func split(_ record: UnsafeRawBufferPointer) throws -> (body: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer) {
        guard record.count >= fixedHeaderSize + 12 + ChainHash.byteCount else {
            throw EventLogError.corrupt("a stored record is \(record.count) bytes, too short to be an event")
        }
        let cut = record.count - ChainHash.byteCount
        return (UnsafeRawBufferPointer(rebasing: record[..<cut]), UnsafeRawBufferPointer(rebasing: record[cut...]))
    }

    /// Why `record` does not have the layout above (format byte, lengths that end exactly at the hash), or nil;
    /// reads the length fields only, allocating nothing.
    static func layoutProblem(_ record: UnsafeRawBufferPointer) -> String? {
        guard record.count >= fixedHeaderSize + 12 + ChainHash.byteCount else { return "the record is \(record.count) bytes, too short to be an event" }
        guard record[0] == format else { return "the record has an unknown format byte \(record[0])" }
        var offset = fixedHeaderSize
        let end = record.count - ChainHash.byteCount
        for field in ["stream id", "event type", "actor", "acting as"] {
            guard offset + 2 <= end else { return "the record ends inside its \(field)" }
            offset += 2 + (Int(record[offset]) << 8 | Int(record[offset + 1]))
        }
        guard offset + 4 <= end else { return "the record ends inside its payload length" }
        let payload = Int(record[offset]) << 24 | Int(record[offset + 1]) << 16 | Int(record[offset + 2]) << 8 | Int(record[offset + 3])
        offset += 4 + payload
        guard offset == end else {
            return offset > end ? "the record ends inside its payload" : "the record has \(end - offset) unexpected bytes before its hash"
        }
        return nil
    }

    /// Reads only the position field of a record.
    static func position(of record: UnsafeRawBufferPointer) -> UInt64 {
        record.loadBigEndianUInt64(at: 1)
    }

    /// Reads only the stored hash of a record.
    static func hash(of record: UnsafeRawBufferPointer) -> ChainHash {
        ChainHash(bytes: UnsafeRawBufferPointer(rebasing: record[(record.count - ChainHash.byteCount)...]))!
    }

    /// Decodes a whole record.
    static func decode(_ record: UnsafeRawBufferPointer) throws -> RecordedEvent {
        var reader = RecordReader(bytes: record)
        guard try reader.byte() == format else {
            throw EventLogError.corrupt("a stored record has an unknown format byte")
        }
        let position = try reader.uint64()
        let id = try reader.uuid()
        let version = try reader.uint64()
        let micros = Int64(bitPattern: try reader.uint64())
        let schemaVersion = Int(try reader.uint16())
        let flags = try reader.byte()
        let correlation = try reader.uuid()
        let causation = try reader.uuid()
        let streamID = try reader.text()
        let type = try reader.text()
        let who = try reader.text()
        let actingAs = try reader.text()
        let payloadCount = Int(try reader.uint32())
        let payload = try reader.data(count: payloadCount)
        let hashBytes = try reader.bytes(count: ChainHash.byteCount)
        guard reader.isAtEnd else {
            throw EventLogError.corrupt("the record at position \(position) has \(reader.remaining) unexpected trailing bytes")
        }
        return RecordedEvent(
            id: id, streamID: streamID, streamVersion: version, position: position, type: type,
            schemaVersion: schemaVersion, recordedAt: Timestamp(microsecondsSince1970: micros),
            actor: EventActor(who: who, actingAs: actingAs),
            correlationID: flags & 1 != 0 ? correlation : nil,
            causationID: flags & 2 != 0 ? causation : nil,
            payload: payload, hash: ChainHash(bytes: hashBytes)!
        )
    }

    /// Whether a stored record holds the same event as `event` in `streamID`; names the first field that differs.
    static func difference(stored: RecordedEvent, proposed event: ProposedEvent, streamID: String) -> String? {
        if stored.streamID != streamID { return "stream (stored in '\(stored.streamID)')" }
        if stored.type != event.type { return "type (stored as '\(stored.type)')" }
        if stored.schemaVersion != event.schemaVersion { return "schema version" }
        if stored.payload != event.payload { return "payload" }
        return nil
    }

    static let zeroUUID = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
}

/// Sequential reader over a stored record; throws `corrupt` instead of reading past the end.
struct RecordReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    var isAtEnd: Bool { offset == bytes.count }
    var remaining: Int { bytes.count - offset }

    private mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
        guard count >= 0, offset + count <= bytes.count else {
            throw EventLogError.corrupt("a stored record ends early (needs \(count) bytes at offset \(offset) of \(bytes.count))")
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    mutating func byte() throws -> UInt8 { try take(1)[0] }
    mutating func uint16() throws -> UInt16 { let b = try take(2); return UInt16(b[0]) << 8 | UInt16(b[1]) }
    mutating func uint32() throws -> UInt32 {
        let b = try take(4)
        return b.reduce(0) { $0 << 8 | UInt32($1) }
    }
    mutating func uint64() throws -> UInt64 { try take(8).loadBigEndianUInt64(at: 0) }
    mutating func uuid() throws -> UUID { UUID(bytes: try take(16)) }
    mutating func bytes(count: Int) throws -> [UInt8] { Array(try take(count)) }
    mutating func data(count: Int) throws -> Data { Data(try take(count)) }
    mutating func text() throws -> String {
        let count = Int(try uint16())
        return String(decoding: try take(count), as: UTF8.self)
    }
}

// MARK: - Byte helpers

extension Array where Element == UInt8 {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    mutating func append(uuid: UUID) {
        Swift.withUnsafeBytes(of: uuid.uuid) { append(contentsOf: $0) }
    }

    mutating func appendText(_ text: String) {
        let utf8 = text.utf8
        appendBigEndian(UInt16(clamping: utf8.count))
        append(contentsOf: utf8.prefix(Int(UInt16.max)))
    }
}

extension UUID {
    init(bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == 16)
        self.init(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                         bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    var bytes: [UInt8] { withUnsafeBytes(of: uuid) { Array($0) } }
}

import Chronology
import EventLog
import Foundation
import PortalDomain

/// An event kept in a read model as the log stored it: its payload's JSON bytes untouched (already sorted-key
/// JSON, so nothing is encoded again when the event is applied) behind a small binary record of its step.
/// Rows that are one event each (an actual's edit, a remittance) are stored this way; the payload is decoded
/// when it is read.
public struct StoredEvent<Payload: EventPayload>: Sendable {
    public var payload: Payload
    public var step: StepRecord
}

/// The bytes of a stored event: position (8 bytes, big-endian), recorded-at microseconds (8), schema version
/// (2), then event type, who and acting-as (each a 2-byte length and UTF-8), then the payload.
enum StoredEventCoding {
    static func encode(_ event: ProjectedEvent) -> [UInt8] {
        let envelope = event.envelope
        let type = Array(envelope.type.utf8), who = Array(envelope.actor.who.utf8), actingAs = Array(envelope.actor.actingAs.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24 + type.count + who.count + actingAs.count + envelope.payload.count)
        append(envelope.position, 8, to: &bytes)
        append(UInt64(bitPattern: envelope.recordedAt.microsecondsSince1970), 8, to: &bytes)
        append(UInt64(envelope.schemaVersion), 2, to: &bytes)
        for text in [type, who, actingAs] {
            append(UInt64(text.count), 2, to: &bytes)
            bytes += text
        }
        bytes += envelope.payload
        return bytes
    }

    static func decode<Payload: EventPayload>(_ type: Payload.Type, _ bytes: some RandomAccessCollection<UInt8>) throws -> StoredEvent<Payload> {
        let (decoded, step) = try decodeAny(bytes)
        guard let payload = decoded as? Payload else {
            throw ReadModelInconsistency("a stored \(step.event) is not a \(Payload.eventType)")
        }
        return StoredEvent(payload: payload, step: step)
    }

    /// The stored event's payload, of whichever registered type it is, and its step.
    static func decodeAny(_ stored: some RandomAccessCollection<UInt8>) throws -> (any EventPayload, StepRecord) {
        let bytes = Array(stored)
        var offset = 0
        func number(_ width: Int) throws -> UInt64 {
            guard offset + width <= bytes.count else { throw ReadModelInconsistency("a stored event is cut short") }
            defer { offset += width }
            return bytes[offset..<(offset + width)].reduce(0) { $0 << 8 | UInt64($1) }
        }
        func text() throws -> String {
            let count = Int(try number(2))
            guard offset + count <= bytes.count else { throw ReadModelInconsistency("a stored event is cut short") }
            defer { offset += count }
            return String(decoding: bytes[offset..<(offset + count)], as: UTF8.self)
        }
        let position = try number(8)
        let at = Timestamp(microsecondsSince1970: Int64(bitPattern: try number(8)))
        let schemaVersion = Int(try number(2))
        let eventType = try text(), who = try text(), actingAs = try text()
        let decoded = try EventRegistry.decodePayload(type: eventType, schemaVersion: schemaVersion, payload: Data(bytes[offset...]))
        return (decoded, StepRecord(event: eventType, position: position, at: at, who: who, actingAs: actingAs))
    }

    private static func append(_ value: UInt64, _ width: Int, to bytes: inout [UInt8]) {
        for shift in stride(from: (width - 1) * 8, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}

extension ReadModelWriter {
    /// Stores `event` as the log stored it, under `key`.
    func putEvent(_ event: ProjectedEvent, _ table: String, _ key: ReadModelKey) throws {
        try putBytes(StoredEventCoding.encode(event), table, key)
    }
}

extension ReadModelReader {
    /// The event stored under `key`, decoded.
    func event<Payload: EventPayload>(_ type: Payload.Type, _ table: String, _ key: ReadModelKey) throws -> StoredEvent<Payload>? {
        try getBytes(table, key).map { try StoredEventCoding.decode(type, $0) }
    }

    /// The events stored under `prefix`, in key order, decoded.
    func events<Payload: EventPayload>(_ type: Payload.Type, _ table: String, prefix: ReadModelKey) throws -> [StoredEvent<Payload>] {
        try entries(table, prefix: prefix).map { try StoredEventCoding.decode(type, $0.value) }
    }
}

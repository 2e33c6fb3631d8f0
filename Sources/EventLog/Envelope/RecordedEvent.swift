import Chronology
import Foundation

/// An event as stored: its envelope, its payload and its link in the hash chain.
public struct RecordedEvent: Sendable, Equatable {
    public var id: UUID
    public var streamID: String
    /// 1 for the first event of a stream; consecutive within the stream.
    public var streamVersion: UInt64
    /// Global position in the log: starts at 1, gapless, strictly increasing, assigned at commit.
    public var position: UInt64
    public var type: String
    public var schemaVersion: Int
    /// When the event was committed (UTC). Never decreases as positions increase.
    public var recordedAt: Timestamp
    public var actor: EventActor
    public var correlationID: UUID?
    public var causationID: UUID?
    /// JSON bytes, as appended.
    public var payload: Data
    /// SHA-256 over the previous event's hash and this event's envelope and payload.
    public var hash: ChainHash

    /// The category of the stream: the stream id up to its first `-` (`invoice` for `invoice-42`).
    public var category: String { StreamID.category(of: streamID) }
}

/// A SHA-256 link of the hash chain.
public struct ChainHash: Sendable, Hashable, CustomStringConvertible {
    public static let byteCount = 32
    public let bytes: [UInt8]

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = Array(bytes)
    }

    /// The hash that precedes the first event.
    public static let genesis = ChainHash(bytes: [UInt8](repeating: 0, count: byteCount))!

    /// Parses 64 hexadecimal digits.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == Self.byteCount * 2 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(Self.byteCount)
        var index = 0
        while index < digits.count {
            guard let high = Self.nibble(digits[index]), let low = Self.nibble(digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        self.bytes = out
    }

    public var hex: String { Hex.lowercase(bytes) }

    public var description: String { hex }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Bytes as lowercase hexadecimal digits, two a byte: how hashes and records are written for people and tools.
public enum Hex {
    public static func lowercase(_ bytes: some Sequence<UInt8>) -> String {
        let alphabet = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(alphabet[Int(byte >> 4)])
            out.append(alphabet[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

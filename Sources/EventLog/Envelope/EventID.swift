import Foundation
import Synchronization

extension UUID {
    private static let lastTimeOrdered = Mutex<(milliseconds: UInt64, sequence: UInt16)>((0, 0))

    /// A new time-ordered id (UUID version 7, RFC 9562): 48 bits of Unix milliseconds, a 12-bit sequence
    /// that keeps ids from one process increasing within a millisecond, and 62 random bits.
    ///
    /// The log's id index is keyed by event id; ids that increase with time land at the index's end instead
    /// of on a random page, which keeps group commits small. Any UUID is accepted; this is the default.
    public static func timeOrdered() -> UUID {
        let now = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        let (milliseconds, sequence) = lastTimeOrdered.withLock { last -> (UInt64, UInt16) in
            if now > last.milliseconds {
                last = (now, UInt16.random(in: 0..<0x400))
            } else if last.sequence < 0x0fff {
                last.sequence += 1
            } else {
                last = (last.milliseconds + 1, 0)
            }
            return last
        }
        var random = SystemRandomNumberGenerator()
        let tail = random.next() as UInt64
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
        bytes[6] = 0x70 | UInt8(sequence >> 8 & 0x0f)
        bytes[7] = UInt8(truncatingIfNeeded: sequence)
        for index in 8..<16 { bytes[index] = UInt8(truncatingIfNeeded: tail >> (8 * (15 - index))) }
        bytes[8] = 0x80 | (bytes[8] & 0x3f)
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

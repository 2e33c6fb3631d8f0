import LMDB

/// The result of walking the hash chain.
public struct ChainVerification: Sendable, Equatable, CustomStringConvertible {
    /// The first position checked.
    public var from: UInt64
    /// How many events were checked and found whole before a failure or the end.
    public var verifiedCount: Int
    /// The hash of the last event checked and found whole.
    public var lastVerifiedHash: ChainHash
    /// The first event that fails, if any.
    public var failure: ChainFailure?

    public var isIntact: Bool { failure == nil }

    public var description: String {
        if let failure {
            return "chain broken at position \(failure.position): \(failure.reason) (\(verifiedCount) events verified before it)"
        }
        return "all \(verifiedCount) events verified from position \(from)"
    }
}

/// Where and why the chain fails.
public struct ChainFailure: Sendable, Equatable {
    public var position: UInt64
    public var reason: String

    public init(position: UInt64, reason: String) {
        self.position = position
        self.reason = reason
    }
}

extension EventLog {
    /// Walks the chain from `position`, recomputing each event's hash from its stored bytes and the hash
    /// before it, and reports the first event that does not match (or that every event verified).
    ///
    /// - Parameters:
    ///   - through: the last position to check (the head when nil).
    ///   - progress: called after each chunk with the last position checked.
    public func verify(from position: UInt64 = 1, through: UInt64? = nil, progress: ((UInt64) -> Void)? = nil) throws -> ChainVerification {
        let start = max(position, 1)
        let chunk = 50_000
        var previous = ChainHash.genesis
        if start > 1 {
            guard let before = try environment.read({ txn in
                try txn.get(db.events, .bigEndian(start - 1)).map { RecordCodec.hash(of: $0) }
            }) else {
                return ChainVerification(from: start, verifiedCount: 0, lastVerifiedHash: .genesis,
                                         failure: ChainFailure(position: start - 1, reason: "no event at position \(start - 1), where the chain should continue"))
            }
            previous = before
        }
        let last = try through ?? head().position
        var expected = start
        var verified = 0
        while expected <= last {
            let failure: ChainFailure? = try environment.read { txn in
                try txn.withCursor(db.events) { cursor in
                    var entry = try cursor.seek(atOrAfter: .bigEndian(expected))
                    var done = 0
                    while let current = entry, done < chunk, expected <= last {
                        let key = current.key.count == 8 ? current.key.loadBigEndianUInt64(at: 0) : 0
                        guard key == expected else {
                            return ChainFailure(position: expected, reason: "position \(expected) is missing (the next stored key is \(key))")
                        }
                        let body: UnsafeRawBufferPointer
                        let stored: UnsafeRawBufferPointer
                        do {
                            (body, stored) = try RecordCodec.split(current.value)
                        } catch {
                            return ChainFailure(position: expected, reason: "\(error)")
                        }
                        let recordPosition = RecordCodec.position(of: current.value)
                        guard recordPosition == expected else {
                            return ChainFailure(position: expected, reason: "the record stored at position \(expected) says position \(recordPosition)")
                        }
                        let computed = RecordCodec.chainHash(previous: previous, body: body)
                        guard computed.bytes.elementsEqual(stored) else {
                            return ChainFailure(position: expected, reason: "hash mismatch: stored \(ChainHash(bytes: stored)!.hex), computed \(computed.hex)")
                        }
                        do {
                            _ = try RecordCodec.decode(current.value)
                        } catch {
                            return ChainFailure(position: expected, reason: "the record does not decode: \(error)")
                        }
                        previous = computed
                        verified += 1
                        expected += 1
                        done += 1
                        entry = try cursor.next()
                    }
                    if entry == nil, expected <= last {
                        return ChainFailure(position: expected, reason: "position \(expected) is missing (the log ends at \(expected - 1))")
                    }
                    return nil
                }
            }
            if let failure {
                return ChainVerification(from: start, verifiedCount: verified, lastVerifiedHash: previous, failure: failure)
            }
            progress?(expected - 1)
        }
        return ChainVerification(from: start, verifiedCount: verified, lastVerifiedHash: previous, failure: nil)
    }

    /// The stored chain hash of the event at `position`, to compare with a digest kept outside the system.
    public func hash(at position: UInt64) throws -> ChainHash? {
        try environment.read { txn in
            try txn.get(db.events, .bigEndian(position)).map { RecordCodec.hash(of: $0) }
        }
    }
}

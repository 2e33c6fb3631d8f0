import Chronology
import EventLog
import Foundation

/// The head of the log at one moment: position and chain hash. An auditor keeps it outside the system; later
/// the log must still contain it unchanged and only have grown after it.
public struct LogDigest: Codable, Equatable, Sendable {
    public var position: UInt64
    public var hash: String
    public var recordedAt: Timestamp?

    public init(position: UInt64, hash: String, recordedAt: Timestamp?) {
        self.position = position
        self.hash = hash
        self.recordedAt = recordedAt
    }

    /// The digest of the log's head now.
    public init(of log: EventLog) throws {
        let head = try log.head()
        self.init(position: head.position, hash: head.hash.hex, recordedAt: head.recordedAt)
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    public static func read(_ data: Data) throws -> LogDigest {
        do {
            return try JSONDecoder().decode(LogDigest.self, from: data)
        } catch {
            throw AuditError.invalid("the digest file is not a digest written by `portal audit digest`: \(error)")
        }
    }
}

/// The outcome of checking the log against a kept digest.
public struct DigestCheck: Sendable, Equatable {
    /// Events verified: the whole chain up to the head.
    public var verifiedCount: Int
    /// The first position that fails, and why; nil when the log holds the digest unchanged and only grew.
    public var failure: ChainFailure?
    /// Events appended after the digest.
    public var grownBy: UInt64

    /// Recomputes the chain from position 1 through the digest's position and compares the hash found there
    /// with the kept one (any change at or before it changes that hash), then verifies every event after it.
    public static func check(_ log: EventLog, against digest: LogDigest, progress: ((UInt64) -> Void)? = nil) throws -> DigestCheck {
        let head = try log.head().position
        guard head >= digest.position else {
            return DigestCheck(verifiedCount: 0, failure: ChainFailure(position: head + 1,
                reason: "the log ends at position \(head), before the digest's position \(digest.position): events were removed"), grownBy: 0)
        }
        let upToDigest = try log.verify(from: 1, through: digest.position, progress: progress)
        if let failure = upToDigest.failure {
            return DigestCheck(verifiedCount: upToDigest.verifiedCount, failure: failure, grownBy: head - digest.position)
        }
        guard upToDigest.lastVerifiedHash.hex == digest.hash.lowercased() else {
            return DigestCheck(verifiedCount: upToDigest.verifiedCount, failure: ChainFailure(position: digest.position,
                reason: "the chain through position \(digest.position) now ends in \(upToDigest.lastVerifiedHash.hex), not the kept \(digest.hash): an event at or before it was changed"),
                grownBy: head - digest.position)
        }
        let after = try log.verify(from: digest.position + 1, through: head, progress: progress)
        return DigestCheck(verifiedCount: upToDigest.verifiedCount + after.verifiedCount, failure: after.failure, grownBy: head - digest.position)
    }
}

/// What `portal audit verify` found: how many events verified, the first failure if any, and, when checked
/// against a kept digest, that digest and how much the log grew after it.
public struct VerificationReport: Sendable, Equatable {
    public var verifiedCount: Int
    public var failure: ChainFailure?
    public var digest: LogDigest?
    public var grownBy: UInt64?
    /// Events verified per second, for the reader; nil when too fast to tell.
    public var eventsPerSecond: Int?

    public init(verifiedCount: Int, failure: ChainFailure?, digest: LogDigest? = nil, grownBy: UInt64? = nil, eventsPerSecond: Int? = nil) {
        self.verifiedCount = verifiedCount
        self.failure = failure
        self.digest = digest
        self.grownBy = grownBy
        self.eventsPerSecond = eventsPerSecond
    }

    public var isVerified: Bool { failure == nil }
}

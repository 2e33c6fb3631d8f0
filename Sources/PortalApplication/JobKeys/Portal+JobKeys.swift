import Chronology
import EventLog
import Foundation
import PortalDomain

/// An API key just issued: the key itself is here once, for the helpdesk to hand to the job's owner; the
/// portal keeps only its SHA-256.
public struct IssuedJobKey: Sendable, Equatable {
    /// The key; nil when a retried request found the key issued by its first attempt (shown only then).
    public var key: String?
    public var issued: JobKeyIssued
}

/// Why a presented API key is not accepted. Its message never repeats the key.
public struct JobKeyRefused: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Machine accounts: API keys the helpdesk issues to named jobs, each with a scope (``JobScope``) and an expiry,
/// revocable, never a person's login. A key is `pk_<key id>_<64 hex digits>` (256 random bits); the log records
/// that it was issued or revoked (`jobkey-<id>`), and the credential store keeps the SHA-256 of the whole key.
extension Portal {
    /// How every API key starts.
    public static let jobKeyPrefix = "pk_"

    /// Issues an API key to `job` (the helpdesk's work, R-ROLE). The hash is kept before the event is appended and
    /// forgotten when the append is refused or fails; a hash whose event never landed (a crash in between) is
    /// never accepted, because the log decides whether a key is valid. A retried request (the same idempotency
    /// key) gets the key's facts without the key: it was shown once, by the first answer.
    public func issueJobKey(job: String, scope: JobScope, expiresOn: BusinessDate, purpose: String?, _ request: CommandRequest) async throws -> CommandOutcome<IssuedJobKey> {
        if var retry: CommandOutcome<IssuedJobKey> = try alreadyApplied(request) {
            if let id = request.eventID(index: 0), let event = try log.event(withID: id),
               case .issued(let issued) = try EventRegistry.decode(JobKeyEvent.self, type: event.type, schemaVersion: event.schemaVersion, payload: event.payload) {
                retry.value = IssuedJobKey(key: nil, issued: issued)
            }
            return retry
        }
        try authorise(request.actor, JobKey.requiredPermission, organisation: nil)
        var random = SystemRandomNumberGenerator()
        let keyID = JobKeyID("jk-" + Self.hex((0..<8).map { _ in UInt8.random(in: .min ... .max, using: &random) }))
        let key = Self.jobKeyPrefix + keyID.rawValue + "_" + Self.hex((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) })
        try await credentials.storeJobKeyHash(Self.sha256(Data(key.utf8)), of: keyID)
        do {
            let issue = JobKeyIssued(keyID: keyID, job: job, scope: scope, expiresOn: expiresOn, purpose: purpose)
            return try await perform(request) { attempt, context in
                try authorise(request.actor, JobKey.requiredPermission, organisation: nil)
                guard case .issued(let issued)? = try attempt.decide(JobKey.self, keyID.rawValue, .issue(issue), context).first else {
                    throw PortalError.unreadableStream(JobKey.streamID(keyID.rawValue), "issuing a key decided no event")
                }
                return IssuedJobKey(key: key, issued: issued)
            }
        } catch {
            try? await credentials.removeJobKeyHash(of: keyID)
            throw error
        }
    }

    /// Revokes a key with a reason: every later request with it is refused at once.
    public func revokeJobKey(_ keyID: JobKeyID, reason: String, _ request: CommandRequest) async throws -> CommandOutcome<[JobKeyEvent]> {
        let command = JobKey.Command.revoke(reason: reason)
        return try await decideOne(JobKey.self, keyID.rawValue, command, permission: command.requiredPermission, request: request) { _ in nil }
    }

    /// Every key issued, oldest first, with its stream's version, for someone who reads account security.
    public func jobKeys(for actor: Actor) throws -> [StreamSnapshot<JobKey.State>] {
        try authorise(actor, .read(.accountSecurity), organisation: nil)
        let keys = try log.streamIDs(category: JobKey.category, limit: .max).map { streamID in
            try snapshot(of: JobKey.self, String(streamID.dropFirst(JobKey.category.count + 1)))
        }
        return keys.sorted { ($0.updatedAt ?? .init(microsecondsSince1970: 0), $0.streamID) < ($1.updatedAt ?? .init(microsecondsSince1970: 0), $1.streamID) }
    }

    /// One key as it stands.
    public func jobKey(_ keyID: JobKeyID, for actor: Actor) throws -> StreamSnapshot<JobKey.State> {
        try authorise(actor, .read(.accountSecurity), organisation: nil)
        let snapshot = try snapshot(of: JobKey.self, keyID.rawValue)
        guard snapshot.state.issued != nil else { throw DomainError.notFound(field: "keyID", "there is no API key \(keyID)") }
        return snapshot
    }

    /// The job a presented API key stands for now, checked on every request: the key's SHA-256 must be the one
    /// kept for its key id, and the log must show the key issued, not revoked and not past its expiry date.
    public func jobActor(forKey key: String) throws -> Actor {
        let unknown = JobKeyRefused(message: "the API key is unknown")
        let secretLength = 64
        guard key.hasPrefix(Self.jobKeyPrefix), key.utf8.count > Self.jobKeyPrefix.utf8.count + secretLength + 1, key.utf8.count <= 200 else {
            throw unknown
        }
        let body = key.dropFirst(Self.jobKeyPrefix.count)
        let idPart = body.dropLast(secretLength + 1)
        guard body.dropFirst(idPart.count).first == "_", JobKeyID.problem(with: String(idPart)) == nil else { throw unknown }
        let keyID = JobKeyID(String(idPart))
        guard let kept = try credentials.jobKeyHash(of: keyID), Self.constantTimeEqual(kept, Self.sha256(Data(key.utf8))) else { throw unknown }
        let state = try self.state(of: JobKey.self, keyID.rawValue)
        let today = context(for: .system(job: "session")).today
        if let problem = state.problem(today: today) { throw JobKeyRefused(message: problem.message) }
        guard let actor = state.actor(today: today) else { throw unknown }
        return actor
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two hex digests without stopping at the first difference.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}

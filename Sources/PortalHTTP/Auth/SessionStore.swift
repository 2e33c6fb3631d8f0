import Chronology
import Crypto
import Foundation
import LMDB
import PortalDomain

/// Sessions and login challenges, in their own LMDB environment (`<data>/sessions`): each under the SHA-256
/// of its opaque bearer token, never the token itself; with the user and an expiry. Also the first
/// responses of requests sent with an `Idempotency-Key`, so that a retry gets the same answer.
///
/// Writes run on the store's writer thread; reads are short read transactions on the caller's thread.
public final class SessionStore: Sendable {
    /// What a token opens.
    public enum Kind: String, Codable, Sendable {
        /// The password was right; the passcode step remains (a short-lived challenge token).
        case passcodeChallenge = "passcode-challenge"
        /// A logged-in session (a bearer token).
        case session
    }

    /// One stored token.
    public struct Record: Codable, Sendable, Equatable {
        public var kind: Kind
        public var userID: UserID
        public var createdAt: Timestamp
        public var expiresAt: Timestamp
    }

    /// The first response to a request with an `Idempotency-Key`.
    public struct StoredResponse: Codable, Sendable, Equatable {
        /// SHA-256 of method, path and body of the first request: a retry must be the same request.
        public var fingerprint: String
        public var status: Int
        public var headers: [String: String]
        public var body: Data
    }

    private let environment: LMDBEnvironment
    private let writer: LMDBWriterThread
    private let tokens: LMDBDatabase
    private let responses: LMDBDatabase
    private let clock: any WallClock

    public init(directory: URL, clock: any WallClock) throws {
        try PrivateFiles.prepareFolder(directory.path)
        environment = try LMDBEnvironment(
            path: directory.path, databases: ["tokens", "responses"], options: .init(initialMapSize: 256 << 20, maximumReaders: 510))
        tokens = environment.database("tokens")
        responses = environment.database("responses")
        writer = LMDBWriterThread(environment: environment, name: "session-store-writer")
        self.clock = clock
    }

    /// Stops the writer after the writes already handed over.
    public func close() {
        writer.close()
    }

    private var now: Timestamp { Timestamp(clock.now()) }

    /// The key of a token: its SHA-256, so a copy of the store gives no usable token.
    static func key(of token: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(token.utf8)))
    }

    /// A new random token (256 bits, base64url), stored only as its hash.
    public func issue(_ kind: Kind, for user: UserID, lifetime: Duration) async throws -> (token: String, record: Record) {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let token = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let created = now
        let record = Record(kind: kind, userID: user, createdAt: created,
                            expiresAt: Timestamp(microsecondsSince1970: created.microsecondsSince1970 + lifetime.microseconds))
        let key = Self.key(of: token)
        let value = Array(try JSONEncoder().encode(record))
        let tokens = tokens
        try await writer.write { txn in try txn.put(tokens, key, value) }
        return (token, record)
    }

    /// The unexpired record of `token` of `kind`, or nil.
    public func find(_ token: String, kind: Kind) throws -> Record? {
        let key = Self.key(of: token)
        let record = try environment.read { [tokens] txn in
            try txn.get(tokens, key).map { try JSONDecoder().decode(Record.self, from: Data($0)) }
        }
        guard let record, record.kind == kind, record.expiresAt > now else { return nil }
        return record
    }

    /// Ends the token's session or challenge.
    public func revoke(_ token: String) async throws {
        let key = Self.key(of: token)
        let tokens = tokens
        try await writer.write { txn in _ = try txn.delete(tokens, key) }
    }

    /// Ends every session and challenge of `user` (role removed, password reset) and every expired one.
    @discardableResult
    public func revokeAll(of user: UserID) async throws -> Int {
        let tokens = tokens
        let now = now
        return try await writer.write { txn in
            var doomed: [[UInt8]] = []
            try txn.withCursor(tokens) { cursor in
                var entry = try cursor.first()
                while let current = entry {
                    if let record = try? JSONDecoder().decode(Record.self, from: Data(current.value)),
                       record.userID == user || record.expiresAt <= now {
                        doomed.append(Array(current.key))
                    }
                    entry = try cursor.next()
                }
            }
            for key in doomed { _ = try txn.delete(tokens, key) }
            return doomed.count
        }
    }

    // MARK: Idempotent responses

    static func responseKey(actor: String, idempotencyKey: String) -> [UInt8] {
        Array(SHA256.hash(data: Data("\(actor)\n\(idempotencyKey)".utf8)))
    }

    public func storedResponse(actor: String, idempotencyKey: String) throws -> StoredResponse? {
        let key = Self.responseKey(actor: actor, idempotencyKey: idempotencyKey)
        return try environment.read { [responses] txn in
            try txn.get(responses, key).map { try JSONDecoder().decode(StoredResponse.self, from: Data($0)) }
        }
    }

    public func store(_ response: StoredResponse, actor: String, idempotencyKey: String) async throws {
        let key = Self.responseKey(actor: actor, idempotencyKey: idempotencyKey)
        let value = Array(try JSONEncoder().encode(response))
        let responses = responses
        try await writer.write { txn in try txn.put(responses, key, value) }
    }
}

extension Duration {
    /// Whole microseconds.
    var microseconds: Int64 {
        components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000
    }
}

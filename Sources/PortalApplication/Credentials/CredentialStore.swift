import Foundation
import HummingbirdBcrypt
import LMDB
import PortalDomain
import Synchronization

/// The secrets beside the log, in their own LMDB environment (`<data>/credentials`): bcrypt hashes of
/// passwords and passcodes, whether the password is a first (generated) one, the username → user index, and
/// the SHA-256 of each job's API key by key id.
/// Nothing here is ever written to the event log, a log line or an error message (R-ACC-7).
///
/// The log and this store are two environments, so no transaction spans both. A command that issues a secret
/// stages its hash here first, tagged with the id of the command's first event, appends, then commits the
/// staged hash: a staged hash is never checked by a login, and it takes effect only once its event is in the
/// log (after a crash, ``resolveStaged(_:)`` at the next open commits it or drops it). So the log never says
/// a password was issued or changed while this store still holds the old one, or none.
///
/// Writes run on the store's own writer thread; reads are short read transactions on the caller's thread.
public final class CredentialStore: Sendable {
    /// The stored secrets of one user.
    public struct Record: Codable, Sendable, Equatable {
        /// bcrypt hash of the password.
        public var passwordHash: String?
        /// True while the password is a generated first (or reset) password (R-ACC-1).
        public var isFirstPassword: Bool
        /// bcrypt hash of the 6-digit passcode (R-ACC-3).
        public var passcodeHash: String?
        /// The username (lowercased email) this user logs in with.
        public var username: String?
    }

    /// A password or passcode hash waiting for the event that issues it.
    public struct StagedSecret: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable, CaseIterable {
            case password
            case passcode
        }

        public var userID: UserID
        public var kind: Kind
        /// bcrypt hash of the new secret.
        public var hash: String
        /// For a password: whether it is a generated first (or reset) password.
        public var isFirstPassword: Bool
        /// The id of the first event of the command that issues the secret: the hash takes effect once that
        /// event is in the log (a command's events are appended together, so the first stands for all).
        public var eventID: UUID
    }

    /// What a username claim changed, so that it can be given back when the command it was for is not applied.
    public struct UsernameClaim: Sendable, Equatable {
        public var userID: UserID
        /// The username claimed, lowercased.
        public var username: String
        /// The user's username before the claim (released by it when different).
        public var previous: String?
        /// True when the user already held `username`: the claim changed nothing.
        public var heldAlready: Bool
    }

    private let environment: LMDBEnvironment
    private let writer: LMDBWriterThread
    private let users: LMDBDatabase
    private let usernames: LMDBDatabase
    private let staged: LMDBDatabase
    private let jobKeys: LMDBDatabase
    /// The databases of the store, as a backup copies them.
    static let databaseNames = ["users", "usernames", "staged", "job-keys"]
    /// bcrypt cost: 12 in production; tests lower it.
    public let bcryptCost: UInt8
    /// A bcrypt hash at `bcryptCost` of a random secret no one knows, made once: a login for an unknown email,
    /// or for a locked or suspended account, is verified against it, so that it costs what a real account's
    /// wrong password costs and the time of the answer does not tell which emails have accounts.
    private let dummyHash = Mutex<String?>(nil)
    /// For tests only (through `@testable import`): told the cost of every hash verification, real or dummy.
    let verificationObserver = Mutex<(@Sendable (UInt8) -> Void)?>(nil)

    public init(directory: URL, bcryptCost: UInt8 = 12) throws {
        try PrivateFiles.prepareFolder(directory.path)
        environment = try LMDBEnvironment(
            path: directory.path, databases: Self.databaseNames, options: .init(initialMapSize: 64 << 20, maximumReaders: 126))
        users = environment.database("users")
        usernames = environment.database("usernames")
        staged = environment.database("staged")
        jobKeys = environment.database("job-keys")
        writer = LMDBWriterThread(environment: environment, name: "credential-store-writer")
        self.bcryptCost = bcryptCost
    }

    /// Stops the writer after the writes already handed over, then closes the environment, so that the folder
    /// can be opened again (as the event log's `close()` does).
    public func close() {
        writer.close()
        environment.close()
    }

    // MARK: Reads

    public func record(of user: UserID) throws -> Record? {
        try environment.read { [users] txn in
            guard let bytes = try txn.get(users, Array(user.rawValue.utf8)) else { return nil }
            return try JSONDecoder().decode(Record.self, from: Data(bytes))
        }
    }

    /// The longest username: an email address of at most 254 characters (RFC 5321's path limit).
    public static let maximumUsernameLength = 254

    /// The user whose username is `username` (an email, any case); nil for an empty or over-long username,
    /// which no account can have (and LMDB could not look up).
    public func user(forUsername username: String) throws -> UserID? {
        let key = Array(username.trimmingCharacters(in: .whitespacesAndNewlines).lowercased().utf8)
        guard !key.isEmpty, key.count <= Self.maximumUsernameLength * 4 else { return nil }
        return try environment.read { [usernames] txn in
            try txn.get(usernames, key).map { UserID(String(decoding: $0, as: UTF8.self)) }
        }
    }

    /// Whether `password` matches the user's stored password. With no user, or a user with no password, the
    /// password is verified against the dummy hash of the same cost, and false is returned: every answer costs
    /// one bcrypt verification.
    public func verifyPassword(_ password: String, of user: UserID?) throws -> Bool {
        guard let user, let hash = try record(of: user)?.passwordHash else {
            spendOneVerification(password)
            return false
        }
        return verify(password, hash: hash)
    }

    /// One bcrypt verification of `secret` against the dummy hash, whose answer is thrown away: what a refused
    /// login (unknown email, locked or suspended account) spends so that it takes as long as a wrong password.
    public func spendOneVerification(_ secret: String) {
        _ = verify(secret, hash: dummyPasswordHash())
    }

    /// Whether `passcode` matches the stored passcode; nil when none is set yet.
    public func verifyPasscode(_ passcode: String, of user: UserID) throws -> Bool? {
        guard let hash = try record(of: user)?.passcodeHash else { return nil }
        return verify(passcode, hash: hash)
    }

    /// The dummy hash, made at the first call (a server makes it at start: ``prepareDummyHash()``).
    private func dummyPasswordHash() -> String {
        if let hash = dummyHash.withLock({ $0 }) { return hash }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<4).map { _ in String(generator.next() as UInt64, radix: 36) }.joined()
        let hash = Bcrypt.hash(secret, cost: bcryptCost)
        return dummyHash.withLock { stored in
            if stored == nil { stored = hash }
            return stored!
        }
    }

    /// Makes the dummy hash now (one bcrypt hash), so that the first refused login costs no more than later ones.
    public func prepareDummyHash() {
        _ = dummyPasswordHash()
    }

    private func verify(_ secret: String, hash: String) -> Bool {
        if let observe = verificationObserver.withLock({ $0 }) { observe(Self.cost(of: hash)) }
        return Bcrypt.verify(secret, hash: hash)
    }

    /// The cost of a bcrypt hash (`$2b$12$…`), 0 when it is not one.
    static func cost(of hash: String) -> UInt8 {
        let parts = hash.split(separator: "$")
        return parts.count >= 2 ? UInt8(parts[1]) ?? 0 : 0
    }

    /// Every staged secret, by user and kind.
    public func stagedSecrets() throws -> [StagedSecret] {
        try environment.read { [staged] txn in
            try txn.withCursor(staged) { cursor in
                var found: [StagedSecret] = []
                var entry = try cursor.first()
                while let current = entry {
                    found.append(try JSONDecoder().decode(StagedSecret.self, from: Data(current.value)))
                    entry = try cursor.next()
                }
                return found
            }
        }
    }

    // MARK: Writes

    /// Gives `username` to `user`, releasing the user's previous username. Refuses a username of another user.
    /// Returns what changed, for ``release(_:)``.
    @discardableResult
    public func claimUsername(_ username: String, for user: UserID) async throws -> UsernameClaim {
        let lowercased = username.lowercased()
        let key = Array(lowercased.utf8)
        let value = Array(user.rawValue.utf8)
        let userKey = value
        let (users, usernames) = (users, usernames)
        let claim: UsernameClaim? = try await writer.write { txn in
            if let owner = try txn.get(usernames, key), Array(owner) != value { return nil }
            var record = try txn.get(users, userKey).map { try JSONDecoder().decode(Record.self, from: Data($0)) }
                ?? Record(passwordHash: nil, isFirstPassword: false, passcodeHash: nil, username: nil)
            let claim = UsernameClaim(userID: user, username: lowercased, previous: record.username, heldAlready: record.username == lowercased)
            if let previous = record.username, previous != lowercased {
                try txn.delete(usernames, Array(previous.utf8))
            }
            record.username = lowercased
            try txn.put(usernames, key, value)
            try txn.put(users, userKey, Array(try JSONEncoder().encode(record)))
            return claim
        }
        guard let claim else { throw PortalError.usernameTaken(lowercased) }
        return claim
    }

    /// Gives back what `claim` took, when the command it was for was not applied: the username is free again
    /// (unless the user held it before) and the user's previous username is theirs again (unless another user
    /// took it meanwhile).
    public func release(_ claim: UsernameClaim) async throws {
        guard !claim.heldAlready else { return }
        let user = Array(claim.userID.rawValue.utf8)
        let (users, usernames) = (users, usernames)
        try await writer.write { txn in
            if let owner = try txn.get(usernames, Array(claim.username.utf8)), Array(owner) == user {
                _ = try txn.delete(usernames, Array(claim.username.utf8))
            }
            var record = try txn.get(users, user).map { try JSONDecoder().decode(Record.self, from: Data($0)) }
                ?? Record(passwordHash: nil, isFirstPassword: false, passcodeHash: nil, username: nil)
            guard record.username == claim.username else { return }
            record.username = nil
            if let previous = claim.previous, try txn.get(usernames, Array(previous.utf8)) == nil {
                try txn.put(usernames, Array(previous.utf8), user)
                record.username = previous
            }
            try txn.put(users, user, Array(try JSONEncoder().encode(record)))
        }
    }

    /// Stages the bcrypt hash of `password` (hashed here, off the writer thread) for the command whose first
    /// event is `eventID`; it replaces any secret of the same kind staged before for the user.
    public func stagePassword(_ password: String, of user: UserID, isFirstPassword: Bool, awaiting eventID: UUID) async throws {
        let hash = Bcrypt.hash(password, cost: bcryptCost)
        try await stage(StagedSecret(userID: user, kind: .password, hash: hash, isFirstPassword: isFirstPassword, eventID: eventID))
    }

    /// Stages the bcrypt hash of `passcode` for the command whose first event is `eventID`.
    public func stagePasscode(_ passcode: String, of user: UserID, awaiting eventID: UUID) async throws {
        let hash = Bcrypt.hash(passcode, cost: bcryptCost)
        try await stage(StagedSecret(userID: user, kind: .passcode, hash: hash, isFirstPassword: false, eventID: eventID))
    }

    private func stage(_ secret: StagedSecret) async throws {
        let staged = staged
        let bytes = Array(try JSONEncoder().encode(secret))
        try await writer.write { txn in try txn.put(staged, Self.stagedKey(secret.userID, secret.kind), bytes) }
    }

    /// Makes the secret staged for `eventID` the user's own, now that its event is in the log. False when no
    /// secret of that kind is staged for that event (a later command staged another).
    @discardableResult
    public func commitStaged(_ kind: StagedSecret.Kind, of user: UserID, awaiting eventID: UUID) async throws -> Bool {
        let (users, staged) = (users, staged)
        return try await writer.write { txn in try Self.resolve(txn, users: users, staged: staged, user, kind, eventID, landed: true) }
    }

    /// Drops the secret staged for `eventID`: its command was not applied.
    public func discardStaged(_ kind: StagedSecret.Kind, of user: UserID, awaiting eventID: UUID) async throws {
        let (users, staged) = (users, staged)
        _ = try await writer.write { txn in try Self.resolve(txn, users: users, staged: staged, user, kind, eventID, landed: false) }
    }

    /// Commits each staged secret whose event `landed` says is in the log and drops the others. Called when the
    /// data folder is opened, before any command runs, so a staged secret is there only because a crash came
    /// between its command's append and the commit (or before the append). Blocks the calling thread.
    public func resolveStaged(_ landed: (StagedSecret) throws -> Bool) throws {
        let pending = try stagedSecrets()
        guard !pending.isEmpty else { return }
        let decisions = try pending.map { ($0, try landed($0)) }
        let (users, staged) = (users, staged)
        try writer.writeBlocking { txn in
            for (secret, landed) in decisions {
                _ = try Self.resolve(txn, users: users, staged: staged, secret.userID, secret.kind, secret.eventID, landed: landed)
            }
        }
    }

    /// In one write: when the secret staged for `user` and `kind` awaits `eventID`, applies it (`landed`) or
    /// drops it, and says whether it was there.
    private static func resolve(
        _ txn: borrowing LMDBTransaction, users: LMDBDatabase, staged: LMDBDatabase,
        _ user: UserID, _ kind: StagedSecret.Kind, _ eventID: UUID, landed: Bool
    ) throws -> Bool {
        let key = stagedKey(user, kind)
        guard let bytes = try txn.get(staged, key) else { return false }
        let secret = try JSONDecoder().decode(StagedSecret.self, from: Data(bytes))
        guard secret.eventID == eventID else { return false }
        _ = try txn.delete(staged, key)
        guard landed else { return true }
        let userKey = Array(user.rawValue.utf8)
        var record = try txn.get(users, userKey).map { try JSONDecoder().decode(Record.self, from: Data($0)) }
            ?? Record(passwordHash: nil, isFirstPassword: false, passcodeHash: nil, username: nil)
        switch kind {
        case .password:
            record.passwordHash = secret.hash
            record.isFirstPassword = secret.isFirstPassword
        case .passcode:
            record.passcodeHash = secret.hash
        }
        try txn.put(users, userKey, Array(try JSONEncoder().encode(record)))
        return true
    }

    private static func stagedKey(_ user: UserID, _ kind: StagedSecret.Kind) -> [UInt8] {
        Array("\(user.rawValue)\n\(kind.rawValue)".utf8)
    }

    /// Stores the bcrypt hash of `password` (hashed here, off the writer thread).
    public func setPassword(_ password: String, of user: UserID, isFirstPassword: Bool) async throws {
        let hash = Bcrypt.hash(password, cost: bcryptCost)
        try await update(user) { $0.passwordHash = hash; $0.isFirstPassword = isFirstPassword }
    }

    /// Stores the bcrypt hash of `passcode`.
    public func setPasscode(_ passcode: String, of user: UserID) async throws {
        let hash = Bcrypt.hash(passcode, cost: bcryptCost)
        try await update(user) { $0.passcodeHash = hash }
    }

    private func update(_ user: UserID, _ change: @escaping @Sendable (inout Record) -> Void) async throws {
        let key = Array(user.rawValue.utf8)
        let users = users
        try await writer.write { txn in
            var record = try txn.get(users, key).map { try JSONDecoder().decode(Record.self, from: Data($0)) }
                ?? Record(passwordHash: nil, isFirstPassword: false, passcodeHash: nil, username: nil)
            change(&record)
            try txn.put(users, key, Array(try JSONEncoder().encode(record)))
        }
    }

    // MARK: Backup

    /// Holds off every writer of the store, in every process, while `during` runs (a backup takes the log's
    /// snapshot then), and returns a snapshot of the store as it was meanwhile: so the copy holds exactly the
    /// secrets of the events up to the log's snapshot — every hash staged or committed for them, and none
    /// committed for a later event. Blocks the calling thread for as long as `during` takes.
    public func snapshotHoldingWriters(_ during: @escaping () throws -> Void) throws -> LMDBSnapshot {
        let environment = environment
        nonisolated(unsafe) var snapshot: LMDBSnapshot?
        try writer.holdingWritersOff { _ in
            try during()
            snapshot = try environment.beginSnapshot()
        }
        return snapshot!
    }

    // MARK: Job keys

    /// Keeps the SHA-256 (lowercase hex) of a job's API key under its key id. Written before the event that issues
    /// the key is appended: the log decides whether a key is valid, so a hash whose event never landed is never
    /// accepted.
    public func storeJobKeyHash(_ sha256: String, of key: JobKeyID) async throws {
        let jobKeys = jobKeys
        try await writer.write { txn in try txn.put(jobKeys, Array(key.rawValue.utf8), Array(sha256.utf8)) }
    }

    /// Forgets the hash of a key whose issuing event was not appended.
    public func removeJobKeyHash(of key: JobKeyID) async throws {
        let jobKeys = jobKeys
        try await writer.write { txn in _ = try txn.delete(jobKeys, Array(key.rawValue.utf8)) }
    }

    /// The key ids whose hash is kept.
    public func jobKeyIDs() throws -> [JobKeyID] {
        try environment.read { [jobKeys] txn in
            try txn.withCursor(jobKeys) { cursor in
                var ids: [JobKeyID] = []
                var entry = try cursor.first()
                while let current = entry {
                    ids.append(JobKeyID(String(decoding: current.key, as: UTF8.self)))
                    entry = try cursor.next()
                }
                return ids
            }
        }
    }

    /// The SHA-256 (lowercase hex) kept for a key id, nil when none is.
    public func jobKeyHash(of key: JobKeyID) throws -> String? {
        try environment.read { [jobKeys] txn in
            try txn.get(jobKeys, Array(key.rawValue.utf8)).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// A generated first password that meets R-ACC-2: 16 characters from an alphabet without look-alikes,
    /// always with capitals, small letters and digits.
    public static func generateFirstPassword() -> String {
        let upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ"), lower = Array("abcdefghijkmnpqrstuvwxyz"), digits = Array("23456789")
        var random = SystemRandomNumberGenerator()
        var characters = (0..<4).map { _ in upper.randomElement(using: &random)! }
            + (0..<8).map { _ in lower.randomElement(using: &random)! }
            + (0..<4).map { _ in digits.randomElement(using: &random)! }
        characters.shuffle(using: &random)
        return String(characters)
    }
}

import Foundation
import HummingbirdBcrypt
import LMDB
import PortalDomain

/// The secrets beside the log, in their own LMDB environment (`<data>/credentials`): bcrypt hashes of
/// passwords and passcodes, whether the password is a first (generated) one, and the username → user index.
/// Nothing here is ever written to the event log, a log line or an error message (R-ACC-7).
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

    private let environment: LMDBEnvironment
    private let writer: LMDBWriterThread
    private let users: LMDBDatabase
    private let usernames: LMDBDatabase
    /// bcrypt cost: 12 in production; tests lower it.
    public let bcryptCost: UInt8

    public init(directory: URL, bcryptCost: UInt8 = 12) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        environment = try LMDBEnvironment(
            path: directory.path, databases: ["users", "usernames"], options: .init(initialMapSize: 64 << 20, maximumReaders: 126))
        users = environment.database("users")
        usernames = environment.database("usernames")
        writer = LMDBWriterThread(environment: environment, name: "credential-store-writer")
        self.bcryptCost = bcryptCost
    }

    /// Stops the writer after the writes already handed over.
    public func close() { writer.close() }

    // MARK: Reads

    public func record(of user: UserID) throws -> Record? {
        try environment.read { [users] txn in
            guard let bytes = try txn.get(users, Array(user.rawValue.utf8)) else { return nil }
            return try JSONDecoder().decode(Record.self, from: Data(bytes))
        }
    }

    /// The user whose username is `username` (an email, any case).
    public func user(forUsername username: String) throws -> UserID? {
        let key = Array(username.trimmingCharacters(in: .whitespaces).lowercased().utf8)
        return try environment.read { [usernames] txn in
            try txn.get(usernames, key).map { UserID(String(decoding: $0, as: UTF8.self)) }
        }
    }

    /// Whether `password` matches the user's stored password.
    public func verifyPassword(_ password: String, of user: UserID) throws -> Bool {
        guard let hash = try record(of: user)?.passwordHash else { return false }
        return Bcrypt.verify(password, hash: hash)
    }

    /// Whether `passcode` matches the stored passcode; nil when none is set yet.
    public func verifyPasscode(_ passcode: String, of user: UserID) throws -> Bool? {
        guard let hash = try record(of: user)?.passcodeHash else { return nil }
        return Bcrypt.verify(passcode, hash: hash)
    }

    // MARK: Writes

    /// Gives `username` to `user`, releasing the user's previous username. Refuses a username of another user.
    public func claimUsername(_ username: String, for user: UserID) async throws {
        let key = Array(username.lowercased().utf8)
        let value = Array(user.rawValue.utf8)
        let userKey = value
        let (users, usernames) = (users, usernames)
        let taken: Bool = try await writer.write { txn in
            if let owner = try txn.get(usernames, key), Array(owner) != value { return true }
            var record = try txn.get(users, userKey).map { try JSONDecoder().decode(Record.self, from: Data($0)) }
                ?? Record(passwordHash: nil, isFirstPassword: false, passcodeHash: nil, username: nil)
            if let previous = record.username, previous != username.lowercased() {
                try txn.delete(usernames, Array(previous.utf8))
            }
            record.username = username.lowercased()
            try txn.put(usernames, key, value)
            try txn.put(users, userKey, Array(try JSONEncoder().encode(record)))
            return false
        }
        if taken { throw PortalError.usernameTaken(username.lowercased()) }
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

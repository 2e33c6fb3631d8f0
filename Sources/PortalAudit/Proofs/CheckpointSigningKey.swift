import Crypto
import EventLog
import Foundation

/// The deployment's Ed25519 key that signs checkpoints of its log.
///
/// It lives in `<data>/keys/checkpoint-signing.key` (the folder 0700, the file 0600), never in the log: two
/// lines, a comment and the key's 32-byte private seed in base64. ``ensure(in:)`` makes it when it is missing —
/// `portal serve` calls it at every start, and so does every command that signs — so a data folder has exactly
/// one from its first start. It is backed up with the data folder (`<data>/keys/`); to rotate it, move the file
/// aside (keep it, or at least its public key) and start the portal or run `portal audit public-key`: a new key
/// is made, and checkpoints signed before still verify with the old public key.
public struct CheckpointSigningKey: Sendable {
    public static let folderName = "keys"
    public static let fileName = "checkpoint-signing.key"
    static let comment = "# Provider Portal checkpoint signing key: Ed25519 private key (32-byte seed, base64). Secret; never in the log."

    let privateKey: Curve25519.Signing.PrivateKey
    /// Where the key was read from.
    public let file: URL

    public var publicKey: Curve25519.Signing.PublicKey { privateKey.publicKey }

    /// The key in `dataFolder`, made first when there is none. Two processes making it at once end with the
    /// same key: the file appears whole or not at all (written beside it, then hard-linked into place).
    @discardableResult
    public static func ensure(in dataFolder: URL) throws -> CheckpointSigningKey {
        let folder = dataFolder.appendingPathComponent(folderName, isDirectory: true)
        let file = folder.appendingPathComponent(fileName)
        if let existing = try read(file) { return existing }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let key = Curve25519.Signing.PrivateKey()
        let text = "\(comment)\n\(key.rawRepresentation.base64EncodedString())\n"
        let staging = folder.appendingPathComponent(".\(fileName).\(UUID().uuidString.lowercased())")
        let descriptor = open(staging.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw AuditError.invalid("cannot write \(staging.path): \(String(cString: strerror(errno)))") }
        defer { unlink(staging.path) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == bytes.count, synced == 0 else { throw AuditError.invalid("cannot write \(staging.path): \(String(cString: strerror(errno)))") }
        if link(staging.path, file.path) != 0 && errno != EEXIST {
            throw AuditError.invalid("cannot create \(file.path): \(String(cString: strerror(errno)))")
        }
        guard let made = try read(file) else { throw AuditError.invalid("\(file.path) vanished after it was made") }
        return made
    }

    /// The key in `dataFolder`, or nil when it has none.
    public static func existing(in dataFolder: URL) throws -> CheckpointSigningKey? {
        try read(dataFolder.appendingPathComponent(folderName, isDirectory: true).appendingPathComponent(fileName))
    }

    private static func read(_ file: URL) throws -> CheckpointSigningKey? {
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }
        guard lines.count == 1, let seed = Data(base64Encoded: String(lines[0])), seed.count == 32,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw AuditError.invalid("\(file.path) is not a checkpoint signing key (one line of a base64 Ed25519 seed)")
        }
        return CheckpointSigningKey(privateKey: key, file: file)
    }

    /// The signature of `message`.
    func sign(_ message: [UInt8]) throws -> [UInt8] {
        Array(try privateKey.signature(for: message))
    }

    /// The public key as a signed note's verifier key, named `name`: `<name>+<key id, hex>+<base64(0x01 ‖ key)>`.
    public func verifierKey(name: String) -> VerifierKey {
        VerifierKey(name: name, publicKey: Array(publicKey.rawRepresentation))
    }
}

/// A public key in the text form of C2SP signed notes (what `portal audit public-key` prints and
/// `tools/verify-evidence.py --public-key` reads): `<name>+<8 hex digits of key id>+<base64(0x01 ‖ Ed25519 key)>`.
/// The key id is the first 4 bytes of `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)`.
public struct VerifierKey: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var publicKey: [UInt8]

    public init(name: String, publicKey: [UInt8]) {
        self.name = name
        self.publicKey = publicKey
    }

    public var keyID: [UInt8] {
        Array(SHA256.hash(data: Array(name.utf8) + [0x0A, 0x01] + publicKey).prefix(4))
    }

    public var description: String {
        "\(name)+\(Hex.lowercase(keyID))+\(Data([0x01] + publicKey).base64EncodedString())"
    }

    /// Parses the text form, checking the key id against the name and key.
    public init(parsing text: String) throws {
        // The name holds no '+'; the base64 may.
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let raw = Data(base64Encoded: String(parts[2])), raw.count == 33, raw.first == 0x01 else {
            throw AuditError.invalid("a public key is NAME+KEYID+BASE64 as `portal audit public-key` prints it")
        }
        self.init(name: String(parts[0]), publicKey: Array(raw.dropFirst()))
        guard Hex.lowercase(keyID) == parts[1] else {
            throw AuditError.invalid("the public key's id \(parts[1]) does not match its name and key")
        }
    }

    /// Whether `signature` is this key's Ed25519 signature of `message`.
    func isValidSignature(_ signature: [UInt8], of message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}

import Crypto
import Foundation
import LMDB

/// `manifest.json` of a backup: what was copied, from which log head, and the size and SHA-256 of every file,
/// so that a restore (or anyone with `sha256sum`) can check the backup before trusting it.
public struct BackupManifest: Codable, Sendable, Equatable {
    public static let fileName = "manifest.json"
    public static let format = "provider-portal-backup"
    public static let currentFormatVersion = 1

    public struct Log: Codable, Sendable, Equatable {
        /// The position of the last event copied: every event acknowledged before the backup began is at or before it.
        public var headPosition: UInt64
        /// That event's chain hash (hex), as `portal audit digest` prints it.
        public var headHash: String
        public var headRecordedAt: String?
        public var events: UInt64
        public var streams: Int
    }

    public struct Counts: Codable, Sendable, Equatable {
        /// Entries of the credential store's databases: users, usernames, staged secrets, job key hashes.
        public var credentialUsers: Int
        public var usernames: Int
        public var stagedSecrets: Int
        public var jobKeys: Int
        public var attachments: Int
        public var signingKeyFiles: Int
    }

    public struct File: Codable, Sendable, Equatable {
        /// Relative to the backup folder, e.g. `log/data.mdb`.
        public var path: String
        public var size: UInt64
        /// Lowercase hex SHA-256 of the file's bytes.
        public var sha256: String
    }

    public var format = BackupManifest.format
    public var formatVersion = BackupManifest.currentFormatVersion
    /// The version of the portal that wrote the backup.
    public var portalVersion: String
    /// When the backup began (UTC, ISO 8601).
    public var createdAt: String
    public var log: Log
    public var counts: Counts
    public var files: [File]
    /// What a backup deliberately leaves out, and why (for whoever reads the folder).
    public var notIncluded: [String: String]

    /// Total bytes of the files.
    public var totalBytes: UInt64 { files.reduce(0) { $0 + $1.size } }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }()
}

/// Sizes and SHA-256 of files, read in chunks (a county's log is gigabytes).
enum FileDigest {
    static func sha256(of url: URL) throws -> (size: UInt64, sha256: String) {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: UInt64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += UInt64(chunk.count)
        }
        return (size, hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }
}

/// Files and folders of a backup or a restored data folder: private as the data folder's own (``PrivateFiles``:
/// folders 0700, files 0600), written then synced.
enum BackupFiles {
    static func makeFolder(_ url: URL) throws {
        try PrivateFiles.prepareFolder(url.path)
    }

    /// Writes `data` to `url` with mode 0600 and syncs it.
    static func write(_ data: Data, to url: URL) throws {
        try makeFolder(url.deletingLastPathComponent())
        guard PrivateFiles.createFile(atPath: url.path) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.write(contentsOf: data)
        try handle.synchronize()
    }

    /// Copies `source` to `target` (mode 0600) in chunks, returning the size and SHA-256 of the bytes copied.
    static func copy(_ source: URL, to target: URL) throws -> (size: UInt64, sha256: String) {
        try makeFolder(target.deletingLastPathComponent())
        guard PrivateFiles.createFile(atPath: target.path) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path])
        }
        let input = try FileHandle(forReadingFrom: source)
        defer { try? input.close() }
        let output = try FileHandle(forWritingTo: target)
        defer { try? output.close() }
        var hasher = SHA256()
        var size: UInt64 = 0
        while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            try output.write(contentsOf: chunk)
            size += UInt64(chunk.count)
        }
        try output.synchronize()
        return (size, hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }

    /// Every regular file under `folder`, as paths relative to it, sorted; none when the folder is missing.
    static func files(under folder: URL) throws -> [String] {
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        var paths: [String] = []
        let base = folder.standardizedFileURL.resolvingSymlinksInPath().path
        for case let url as URL in enumerator {
            guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
            let full = url.standardizedFileURL.resolvingSymlinksInPath().path
            guard full.hasPrefix(base + "/") else { continue }
            paths.append(String(full.dropFirst(base.count + 1)))
        }
        return paths.sorted()
    }

    /// Syncs a folder's entries (after files were created or renamed in it).
    static func syncFolder(_ url: URL) {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        _ = close(descriptor)
    }
}

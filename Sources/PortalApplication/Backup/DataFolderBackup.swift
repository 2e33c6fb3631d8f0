import Chronology
import EventLog
import Foundation
import LMDB

/// A backup or restore that cannot be trusted or completed, naming what is wrong: the file, what the manifest
/// expects and what is there. Nothing was restored (or no backup was left behind).
public struct BackupRefused: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [String]

    public init(_ problems: [String]) {
        self.problems = problems
    }

    public var description: String { problems.joined(separator: "\n") }
}

/// Backups of a data folder while the portal serves and writes, and restores into an empty folder.
///
/// A backup holds everything a restore needs: the event log (with the deployment's settings, which are events
/// of `deployment-settings`), the credential store (password, passcode and API key hashes), conversation
/// attachments, and the deployment's signing keys (`<data>/keys/`, when present). It leaves out the read models
/// (`projections/`, rebuilt from the log at the first start) and the session store (`sessions/`: bearer tokens
/// that last hours and idempotent replies; after a restore everyone logs in again, and a retried write is still
/// recognised by the event ids its idempotency key derives).
///
/// Consistency with a running server: the credential store's writers (in every process) are held off for the
/// moment the log's snapshot is taken and the store's own snapshot begins, so the copied store holds exactly the
/// secrets of the copied log — every hash staged or committed for an event up to its head (a staged one is
/// committed when the restored folder is first opened), none committed for a later event. Attachments are
/// stored before the event naming them is appended, so copying them after the snapshot finds every one the
/// copied log names. Both snapshots are read transactions: the server goes on appending meanwhile.
public enum DataFolderBackup {
    /// What a backup wrote.
    public struct Outcome: Sendable {
        public var folder: URL
        public var manifest: BackupManifest
        /// SHA-256 of `manifest.json`, to keep apart from the backup (it pins every file's hash).
        public var manifestSHA256: String
    }

    static let notIncluded = [
        "projections": "read models are rebuilt from the log at the first start of the restored folder",
        "sessions": "bearer tokens and idempotent replies; after a restore everyone logs in again",
    ]

    /// Backs up the data folder `data` into `destination` (a new or empty folder), verifying the copy before it
    /// returns. Written into a temporary folder beside `destination` and renamed into place when complete, so
    /// a failed backup leaves nothing behind that could be mistaken for one.
    public static func backup(dataFolder data: URL, to destination: URL, portalVersion: String, now: Date = Date()) throws -> Outcome {
        let fileManager = FileManager.default
        let logFolder = data.appendingPathComponent("log")
        guard fileManager.fileExists(atPath: logFolder.appendingPathComponent("data.mdb").path) else {
            throw BackupRefused(["there is no event log in \(logFolder.path): nothing to back up (check --data)"])
        }
        try requireNewOrEmpty(destination, what: "the backup folder")
        let work = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).partial-\(UUID().uuidString)")
        try BackupFiles.makeFolder(work)
        do {
            let manifest = try write(data, into: work, portalVersion: portalVersion, now: now)
            _ = try verifyFiles(of: work)
            try place(work, at: destination)
            let manifestDigest = try FileDigest.sha256(of: destination.appendingPathComponent(BackupManifest.fileName)).sha256
            return Outcome(folder: destination, manifest: manifest, manifestSHA256: manifestDigest)
        } catch {
            try? fileManager.removeItem(at: work)
            throw error
        }
    }

    private static func write(_ data: URL, into work: URL, portalVersion: String, now: Date) throws -> BackupManifest {
        var readOnly = EventLog.Options()
        readOnly.readOnly = true
        let log = try EventLog(directory: data.appendingPathComponent("log"), options: readOnly)
        defer { log.close() }
        let credentials = try CredentialStore(directory: data.appendingPathComponent("credentials"), bcryptCost: 4)
        defer { credentials.close() }

        // The log's snapshot is taken while no process can change the credential store.
        nonisolated(unsafe) var taken: LogSnapshot?
        let credentialSnapshot = try credentials.snapshotHoldingWriters { taken = try log.snapshot() }
        let logSnapshot = taken!
        defer {
            logSnapshot.end()
            credentialSnapshot.end()
        }
        let head = logSnapshot.head
        try logSnapshot.copy(to: work.appendingPathComponent("log"))
        logSnapshot.end()
        let credentialCounts = try credentialSnapshot.copy(databases: CredentialStore.databaseNames, to: work.appendingPathComponent("credentials").path)
        credentialSnapshot.end()

        // Attachments (content-addressed: each file's name is its SHA-256) and signing keys.
        var attachments = 0
        for path in try BackupFiles.files(under: data.appendingPathComponent("attachments")) where !(path.split(separator: "/").last ?? "").hasPrefix(".") {
            let copied = try BackupFiles.copy(data.appendingPathComponent("attachments/\(path)"), to: work.appendingPathComponent("attachments/\(path)"))
            let name = String(path.split(separator: "/").last ?? "")
            guard copied.sha256 == name else {
                throw BackupRefused(["attachments/\(path): its content's SHA-256 is \(copied.sha256), not its name; the attachment is damaged in the data folder"])
            }
            attachments += 1
        }
        var keyFiles = 0
        for path in try BackupFiles.files(under: data.appendingPathComponent("keys")) {
            _ = try BackupFiles.copy(data.appendingPathComponent("keys/\(path)"), to: work.appendingPathComponent("keys/\(path)"))
            keyFiles += 1
        }

        // The copied log is whole up to the snapshot's head.
        try checkLog(in: work.appendingPathComponent("log"), head: head.position, hash: head.hash.description, removingLockFile: true)

        var files: [BackupManifest.File] = []
        for path in try BackupFiles.files(under: work) {
            let digest = try FileDigest.sha256(of: work.appendingPathComponent(path))
            files.append(BackupManifest.File(path: path, size: digest.size, sha256: digest.sha256))
        }
        let manifest = BackupManifest(
            portalVersion: portalVersion, createdAt: Timestamp(now).description,
            log: .init(headPosition: head.position, headHash: head.hash.description, headRecordedAt: head.recordedAt?.description,
                       events: head.position, streams: logSnapshot.streamCount),
            counts: .init(credentialUsers: credentialCounts["users"] ?? 0, usernames: credentialCounts["usernames"] ?? 0,
                          stagedSecrets: credentialCounts["staged"] ?? 0, jobKeys: credentialCounts["job-keys"] ?? 0,
                          attachments: attachments, signingKeyFiles: keyFiles),
            files: files, notIncluded: notIncluded)
        try BackupFiles.write(try BackupManifest.encoder.encode(manifest), to: work.appendingPathComponent(BackupManifest.fileName))
        BackupFiles.syncFolder(work)
        return manifest
    }

    // MARK: Checking a backup

    /// Checks a backup against its manifest without changing it: every file listed is there with its size and
    /// SHA-256, and no other file is. Throws ``BackupRefused`` naming each file that is missing, truncated,
    /// altered or unexpected, with the expected and the actual size or hash.
    public static func verifyFiles(of backup: URL) throws -> BackupManifest {
        let manifest = try readManifest(backup)
        var problems: [String] = []
        var listed: Set<String> = []
        for file in manifest.files {
            listed.insert(file.path)
            let url = backup.appendingPathComponent(file.path)
            guard FileManager.default.fileExists(atPath: url.path) else {
                problems.append("\(file.path): missing (the manifest lists \(file.size) bytes, SHA-256 \(file.sha256))")
                continue
            }
            let actual = try FileDigest.sha256(of: url)
            if actual.size != file.size {
                problems.append("\(file.path): expected \(file.size) bytes, found \(actual.size)\(actual.size < file.size ? " (truncated)" : "")")
            } else if actual.sha256 != file.sha256 {
                problems.append("\(file.path): expected SHA-256 \(file.sha256), found \(actual.sha256) (altered)")
            }
        }
        for path in try BackupFiles.files(under: backup) where path != BackupManifest.fileName && !listed.contains(path) {
            problems.append("\(path): not in the manifest")
        }
        guard problems.isEmpty else { throw BackupRefused(problems) }
        return manifest
    }

    static func readManifest(_ backup: URL) throws -> BackupManifest {
        let url = backup.appendingPathComponent(BackupManifest.fileName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw BackupRefused(["\(backup.path) has no \(BackupManifest.fileName): it is not a portal backup, or an unfinished one"])
        }
        let manifest: BackupManifest
        do {
            manifest = try JSONDecoder().decode(BackupManifest.self, from: data)
        } catch {
            throw BackupRefused(["\(BackupManifest.fileName): not a portal backup manifest (\(error))"])
        }
        guard manifest.format == BackupManifest.format, manifest.formatVersion == BackupManifest.currentFormatVersion else {
            throw BackupRefused(["\(BackupManifest.fileName): format \(manifest.format) version \(manifest.formatVersion); this portal restores \(BackupManifest.format) version \(BackupManifest.currentFormatVersion)"])
        }
        for file in manifest.files {
            let parts = file.path.split(separator: "/", omittingEmptySubsequences: false)
            guard !file.path.hasPrefix("/"), !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }),
                  file.path.count <= 512, file.sha256.count == 64 else {
                throw BackupRefused(["\(BackupManifest.fileName): names the file '\(file.path)', which is not a path inside the backup"])
            }
        }
        guard manifest.files.contains(where: { $0.path == "log/data.mdb" }) else {
            throw BackupRefused(["\(BackupManifest.fileName): lists no log/data.mdb; a backup without the log cannot be restored"])
        }
        return manifest
    }

    /// Opens the log in `folder` read-only and checks that its head is `head` with chain hash `hash` and that
    /// every event's hash verifies.
    static func checkLog(in folder: URL, head: UInt64, hash: String, removingLockFile: Bool) throws {
        var readOnly = EventLog.Options()
        readOnly.readOnly = true
        let log = try EventLog(directory: folder, options: readOnly)
        defer {
            log.close()
            if removingLockFile { try? FileManager.default.removeItem(at: folder.appendingPathComponent("lock.mdb")) }
        }
        let actual = try log.head()
        guard actual.position == head, actual.hash.description == hash else {
            throw BackupRefused(["log/data.mdb: expected head position \(head) with chain hash \(hash), found position \(actual.position) with \(actual.hash)"])
        }
        let verification = try log.verify()
        guard verification.isIntact else { throw BackupRefused(["log/data.mdb: \(verification)"]) }
    }

    // MARK: Restore

    /// Restores `backup` into `data`, a new or empty folder: the backup is checked against its manifest first
    /// (nothing is written when it fails), copied into a temporary folder beside `data` with every file's hash
    /// checked again, its log opened and its chain verified up to the manifest's head, then renamed into place.
    /// Folders are 0700, files 0600.
    public static func restore(backup: URL, into data: URL) throws -> BackupManifest {
        try requireNewOrEmpty(data, what: "the data folder to restore into")
        let manifest = try verifyFiles(of: backup)
        let work = data.deletingLastPathComponent().appendingPathComponent(".\(data.lastPathComponent).restoring-\(UUID().uuidString)")
        try BackupFiles.makeFolder(work)
        do {
            for file in manifest.files {
                let copied = try BackupFiles.copy(backup.appendingPathComponent(file.path), to: work.appendingPathComponent(file.path))
                guard copied.size == file.size, copied.sha256 == file.sha256 else {
                    throw BackupRefused(["\(file.path): changed while it was restored (expected SHA-256 \(file.sha256), copied \(copied.sha256))"])
                }
            }
            try checkLog(in: work.appendingPathComponent("log"), head: manifest.log.headPosition, hash: manifest.log.headHash, removingLockFile: true)
            for folder in ["credentials", "attachments", "projections", "sessions"] {
                try BackupFiles.makeFolder(work.appendingPathComponent(folder))
            }
            try place(work, at: data)
        } catch {
            try? FileManager.default.removeItem(at: work)
            throw error
        }
        return manifest
    }

    // MARK: Folders

    /// Refuses a folder that exists and holds anything.
    static func requireNewOrEmpty(_ folder: URL, what: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) else { return }
        guard isFolder.boolValue else { throw BackupRefused(["\(folder.path) is a file; \(what) must be a new or empty folder"]) }
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        guard entries.isEmpty else {
            throw BackupRefused(["\(folder.path) is not empty (it holds \(entries.prefix(5).joined(separator: ", "))\(entries.count > 5 ? ", …" : "")); \(what) must be a new or empty folder"])
        }
    }

    /// Renames the finished `work` folder to `target` (replacing an empty folder there) and syncs the parent.
    static func place(_ work: URL, at target: URL) throws {
        if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
        guard rename(work.path, target.path) == 0 else {
            throw BackupRefused(["could not move the finished copy to \(target.path): \(String(cString: strerror(errno)))"])
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: target.path)
        BackupFiles.syncFolder(target.deletingLastPathComponent())
    }
}

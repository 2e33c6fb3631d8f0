import ArgumentParser
import Foundation
import PortalApplication

extension Portal {
    /// `portal backup DEST`: a verified copy of everything a restore needs, taken while the server runs.
    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "backup",
            abstract: "Copy the data folder consistently into DEST (a new or empty folder) while the portal serves, and verify the copy.",
            discussion: """
                Copies the event log (with the deployment's settings), the credential store, conversation \
                attachments and the signing keys (<data>/keys, when present), and writes DEST/manifest.json: the \
                log's head position and chain hash, counts, and each file's size and SHA-256. Read models and \
                sessions are left out (rebuilt from the log; everyone logs in again after a restore). The server \
                keeps serving and appending meanwhile; credential writes wait for a moment while the log's \
                snapshot is taken. Nothing in the data folder changes. Success is reported only once the copy is \
                verified: every file against the manifest, and the copied log's chain up to its head.
                """)

        @OptionGroup var dataFolder: DataFolderOptions

        @Argument(help: "The backup folder to create (it must not exist, or be empty).")
        var destination: String

        func run() throws {
            let target = URL(fileURLWithPath: destination, isDirectory: true).standardizedFileURL
            do {
                let outcome = try DataFolderBackup.backup(dataFolder: dataFolder.folder, to: target, portalVersion: Portal.configuration.version)
                let manifest = outcome.manifest
                print("portal backup: \(dataFolder.folder.path) → \(outcome.folder.path)")
                print("  log: \(manifest.log.events) events up to position \(manifest.log.headPosition), chain hash \(manifest.log.headHash)")
                print("  credentials: \(manifest.counts.credentialUsers) users, \(manifest.counts.jobKeys) job keys; "
                    + "attachments: \(manifest.counts.attachments); signing key files: \(manifest.counts.signingKeyFiles)")
                print("  \(manifest.files.count) files, \(manifest.totalBytes) bytes, each verified against manifest.json")
                print("  manifest.json SHA-256 \(outcome.manifestSHA256) (keep it apart from the backup)")
            } catch let refused as BackupRefused {
                FileHandle.standardError.write(Data("portal backup: no backup was made:\n\(refused)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    /// `portal restore BACKUP --data DIR`: a checked backup brought back into an empty folder.
    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Check a backup against its manifest and restore it into a new or empty data folder.",
            discussion: """
                Refuses a data folder that holds anything, and a backup that is truncated, altered, incomplete or \
                has files its manifest does not list, naming each file with the expected and the actual size or \
                SHA-256; nothing is written then. The restored log's chain is verified up to the manifest's head. \
                Start `portal serve` on the folder afterwards: it rebuilds the read models from the log.
                """)

        @OptionGroup var dataFolder: DataFolderOptions

        @Argument(help: "The backup folder (made by portal backup).")
        var backup: String

        func run() throws {
            let source = URL(fileURLWithPath: backup, isDirectory: true).standardizedFileURL
            do {
                let manifest = try DataFolderBackup.restore(backup: source, into: dataFolder.folder)
                print("portal restore: \(source.path) → \(dataFolder.folder.path)")
                print("  log: \(manifest.log.events) events up to position \(manifest.log.headPosition), chain verified (hash \(manifest.log.headHash))")
                print("  \(manifest.files.count) files checked against manifest.json (backup of \(manifest.createdAt), portal \(manifest.portalVersion))")
                print("  next: portal serve --data \(dataFolder.folder.path) (it rebuilds the read models; everyone logs in again)")
            } catch let refused as BackupRefused {
                FileHandle.standardError.write(Data("portal restore: nothing was restored:\n\(refused)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}

import Foundation
import LMDB
import PortalDomain

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file a user attaches to a conversation message, before it is stored.
public struct AttachmentUpload: Sendable {
    public var fileName: String
    public var mediaType: String
    public var content: Data

    public init(fileName: String, mediaType: String, content: Data) {
        self.fileName = fileName
        self.mediaType = mediaType
        self.content = content
    }
}

/// A stored attachment that cannot be served: missing, or its bytes no longer match their SHA-256.
public struct AttachmentUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    public let sha256: String
    public let message: String

    public var description: String { message }
}

/// Conversation attachments stored content-addressed under `<data>/attachments/<first two hex digits>/<sha256>`
/// (R-CNV). The log holds only an attachment's hash, name, size and media type; the same content is stored
/// once. A file is written to a temporary name, synced, then renamed, and its folder synced, before the
/// event naming it is appended; a file whose event never lands is harmless (nothing refers to it).
public final class AttachmentStore: Sendable {
    public let directory: URL
    /// Largest file accepted, in bytes.
    public let maximumSize: Int

    public init(directory: URL, maximumSize: Int = MessageAttachment.maximumSize) throws {
        self.directory = directory
        self.maximumSize = min(maximumSize, MessageAttachment.maximumSize)
        try PrivateFiles.prepareFolder(directory.path, recursive: true)
    }

    /// Checks and stores an upload, returning what the event records. Refuses (without writing) a file over
    /// the size limit, of a media type not accepted, or with a bad name.
    public func store(_ upload: AttachmentUpload, field: String = "attachments") throws -> MessageAttachment {
        guard upload.content.count <= maximumSize else {
            throw DomainError.invalidValue(
                field: "\(field).size", "\(field): \(upload.fileName) is \(upload.content.count) bytes; the limit is \(maximumSize) bytes")
        }
        let digest = Self.sha256(upload.content)
        let attachment = try MessageAttachment(sha256: digest, fileName: upload.fileName, size: upload.content.count, mediaType: upload.mediaType)
            .validated(field: field)
        let target = url(of: digest)
        if FileManager.default.fileExists(atPath: target.path) { return attachment }
        let folder = target.deletingLastPathComponent()
        try PrivateFiles.prepareFolder(folder.path)
        let temporary = folder.appendingPathComponent(".\(digest).\(UUID().uuidString).partial")
        guard PrivateFiles.createFile(atPath: temporary.path) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary.path])
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.write(contentsOf: upload.content)
            try handle.synchronize()
            try handle.close()
            if rename(temporary.path, target.path) != 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        Self.syncFolder(folder)
        return attachment
    }

    /// The stored bytes of `sha256`, checked against it.
    public func content(of sha256: String) throws -> Data {
        guard sha256.count == 64, sha256.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) }) else {
            throw AttachmentUnavailable(sha256: sha256, message: "'\(sha256)' is not an attachment's SHA-256")
        }
        guard let data = FileManager.default.contents(atPath: url(of: sha256).path) else {
            throw AttachmentUnavailable(sha256: sha256, message: "attachment \(sha256) is not in the attachment store")
        }
        guard Self.sha256(data) == sha256 else {
            throw AttachmentUnavailable(sha256: sha256, message: "attachment \(sha256) is damaged: its content no longer matches its hash")
        }
        return data
    }

    func url(of sha256: String) -> URL {
        directory.appendingPathComponent(String(sha256.prefix(2))).appendingPathComponent(sha256)
    }

    static func sha256(_ data: Data) -> String { Portal.sha256(data) }

    private static func syncFolder(_ folder: URL) {
        let descriptor = open(folder.path, O_RDONLY)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        _ = close(descriptor)
    }
}

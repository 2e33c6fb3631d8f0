import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one-writer lock of a data folder: `<data>/portal.lock`, held with `flock(LOCK_EX)` by the process that
/// writes to the folder (`portal serve`, `portal init`, `portal log append`, `portal simulate`,
/// `portal projections catch-up`), with that process's id and command line written into it.
///
/// The operating system releases the lock when its holder exits, however it exits (a crash or `kill -9`
/// included), so a stale file never blocks a start: only a living holder does. A second writer is refused at
/// once with ``DataFolderInUse``, which names the holder as its file says. Read-only commands (the audit tool,
/// `portal projections status`, `portal log read`) take no lock.
///
/// The file holds no secret; it is created 0600 like every file of the data folder.
public final class DataFolderLock: Sendable {
    /// The lock file's name inside the data folder.
    public static let fileName = "portal.lock"

    public let file: URL
    private let descriptor: Int32
    private let released = Mutex(false)

    /// Takes the folder's lock for `command` (as it should be named to whoever finds the folder in use), or
    /// throws ``DataFolderInUse`` naming the process that holds it. Creates the folder when missing.
    public init(folder: URL, command: String) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        file = folder.appendingPathComponent(Self.fileName)
        let fd = open(file.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw DataFolderInUse(folder: folder, holder: nil, reason: "cannot open \(file.path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.holder(in: file)
            close(fd)
            if code == EWOULDBLOCK {
                throw DataFolderInUse(folder: folder, holder: holder, reason: nil)
            }
            throw DataFolderInUse(folder: folder, holder: nil, reason: "cannot lock \(file.path): \(String(cString: strerror(code)))")
        }
        descriptor = fd
        let started = ISO8601DateFormatter().string(from: Date())
        let line = "pid \(getpid()): \(command) (since \(started))\n"
        _ = ftruncate(fd, 0)
        _ = line.withCString { pwrite(fd, $0, strlen($0), 0) }
        _ = fsync(fd)
    }

    deinit { release() }

    /// Releases the lock (also done when the process exits). The file stays; its contents are stale once no one
    /// holds the lock, and are replaced by the next holder.
    public func release() {
        guard released.withLock({ wasReleased in
            defer { wasReleased = true }
            return !wasReleased
        }) else { return }
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Who holds the lock of `folder` now, as its file says; nil when no process holds it (checked by trying
    /// the lock) or the folder has no lock file.
    public static func currentHolder(of folder: URL) -> String? {
        let file = folder.appendingPathComponent(fileName)
        let fd = open(file.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            _ = flock(fd, LOCK_UN)
            return nil
        }
        return holder(in: file) ?? "another process"
    }

    private static func holder(in file: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}

/// A data folder is in use by another writer (or its lock could not be taken); nothing was written.
public struct DataFolderInUse: Error, Sendable, CustomStringConvertible {
    public let folder: URL
    /// The holder as its lock file names it: `pid 1234: portal serve --port 8080 (since …)`.
    public let holder: String?
    let reason: String?

    public var description: String {
        if let reason { return "the data folder \(folder.path) cannot be locked: \(reason)" }
        return "the data folder \(folder.path) is in use by \(holder ?? "another process") (\(DataFolderLock.fileName)); "
            + "one process writes to a data folder at a time: stop it first, or use a read-only command (portal audit …, portal projections status)"
    }
}

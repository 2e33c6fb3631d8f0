import Foundation
import Synchronization

/// The data folder's files are its owner's alone: folders 0700, files 0600, from creation (the log, the
/// credential store, sessions, read models, attachments). A folder found with wider modes (made by an earlier
/// build, or by hand) is tightened, with a warning on standard error naming what changed.
public enum PrivateFiles {
    public static let folderMode: mode_t = 0o700
    public static let fileMode: mode_t = 0o600

    /// Where the warning goes: standard error as plain text unless a program routes it elsewhere (`portal serve`
    /// sends it to its log, so that `--log-format json` keeps every line one JSON object).
    public static let warnings = Mutex<(@Sendable (String) -> Void)?>(nil)

    /// Makes `path` (and any missing parent) with mode 0700, or tightens an existing one: the folder to 0700
    /// and what it holds (files to 0600, folders to 0700; with `recursive`, everything below it) when group or
    /// others have any permission.
    public static func prepareFolder(_ path: String, recursive: Bool = false) throws {
        var tightened: [String] = []
        try makeFolder(path, tightened: &tightened)
        if let names = try? FileManager.default.contentsOfDirectory(atPath: path) {
            for name in names.sorted() {
                tighten(path + "/" + name, recursive: recursive, tightened: &tightened)
            }
        }
        warn(tightened)
    }

    /// Creates an empty file of mode 0600 at `path` (replacing none): as `FileManager.createFile`, never
    /// readable by others, whatever the umask.
    @discardableResult
    public static func createFile(atPath path: String, contents: Data? = nil) -> Bool {
        FileManager.default.createFile(atPath: path, contents: contents, attributes: [.posixPermissions: Int(fileMode)])
    }

    private static func makeFolder(_ path: String, tightened: inout [String]) throws {
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw CocoaError(.fileWriteFileExists, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "\(path) is not a folder"])
            }
            if info.st_mode & 0o077 != 0, chmod(path, folderMode) == 0 { tightened.append(describe(path, info.st_mode, folderMode)) }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path, parent != "/", stat(parent, &info) != 0 {
            try makeFolder(parent, tightened: &tightened)
        }
        if mkdir(path, folderMode) != 0, errno != EEXIST {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "cannot create \(path): \(String(cString: strerror(errno)))"])
        }
        // mkdir applies the umask; a umask that takes the owner's rights is not obeyed for the data folder.
        _ = chmod(path, folderMode)
    }

    private static func tighten(_ path: String, recursive: Bool, tightened: inout [String]) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            if info.st_mode & 0o077 != 0, chmod(path, folderMode) == 0 { tightened.append(describe(path, info.st_mode, folderMode)) }
            if recursive, let names = try? FileManager.default.contentsOfDirectory(atPath: path) {
                for name in names { tighten(path + "/" + name, recursive: true, tightened: &tightened) }
            }
        case S_IFREG:
            if info.st_mode & 0o077 != 0, chmod(path, fileMode) == 0 { tightened.append(describe(path, info.st_mode, fileMode)) }
        default:
            break
        }
    }

    private static func describe(_ path: String, _ old: mode_t, _ new: mode_t) -> String {
        "\(path) \(String(old & 0o777, radix: 8)) -> \(String(new, radix: 8))"
    }

    private static func warn(_ tightened: [String]) {
        guard !tightened.isEmpty else { return }
        let lines = tightened.prefix(20).map { "  \($0)\n" }.joined() + (tightened.count > 20 ? "  … and \(tightened.count - 20) more\n" : "")
        let message = "the data folder holds secrets and is its owner's alone; tightened the permissions of \(tightened.count) entr\(tightened.count == 1 ? "y" : "ies"):\n\(lines)"
        if let report = warnings.withLock({ $0 }) {
            report(message)
        } else {
            FileHandle.standardError.write(Data(("warning: " + message).utf8))
        }
    }
}

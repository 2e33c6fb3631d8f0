import Foundation
import PortalApplication
import Testing

@Suite("The data folder's one-writer lock")
struct DataFolderLockTests {
    @Test("a second writer is refused at once naming the holder's pid and command; once released (or its process gone) the next one takes it; the file is 0600")
    func oneWriterAtATime() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("portal-lock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try DataFolderLock(folder: folder, command: "portal serve --port 8080")
        #expect(DataFolderLock.currentHolder(of: folder)?.contains("pid \(getpid()): portal serve --port 8080") == true)
        do {
            _ = try DataFolderLock(folder: folder, command: "portal log append")
            Issue.record("a second writer was let in")
        } catch let inUse as DataFolderInUse {
            #expect(inUse.holder?.contains("pid \(getpid()): portal serve --port 8080") == true)
            #expect(inUse.description.contains(folder.path) && inUse.description.contains("portal.lock"), "\(inUse)")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: first.file.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        first.release()
        #expect(DataFolderLock.currentHolder(of: folder) == nil, "a released lock has no holder, whatever the file says")
        let second = try DataFolderLock(folder: folder, command: "portal init")
        #expect(DataFolderLock.currentHolder(of: folder)?.contains("portal init") == true)
        second.release()
    }
}

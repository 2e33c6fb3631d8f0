import Chronology
import Foundation
import HTTPTypes
import LMDB
import PortalApplication
import Synchronization
import Testing
@testable import EventLog
@testable import PortalHTTP
#if canImport(Glibc)
import Glibc
#endif

/// A small tmpfs that the test mounts (root on Linux; the test command runs as root in CI): a real full disk.
final class SmallTmpfs: Sendable {
    let folder: URL

    /// Whether this process may mount one (tried once).
    static let available: Bool = {
        guard let probe = SmallTmpfs(megabytes: 1) else { return false }
        probe.unmount()
        return true
    }()

    init?(megabytes: Int) {
        #if os(Linux)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("portal-tmpfs-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard Glibc.mount("tmpfs", folder.path, "tmpfs", 0, "size=\(megabytes)m,mode=0700") == 0 else {
            try? FileManager.default.removeItem(at: folder)
            return nil
        }
        #else
        return nil
        #endif
    }

    /// Writes a file until the file system has no room left; returns its path.
    func fill() -> String {
        let path = folder.appendingPathComponent("filler").path
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var chunk = [UInt8](repeating: 0x5a, count: 1 << 20)
        while chunk.count >= 512 {
            if write(descriptor, &chunk, chunk.count) < chunk.count { chunk = [UInt8](repeating: 0x5a, count: chunk.count / 2) }
        }
        close(descriptor)
        return path
    }

    func unmount() {
        #if os(Linux)
        _ = umount2(folder.path, Int32(MNT_DETACH))
        #endif
        try? FileManager.default.removeItem(at: folder)
    }
}

@Suite("Storage: a full disk answers 507 with nothing written; the data folder is its owner's alone")
struct StorageTests {
    static let edit = #"{"actual":"2.5","comment":"shorter visits"}"#

    @Test("An append that fails for lack of space (an injected ENOSPC) answers 507 out-of-disk; nothing is written; the same request works next")
    func injectedFullDisk() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let token = try await client.token("super-user-actuals@oasis")
            let (week, _) = RouteTour.openWeek(test)
            let path = "/services/oasis-hs/weeks/\(week)/actuals/cpli-oasis-1"
            let before = try test.head()
            let writer = try #require(test.portal.log.writer)
            writer.injectedFault.withLock { $0 = LMDBStatus(code: ENOSPC, operation: "mdb_txn_commit") }
            let full = try await client.send(.patch, path, token: token, json: Self.edit, headers: ["If-Match": "*"])
            #expect(full.status == 507, "\(full.text)")
            #expect(full.json?["type"] as? String == "urn:portal:problem:out-of-disk")
            #expect((full.json?["detail"] as? String)?.contains("out of disk space, so nothing of this request was written") == true)
            #expect(try test.head() == before)
            let again = try await client.send(.patch, path, token: token, json: Self.edit, headers: ["If-Match": "*"])
            #expect(again.status == 200, "\(again.text)")
            #expect(try test.head() == before + 1)
        }
    }

    @Test("On a full tmpfs the test mounts: edits answer 507 (never 500) with nothing written, and work again once space is freed, without a restart",
          .enabled(if: SmallTmpfs.available, "needs root to mount a tmpfs; the injected fault above covers the answer"))
    func realFullDisk() async throws {
        let tmpfs = try #require(SmallTmpfs(megabytes: 48))
        defer { tmpfs.unmount() }
        let test = try await HTTPTestPortal.demo(folder: tmpfs.folder.appendingPathComponent("data"))
        try await test.run { client in
            let token = try await client.token("super-user-actuals@oasis")
            let (week, _) = RouteTour.openWeek(test)
            let first = try #require(BusinessDate(iso8601: week))
            func monday(_ weeks: Int) -> String { first.adding(days: 7 * weeks).iso8601 }
            let filler = tmpfs.fill()
            // Each edit writes a few pages; the first that needs a page the disk no longer has answers 507.
            var refused: (path: String, head: UInt64)?
            for index in 0..<200 where refused == nil {
                let path = "/services/oasis-hs/weeks/\(monday(index % 4))/actuals/cpli-oasis-1"
                let before = try test.head()
                let answer = try await client.send(.patch, path, token: token, json: #"{"actual":"\#(index % 9).25","comment":"edit \#(index)"}"#,
                                                   headers: ["If-Match": "*"])
                #expect(answer.status == 200 || answer.status == 507, "edit \(index): \(answer.status) \(answer.text)")
                if answer.status == 507 {
                    #expect(answer.json?["type"] as? String == "urn:portal:problem:out-of-disk")
                    #expect(try test.head() == before, "nothing of the refused edit was written")
                    refused = (path, before)
                }
            }
            let (path, head) = try #require(refused, "the disk never filled up")
            #expect(try test.portal.log.verify().isIntact)
            try FileManager.default.removeItem(atPath: filler)
            let again = try await client.send(.patch, path, token: token, json: Self.edit, headers: ["If-Match": "*"])
            #expect(again.status == 200, "after space was freed: \(again.text)")
            #expect(try test.head() == head + 1)
        }
    }

    @Test("A new data folder is 0700 with files 0600 (log, credentials, sessions, read models, attachments); wider modes are tightened at open")
    func fileModes() async throws {
        let test = try await HTTPTestPortal.demo()
        func modes(_ root: URL) -> [(String, mode_t)] {
            var found: [(String, mode_t)] = []
            let enumerator = FileManager.default.enumerator(atPath: root.path)
            var info = stat()
            if stat(root.path, &info) == 0 { found.append((".", info.st_mode)) }
            while let name = enumerator?.nextObject() as? String {
                if lstat(root.appendingPathComponent(name).path, &info) == 0 { found.append((name, info.st_mode)) }
            }
            return found
        }
        let found = modes(test.folder)
        #expect(found.count > 10)
        for (name, mode) in found {
            let expected: mode_t = mode & S_IFMT == S_IFDIR ? 0o700 : 0o600
            #expect(mode & 0o777 == expected, "\(name): \(String(mode & 0o777, radix: 8))")
        }
        for file in ["log/data.mdb", "credentials/data.mdb", "credentials/lock.mdb", "sessions/data.mdb"] {
            #expect(found.contains { $0.0 == file }, "\(file) exists")
        }

        // A folder left with wider modes is tightened when a store opens it.
        let loose = FileManager.default.temporaryDirectory.appendingPathComponent("portal-modes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: loose) }
        let first = try EventLog(directory: loose)
        first.close()
        chmod(loose.path, 0o755)
        chmod(loose.appendingPathComponent("data.mdb").path, 0o644)
        let reopened = try EventLog(directory: loose)
        reopened.close()
        #expect(modes(loose).allSatisfy { $0.1 & 0o777 == ($0.1 & S_IFMT == S_IFDIR ? 0o700 : 0o600) }, "\(modes(loose))")
    }
}


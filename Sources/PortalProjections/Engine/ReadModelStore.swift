import Crypto
import Foundation
import LMDB

/// One generation of one read model: an LMDB environment with the projection's tables, its checkpoint and
/// version, in `projections/<name>/<generation>/`. The file `projections/<name>/CURRENT` names the
/// generation that serves; a rebuild fills a new generation and then replaces `CURRENT` atomically.
final class ReadModelStore: Sendable {
    let projection: any Projection.Type
    let generation: String
    let folder: URL
    let environment: LMDBEnvironment
    let writer: LMDBWriterThread
    let tables: [String: LMDBDatabase]
    let meta: LMDBDatabase

    static let metaTable = "_meta"
    private static let checkpointKey = Array("checkpoint".utf8)
    private static let versionKey = Array("version".utf8)
    /// Why the projection stopped, as JSON; not part of the digest.
    private static let stoppedKey = Array("stopped".utf8)

    /// Opens (creating when missing) the generation `generation` of `projection` under `root`.
    init(projection: any Projection.Type, root: URL, generation: String, readOnly: Bool = false, initialMapSize: Int = 256 << 20) throws {
        self.projection = projection
        self.generation = generation
        self.folder = root.appendingPathComponent(projection.name, isDirectory: true).appendingPathComponent(generation, isDirectory: true)
        if !readOnly { try PrivateFiles.prepareFolder(folder.path) }
        self.environment = try LMDBEnvironment(
            path: folder.path, databases: projection.tables + [Self.metaTable],
            options: .init(initialMapSize: initialMapSize, readOnly: readOnly))
        var tables: [String: LMDBDatabase] = [:]
        for name in projection.tables { tables[name] = environment.database(name) }
        self.tables = tables
        self.meta = environment.database(Self.metaTable)
        self.writer = LMDBWriterThread(environment: environment, name: "projection-\(projection.name)")
        if !readOnly {
            let meta = self.meta
            let version = UInt64(projection.version)
            try writer.writeBlocking { txn in
                if try txn.get(meta, Self.versionKey) == nil {
                    try txn.put(meta, Self.versionKey, .bigEndian(version))
                    try txn.put(meta, Self.checkpointKey, .bigEndian(0))
                }
            }
        }
    }

    /// The last log position applied (0: nothing yet).
    func checkpoint() throws -> UInt64 {
        try environment.read { txn in try txn.get(meta, Self.checkpointKey).map { $0.loadBigEndianUInt64(at: 0) } ?? 0 }
    }

    /// Records why the projection stopped, so that another process's `status` can say it.
    func recordStop(_ stop: ProjectionStopped) throws {
        let meta = self.meta
        let bytes = Array(try JSONEncoder().encode(stop))
        try writer.writeBlocking { txn in try txn.put(meta, Self.stoppedKey, bytes) }
    }

    /// Forgets a recorded stop (the projection is about to be tried again).
    func clearStop() throws {
        let meta = self.meta
        try writer.writeBlocking { txn in _ = try txn.delete(meta, Self.stoppedKey) }
    }

    /// The stop recorded by the engine that last ran the projection, if any.
    func recordedStop() throws -> ProjectionStopped? {
        try environment.read { txn in
            try txn.get(meta, Self.stoppedKey).map { try JSONDecoder().decode(ProjectionStopped.self, from: Data($0)) }
        }
    }

    /// The projection version the tables were built by.
    func storedVersion() throws -> Int {
        try environment.read { txn in Int(try txn.get(meta, Self.versionKey).map { $0.loadBigEndianUInt64(at: 0) } ?? 0) }
    }

    /// Applies `events` (those after the checkpoint) and moves the checkpoint to `through`, in one write
    /// transaction on this store's writer thread: a crash keeps either all of it or none.
    func apply(_ events: [ProjectedEvent], through: UInt64) async throws {
        let projection = self.projection
        let tables = self.tables
        let meta = self.meta
        try await writer.write { txn in
            let checkpoint = try txn.get(meta, Self.checkpointKey).map { $0.loadBigEndianUInt64(at: 0) } ?? 0
            guard through > checkpoint else { return }
            let model = ReadModelWriter(transaction: txn, tables: tables)
            let eventTypes = projection.eventTypes
            // By index: a `for event in events` loop would copy every event for every projection.
            for index in events.indices where events[index].position > checkpoint && events[index].position <= through
                && eventTypes.contains(events[index].type) {
                do {
                    try projection.apply(events[index], to: model)
                } catch let status as LMDBStatus where status.isMapFull {
                    // Not the projection's fault: the writer thread grows the map and runs the batch again.
                    throw status
                } catch {
                    throw ProjectionStopped(projection: projection.name, position: events[index].position,
                                            eventType: events[index].type, reason: "\(error)")
                }
            }
            try model.flush()
            try txn.put(meta, Self.checkpointKey, .bigEndian(through))
        }
    }

    /// Runs `body` in a short read transaction over the read model's tables.
    func read<T>(_ body: (borrowing ReadModelReader) throws -> T) throws -> T {
        let tables = self.tables
        return try environment.read { txn in
            // A named reader: Swift 6.3.1's optimiser crashes inlining a temporary noncopyable argument here.
            let reader = ReadModelReader(transaction: copy txn, tables: tables)
            return try body(reader)
        }
    }

    /// SHA-256 of every table's keys and values in key order, plus the checkpoint and version: equal
    /// digests mean byte-identical read models, whatever the generation or the batch boundaries.
    func digest() throws -> String {
        let names = projection.tables.sorted()
        let tables = self.tables
        let meta = self.meta
        return try environment.read { txn in
            var hasher = SHA256()
            func feed(_ bytes: UnsafeRawBufferPointer) {
                var count = UInt32(bytes.count).bigEndian
                withUnsafeBytes(of: &count) { hasher.update(bufferPointer: $0) }
                hasher.update(bufferPointer: bytes)
            }
            for key in [Self.versionKey, Self.checkpointKey] {
                key.withUnsafeBytes(feed)
                if let value = try txn.get(meta, key) { feed(value) }
            }
            for name in names {
                Array(name.utf8).withUnsafeBytes(feed)
                try txn.withCursor(tables[name]!) { cursor in
                    var entry = try cursor.first()
                    while let current = entry {
                        feed(current.key)
                        feed(current.value)
                        entry = try cursor.next()
                    }
                }
            }
            return hasher.finalize().map { String(format: "%02x", $0) }.joined()
        }
    }

    /// Entries per table (for status and tests).
    func counts() throws -> [String: Int] {
        let tables = self.tables
        return try environment.read { txn in
            var counts: [String: Int] = [:]
            for (name, table) in tables { counts[name] = try txn.count(table) }
            return counts
        }
    }

    func close() {
        writer.close()
        environment.close()
    }

    // MARK: Generations

    /// The generation `CURRENT` names for `projection`, if any.
    static func currentGeneration(of projection: any Projection.Type, root: URL) -> String? {
        let file = root.appendingPathComponent(projection.name).appendingPathComponent("CURRENT")
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        let name = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return name.isEmpty ? nil : name
    }

    /// A new generation name: sortable by creation time, unique.
    static func newGenerationName() -> String {
        let micros = Int64(Date().timeIntervalSince1970 * 1_000_000)
        return "g\(micros)-\(UUID().uuidString.prefix(4).lowercased())"
    }

    /// Makes `generation` the one that serves: writes `CURRENT` through a temporary file and a rename, so a
    /// reader sees the old name or the new one, never a mix; then syncs the folder.
    static func makeCurrent(_ generation: String, of projection: any Projection.Type, root: URL) throws {
        let folder = root.appendingPathComponent(projection.name, isDirectory: true)
        try PrivateFiles.prepareFolder(folder.path)
        let temporary = folder.appendingPathComponent("CURRENT.tmp")
        let handle = try FileHandle(forWritingTo: { () -> URL in
            PrivateFiles.createFile(atPath: temporary.path)
            return temporary
        }())
        try handle.write(contentsOf: Data((generation + "\n").utf8))
        try handle.synchronize()
        try handle.close()
        guard rename(temporary.path, folder.appendingPathComponent("CURRENT").path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: folder.path])
        }
        let directory = open(folder.path, O_RDONLY)
        if directory >= 0 {
            fsync(directory)
            Foundation.close(directory)
        }
    }

    /// Removes every generation of `projection` except `keep`.
    static func removeGenerations(of projection: any Projection.Type, root: URL, except keep: Set<String>) {
        let folder = root.appendingPathComponent(projection.name, isDirectory: true)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix("g") && !keep.contains(name) {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }
}

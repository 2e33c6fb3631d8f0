import Foundation
import LMDB

/// Facts about a log for operators: size, counts and the LMDB environment's state.
public struct LogStatistics: Sendable, Equatable {
    public var directory: String
    public var head: LogHead
    public var eventCount: Int
    public var streamCount: Int
    /// Size of the memory map (grows by itself when full).
    public var mapSize: Int
    /// Bytes of the map in use (pages up to the last one written).
    public var usedBytes: Int
    /// Size of `data.mdb` on disk.
    public var fileSize: Int
    public var pageSize: Int
    public var readersInUse: Int
    public var maximumReaders: Int
    /// Reader slots of crashed processes cleared when this process opened the log.
    public var staleReadersCleared: Int
    public var isReadOnly: Bool
}

extension EventLog {
    public func statistics() throws -> LogStatistics {
        let (head, events, streams) = try environment.read { txn in
            (try Self.readHead(txn, db), try txn.count(db.events), try txn.count(db.streamHeads))
        }
        let usage = environment.usage
        let attributes = try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("data.mdb").path)
        return LogStatistics(
            directory: directory.path, head: head, eventCount: events, streamCount: streams,
            mapSize: environment.mapSize, usedBytes: usage.lastPage * usage.pageSize,
            fileSize: (attributes?[.size] as? NSNumber)?.intValue ?? 0, pageSize: usage.pageSize,
            readersInUse: usage.readersInUse, maximumReaders: usage.maxReaders,
            staleReadersCleared: environment.staleReadersCleared, isReadOnly: environment.isReadOnly)
    }
}

import Foundation

/// The file a generated county is written to, which every store under comparison loads identically.
///
/// Plain UTF-8 text, one event per line, `\n` line ends:
///
/// ```
/// # provider-portal county workload v1<TAB>key=value<TAB>…          (first line: the generator's parameters)
/// <batch><TAB><stream><TAB><id><TAB><type><TAB><schema version><TAB><actor><TAB><acting as><TAB>
///     <correlation id or -><TAB><causation id or -><TAB><occurred at, µs since 1970><TAB><payload JSON>
/// # end<TAB>events=<N><TAB>batches=<B>                                (last line: a truncated file is refused)
/// ```
///
/// Batches are numbered from 1 and appear in order; the payload is the rest of the line (compact JSON, which
/// holds no raw tab or newline). The same seed and scale give the same bytes.
public enum WorkloadFile {
    public static let magic = "# provider-portal county workload v1"

    /// A file that cannot be read: where and why.
    public struct Problem: Error, CustomStringConvertible {
        public var path: String
        public var line: Int
        public var reason: String
        public var description: String { "\(path), line \(line): \(reason)" }
    }

    /// Writes batches of events, buffered.
    public final class Writer {
        private let handle: FileHandle
        private var buffer: [UInt8] = []
        private(set) public var events = 0
        private(set) public var batches = 0
        public let url: URL

        /// Creates (or truncates) the file at `url` and writes the parameter line.
        public init(url: URL, parameters: [(String, String)]) throws {
            self.url = url
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw Problem(path: url.path, line: 0, reason: "cannot create the file")
            }
            handle = try FileHandle(forWritingTo: url)
            buffer.reserveCapacity(1 << 22)
            var header = WorkloadFile.magic
            for (key, value) in parameters { header += "\t\(key)=\(value)" }
            buffer += Array((header + "\n").utf8)
        }

        public func write(_ batch: WorkloadBatch) throws {
            guard !batch.isEmpty else { return }
            batches += 1
            let number = Array(String(batches).utf8)
            for event in batch {
                buffer += number
                for field in [event.streamID, event.id.uuidString.lowercased(), event.type, String(event.schemaVersion), event.actorWho,
                              event.actingAs, event.correlationID?.uuidString.lowercased() ?? "-",
                              event.causationID?.uuidString.lowercased() ?? "-", String(event.occurredAt)] {
                    buffer.append(0x09)
                    guard !field.utf8.contains(where: { $0 == 0x09 || $0 == 0x0A }) else {
                        throw Problem(path: url.path, line: events + 2, reason: "a field holds a tab or newline: \(field)")
                    }
                    buffer += Array(field.utf8)
                }
                buffer.append(0x09)
                guard !event.payload.contains(0x0A) else {
                    throw Problem(path: url.path, line: events + 2, reason: "the payload of \(event.type) holds a newline")
                }
                buffer += event.payload
                buffer.append(0x0A)
                events += 1
            }
            if buffer.count > 1 << 22 { try flush() }
        }

        private func flush() throws {
            try handle.write(contentsOf: buffer)
            buffer.removeAll(keepingCapacity: true)
        }

        /// Writes the trailer and closes the file.
        public func finish() throws {
            buffer += Array("# end\tevents=\(events)\tbatches=\(batches)\n".utf8)
            try flush()
            try handle.close()
        }
    }

    /// The parameters of a workload file (its first line).
    public static func parameters(of url: URL) throws -> [String: String] {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let head = try handle.read(upToCount: 4096) ?? Data()
        guard let line = String(decoding: head, as: UTF8.self).split(separator: "\n", maxSplits: 1).first,
              line.hasPrefix(magic) else {
            throw Problem(path: url.path, line: 1, reason: "not a county workload file (it does not start with '\(magic)')")
        }
        var parameters: [String: String] = [:]
        for field in line.split(separator: "\t").dropFirst() {
            let parts = field.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { parameters[String(parts[0])] = String(parts[1]) }
        }
        return parameters
    }

    /// Reads the file batch by batch, calling `body` with each whole batch in order; checks the trailer.
    /// Returns the number of events read.
    @discardableResult
    public static func forEachBatch(in url: URL, _ body: (WorkloadBatch) async throws -> Void) async throws -> Int {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var lineNumber = 0
        var pending: [UInt8] = []
        var batch: WorkloadBatch = []
        var batchNumber = 0
        var events = 0
        var trailer: String?
        func problem(_ reason: String) -> Problem { Problem(path: url.path, line: lineNumber, reason: reason) }

        func take(_ line: ArraySlice<UInt8>) throws -> WorkloadEvent? {
            lineNumber += 1
            if lineNumber == 1 {
                guard line.starts(with: Array(magic.utf8)) else { throw problem("not a county workload file") }
                return nil
            }
            if line.first == UInt8(ascii: "#") {
                trailer = String(decoding: line, as: UTF8.self)
                return nil
            }
            guard trailer == nil else { throw problem("an event after the end line") }
            var fields: [ArraySlice<UInt8>] = []
            fields.reserveCapacity(11)
            var start = line.startIndex
            var index = line.startIndex
            while index < line.endIndex, fields.count < 10 {
                if line[index] == 0x09 {
                    fields.append(line[start..<index])
                    start = index + 1
                }
                index += 1
            }
            fields.append(line[start..<line.endIndex])
            guard fields.count == 11 else { throw problem("expected 11 tab-separated fields, found \(fields.count)") }
            func text(_ index: Int) -> String { String(decoding: fields[index], as: UTF8.self) }
            func uuid(_ index: Int) throws -> UUID? {
                let value = text(index)
                if value == "-" { return nil }
                guard let id = UUID(uuidString: value) else { throw problem("field \(index + 1) is not a UUID: \(value)") }
                return id
            }
            guard let batch = Int(text(0)), let version = Int(text(4)), let at = Int64(text(9)), let id = try uuid(2) else {
                throw problem("a malformed batch number, id, schema version or time")
            }
            if batch != batchNumber {
                guard batch == batchNumber + 1 else { throw problem("batch \(batch) follows batch \(batchNumber)") }
                batchNumber = batch
            }
            return WorkloadEvent(
                id: id, streamID: text(1), type: text(3), schemaVersion: version, actorWho: text(5), actingAs: text(6),
                correlationID: try uuid(7), causationID: try uuid(8), occurredAt: at, payload: Data(fields[10]))
        }

        var currentBatch = 0
        while let chunk = try handle.read(upToCount: 1 << 22), !chunk.isEmpty {
            pending += chunk
            var lineStart = pending.startIndex
            while let newline = pending[lineStart...].firstIndex(of: 0x0A) {
                if let event = try take(pending[lineStart..<newline]) {
                    if batchNumber != currentBatch, !batch.isEmpty {
                        try await body(batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                    currentBatch = batchNumber
                    batch.append(event)
                    events += 1
                }
                lineStart = newline + 1
            }
            pending.removeSubrange(pending.startIndex..<lineStart)
        }
        if !batch.isEmpty { try await body(batch) }
        guard pending.isEmpty else { lineNumber += 1; throw problem("the file ends inside a line (truncated?)") }
        guard let trailer else { throw problem("the file has no end line (truncated?)") }
        guard trailer == "# end\tevents=\(events)\tbatches=\(batchNumber)" else {
            throw problem("the end line says '\(trailer)' but the file holds \(events) events in \(batchNumber) batches")
        }
        return events
    }
}

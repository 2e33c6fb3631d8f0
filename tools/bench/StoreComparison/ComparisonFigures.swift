import Foundation

/// What one store measured in a comparison run: the figures of every phase, as JSON for the report.
/// Times are seconds or milliseconds of wall-clock time (these are measurements, not amounts).
public struct StoreFigures: Codable, Sendable {
    public struct Throughput: Codable, Sendable {
        public var events: Int
        public var seconds: Double
        public var perSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }

        public init(events: Int, seconds: Double) {
            self.events = events
            self.seconds = seconds
        }
    }

    public struct Latencies: Codable, Sendable {
        public var count: Int
        public var seconds: Double
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        public var perSecond: Double { seconds > 0 ? Double(count) / seconds : 0 }

        public init(_ samples: [Duration], seconds: Double) {
            let sorted = samples.map(Measure.milliseconds).sorted()
            count = samples.count
            self.seconds = seconds
            p50Milliseconds = Measure.percentile(sorted, 0.50)
            p99Milliseconds = Measure.percentile(sorted, 0.99)
        }
    }

    public var store: String
    public var diskAccounting: String
    public var load: Throughput
    public var bytesOnDisk: Int64
    public var bytesPerEvent: Double
    public var readAll: Throughput
    public var invoiceHistory: Latencies
    public var rebuild: Throughput
    public var readModels: ReadModelSummary
    public var singleWriterAppends: Latencies
    public var concurrentWriters: Int
    public var concurrentAppends: Latencies
    /// The atomic append of one period's bulk import (its events, in one transaction).
    public var importAppend: Throughput?
    /// The whole bulk import through the product's application (CSV parsing, validation, decision, append); the
    /// product's figure only.
    public var importThroughProduct: Throughput?
    /// The process's peak resident memory (VmHWM): its heap and the pages of memory-mapped files it touched
    /// (for this product's log, the LMDB map: page cache the kernel can reclaim, shared with other readers).
    public var peakResidentBytes: Int64
    /// The process's peak anonymous memory (RssAnon, sampled every 100 ms): its heap, without mapped files.
    public var peakAnonymousBytes: Int64
    /// Events the store holds at the end (the load, the appends and the import).
    public var eventsAtEnd: Int
}

/// Samples the process's anonymous memory on a thread of its own and keeps the peak.
public final class AnonymousMemoryPeak: @unchecked Sendable {
    private let lock = NSLock()
    private var peak: Int64 = 0
    private var running = true

    public init() {
        let thread = Thread { [self] in
            while self.isRunning {
                self.note(Measure.anonymousResidentBytes())
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        thread.start()
    }

    private var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return running
    }

    private func note(_ bytes: Int64) {
        lock.lock()
        peak = max(peak, bytes)
        lock.unlock()
    }

    /// Stops sampling; the peak seen.
    public func stop() -> Int64 {
        note(Measure.anonymousResidentBytes())
        lock.lock()
        defer { lock.unlock() }
        running = false
        return peak
    }
}

/// Small measuring helpers shared by the stores.
public enum Measure {
    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    public static func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1000 }

    /// The value at fraction `q` of sorted samples (nearest rank).
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    /// This process's peak resident set size in bytes, from `/proc/self/status` (0 where unavailable).
    public static func peakResidentBytes() -> Int64 {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").dropFirst().first.flatMap { Int64($0) } ?? 0
            return digits * 1024
        }
        return 0
    }

    /// This process's anonymous resident memory now (RssAnon of `/proc/self/status`; 0 where unavailable).
    public static func anonymousResidentBytes() -> Int64 {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("RssAnon:") {
            return (line.split(separator: " ").dropFirst().first.flatMap { Int64($0) } ?? 0) * 1024
        }
        return 0
    }

    /// Bytes allocated on disk to the files under `url` (a file or a folder).
    public static func allocatedBytes(_ url: URL) -> Int64 {
        var total: Int64 = 0
        func add(_ path: String) {
            var info = stat()
            if stat(path, &info) == 0 { total += Int64(info.st_blocks) * 512 }
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else { return 0 }
        if !isFolder.boolValue {
            add(url.path)
        } else if let enumerator = FileManager.default.enumerator(atPath: url.path) {
            for case let name as String in enumerator { add(url.appendingPathComponent(name).path) }
        }
        return total
    }
}

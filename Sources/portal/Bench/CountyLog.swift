import EventLog
import Foundation
import PortalProjections

/// The generated county log the benchmarks measure: made once in `<data>/log` with ``CountyHistory``, reused
/// when the folder already holds a log.
enum CountyLog {
    /// Generates a county's history of at least `events` events into `logFolder` unless a log is there already;
    /// prints what it did.
    static func ensure(at logFolder: URL, events: Int, organisations: Int) async throws {
        guard !FileManager.default.fileExists(atPath: logFolder.appendingPathComponent("data.mdb").path) else { return }
        let log = try EventLog(directory: logFolder)
        defer { log.close() }
        var county = CountyHistory(size: .init(organisations: organisations))
        let started = ContinuousClock.now
        let progress = ProgressLine(verb: "generated")
        try await county.generate(into: log, events: events) { written in
            progress.report(RebuildProgress(done: UInt64(written), total: UInt64(events), elapsed: ContinuousClock.now - started))
        }
        progress.finish()
        let elapsed = ContinuousClock.now - started
        print("generated \(county.written) events in \(String(format: "%.1f", Measurement.seconds(elapsed))) s "
            + "(\(Measurement.rate(county.written, elapsed)), appended in multi-stream batches of about 4000)")
    }

    /// The log in `logFolder`, opened read-only.
    static func openReadOnly(_ logFolder: URL) throws -> EventLog {
        var options = EventLog.Options()
        options.readOnly = true
        return try EventLog(directory: logFolder, options: options)
    }
}

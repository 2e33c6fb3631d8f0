import CountyWorkload
import EventLog
import Foundation
import PortalProjections

/// The generated county log the benchmarks measure: made once in `<data>/log` from the county workload
/// (``CountyWorkload``, the same as `portal bench county` writes), reused when the folder already holds a log.
enum CountyLog {
    /// Generates a county's history of at least `events` events (whole periods) into `logFolder` unless a log is
    /// there already; prints what it did.
    static func ensure(at logFolder: URL, events: Int, organisations: Int) async throws {
        guard !FileManager.default.fileExists(atPath: logFolder.appendingPathComponent("data.mdb").path) else { return }
        let log = try EventLog(directory: logFolder)
        defer { log.close() }
        let county = CountyWorkload(scale: CountyScale(factor: Double(organisations) / 200, periods: 1_000))
        let started = ContinuousClock.now
        let progress = ProgressLine(verb: "generated")
        let summary = try await county.generate(stopAfter: events, progress: { _, written in
            progress.report(RebuildProgress(done: UInt64(written), total: UInt64(max(events, written)), elapsed: ContinuousClock.now - started))
        }) { batch in try await log.append(LogStore.appends(batch) { _ in .any }) }
        progress.finish()
        let elapsed = ContinuousClock.now - started
        print("generated \(summary.events) events (\(summary.periods) periods of \(summary.providers) providers) in "
            + "\(String(format: "%.1f", Measurement.seconds(elapsed))) s (\(Measurement.rate(summary.events, elapsed)), one append per workload batch)")
    }

    /// The log in `logFolder`, opened read-only.
    static func openReadOnly(_ logFolder: URL) throws -> EventLog {
        var options = EventLog.Options()
        options.readOnly = true
        return try EventLog(directory: logFolder, options: options)
    }
}

import ArgumentParser
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

/// The options of the benchmarks that measure a generated county log: where it is, and how large to make it
/// when it is not there yet.
struct CountyLogOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Data folder holding (or to hold) the log (default: a new temporary folder, removed after).", valueName: "dir"))
    var data: String?

    @Option(help: "Events to generate when the folder has no log.")
    var events: Int = 1_000_000

    @Option(help: "Provider organisations in the generated county (200 is scale 1).")
    var organisations: Int = 200

    func validate() throws {
        if events < 1 { throw ValidationError("--events must be at least 1") }
        if organisations < 1 { throw ValidationError("--organisations must be at least 1") }
    }

    /// The data folder: `--data`, or a new temporary one that ``removeIfTemporary(_:)`` removes.
    func folder() -> URL {
        data.map { URL(fileURLWithPath: $0, isDirectory: true).standardizedFileURL }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("portal-bench-\(UUID().uuidString)", isDirectory: true)
    }

    func removeIfTemporary(_ folder: URL) {
        if data == nil { try? FileManager.default.removeItem(at: folder) }
    }

    /// The log folder inside `folder`, generated first unless it holds a log.
    func ensureLog(in folder: URL) async throws -> URL {
        let logFolder = folder.appendingPathComponent("log", isDirectory: true)
        try await CountyLog.ensure(at: logFolder, events: events, organisations: organisations)
        return logFolder
    }
}

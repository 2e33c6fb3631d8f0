import Foundation
import PortalProjections
import Synchronization

/// Progress of a long command on standard error: on a terminal one line that updates in place (events done,
/// rate, time left); otherwise a plain line at most every few seconds, and a last one at the end.
final class ProgressLine: Sendable {
    /// The environment variable that sets the interval between lines in milliseconds (0: every report), in
    /// place of 200 ms on a terminal and 5 s otherwise. For tests, which cannot wait seconds for a line.
    static let intervalVariable = "PORTAL_PROGRESS_INTERVAL_MS"

    private let verb: String
    private let isTerminal: Bool
    private let interval: Duration
    private let last = Mutex<(printed: ContinuousClock.Instant?, progress: RebuildProgress?)>((nil, nil))

    init(verb: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.verb = verb
        let terminal = isatty(STDERR_FILENO) != 0
        isTerminal = terminal
        if let text = environment[Self.intervalVariable], let milliseconds = Int(text), milliseconds >= 0 {
            interval = .milliseconds(milliseconds)
        } else {
            interval = terminal ? .milliseconds(200) : .seconds(5)
        }
    }

    func report(_ progress: RebuildProgress) {
        let now = ContinuousClock.now
        let due = last.withLock { last -> Bool in
            last.progress = progress
            guard last.printed.map({ now - $0 >= interval }) ?? true else { return false }
            last.printed = now
            return true
        }
        if due { write(progress, final: false) }
    }

    /// The last figures, on their own line.
    func finish() {
        guard let progress = last.withLock({ $0.progress }) else { return }
        write(progress, final: true)
    }

    private func write(_ progress: RebuildProgress, final: Bool) {
        let percent = progress.total > 0 ? Double(progress.done) * 100 / Double(progress.total) : 100
        var text = "\(verb) \(progress.done) of \(progress.total) events (\(String(format: "%.1f", percent))%), "
            + "\(String(format: "%.0f", progress.rate)) events/s"
        if !final, let left = progress.secondsLeft { text += ", \(Self.duration(left)) left" }
        if final { text += ", in \(Self.duration(Double(progress.elapsed.components.seconds) + Double(progress.elapsed.components.attoseconds) / 1e18))" }
        let line = isTerminal ? "\r\u{1B}[K" + text + (final ? "\n" : "") : text + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let whole = Int(seconds.rounded())
        return whole < 3600 ? "\(whole / 60)m\(String(format: "%02d", whole % 60))s" : "\(whole / 3600)h\(String(format: "%02d", whole % 3600 / 60))m"
    }
}

import CoreMetrics
import Foundation
import Metrics
import PortalApplication
import Prometheus
import Synchronization

/// The portal's Prometheus metrics: Hummingbird's request counters and durations by route, method and
/// status (through swift-metrics), the latency of each command's append to the log by outcome, the commands
/// by outcome, and the lag of each read model behind the log's head.
public final class PortalMetrics: Sendable {
    /// One registry per process: swift-metrics is bootstrapped once, so every server of the process (tests
    /// run several) reports into it.
    public static let shared = PortalMetrics()

    public let registry: PrometheusCollectorRegistry
    private let appendDuration: Mutex<[String: DurationHistogram]> = Mutex([:])
    private let commandCounters: Mutex<[String: Prometheus.Counter]> = Mutex([:])
    private let lagGauges: Mutex<[String: Prometheus.Gauge]> = Mutex([:])
    private let jobCounters: Mutex<[String: Prometheus.Counter]> = Mutex([:])

    private init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    private init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// The portal's own metrics in a registry of their own, apart from the process's (Hummingbird's request
    /// metrics stay in the registry swift-metrics was bootstrapped with): for a test that counts samples while
    /// other servers of the process record theirs.
    public static func isolated() -> PortalMetrics {
        PortalMetrics(registry: PrometheusCollectorRegistry())
    }

    static let appendBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
    ]

    /// Records how long one append of `command` to the log took — the atomic append alone, not the loading,
    /// deciding or answering around it — and how it ended (a conflict is followed by another attempt).
    public func recordAppend(_ command: String, outcome: AppendOutcome, duration: Duration) {
        let key = "\(command)|\(outcome.rawValue)"
        let histogram = appendDuration.withLock { histograms in
            if let existing = histograms[key] { return existing }
            let made = registry.makeDurationHistogram(
                name: "portal_append_duration_seconds", labels: [("command", command), ("outcome", outcome.rawValue)],
                buckets: Self.appendBuckets,
                help: "Time of one atomic append of a command to the event log, by outcome (committed, conflict, failed)")
            histograms[key] = made
            return made
        }
        histogram.record(duration)
    }

    /// How a write request's command ended.
    public enum CommandOutcome: String, Sendable {
        /// It appended events.
        case committed
        /// It was allowed but changed nothing (an edit equal to the line, a retried request).
        case unchanged
        /// Refused: bad input, a rule, a permission, a stale ETag (a 4xx answer).
        case refused
        /// The portal failed (a 5xx answer).
        case failed
    }

    /// Counts one write request's command by outcome.
    public func countCommand(_ command: String, outcome: CommandOutcome) {
        let key = "\(command)|\(outcome.rawValue)"
        let counter = commandCounters.withLock { counters in
            if let existing = counters[key] { return existing }
            let made = registry.makeCounter(name: "portal_commands_total", labels: [("command", command), ("outcome", outcome.rawValue)],
                                            help: "Write requests by command and outcome (committed, unchanged, refused, failed)")
            counters[key] = made
            return made
        }
        counter.increment()
    }

    /// Counts one request made with a job's API key, by job and status: machine accounts' use, as the request log
    /// names them.
    public func countJobRequest(job: String, status: Int) {
        let key = "\(job)|\(status)"
        let counter = jobCounters.withLock { counters in
            if let existing = counters[key] { return existing }
            let made = registry.makeCounter(name: "portal_job_requests_total", labels: [("job", job), ("status", String(status))],
                                            help: "Requests made with a job's API key, by job and status")
            counters[key] = made
            return made
        }
        counter.increment()
    }

    /// Sets a read model's lag behind the log's head, in events.
    public func setProjectionLag(_ projection: String, events: UInt64) {
        let gauge = lagGauges.withLock { gauges in
            if let existing = gauges[projection] { return existing }
            let made = registry.makeGauge(name: "portal_projection_lag_events", labels: [("projection", projection)],
                                          help: "Events of the log not yet applied by the read model")
            gauges[projection] = made
            return made
        }
        gauge.set(Double(events))
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 << 10)
        registry.emit(into: &buffer)
        return buffer
    }
}

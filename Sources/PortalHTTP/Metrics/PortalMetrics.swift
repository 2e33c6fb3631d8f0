import CoreMetrics
import Foundation
import Metrics
import Prometheus
import Synchronization

/// The portal's Prometheus metrics: Hummingbird's request counters and durations by route, method and
/// status (through swift-metrics), the latency of commands that append to the log, and the lag of each
/// read model behind the log's head.
public final class PortalMetrics: Sendable {
    /// One registry per process: swift-metrics is bootstrapped once, so every server of the process (tests
    /// run several) reports into it.
    public static let shared = PortalMetrics()

    public let registry: PrometheusCollectorRegistry
    private let commandDuration: Mutex<[String: DurationHistogram]> = Mutex([:])
    private let lagGauges: Mutex<[String: Prometheus.Gauge]> = Mutex([:])

    private init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    static let appendBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
    ]

    /// Records how long a command that appends to the log took, from load to committed append.
    public func recordCommand(_ name: String, duration: Duration) {
        let histogram = commandDuration.withLock { histograms in
            if let existing = histograms[name] { return existing }
            let made = registry.makeDurationHistogram(
                name: "portal_append_duration_seconds", labels: [("command", name)], buckets: Self.appendBuckets,
                help: "Time of a command that appends to the event log: load, decide, committed append")
            histograms[name] = made
            return made
        }
        histogram.record(duration)
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

import ArgumentParser
import Foundation

extension Portal {
    /// `portal bench …`: measurements on this machine. Speed is measured here, never asserted in tests.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench",
            abstract: "Measure the product on this machine.",
            subcommands: [LogBenchmark.self, ProjectionBenchmark.self, AuditBenchmark.self, ServiceReadsBenchmark.self, CountyBenchmark.self, StoreBenchmark.self, ImportBenchmark.self]
        )
    }
}

/// Durations and rates for reports.
struct Measurement {
    /// Seconds as a floating-point number: only for reporting measured times, never for money.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The p-th percentile (0…100) of sorted samples.
    static func percentile(_ sorted: [Duration], _ p: Double) -> Duration {
        guard !sorted.isEmpty else { return .zero }
        let rank = Int((p / 100 * Double(sorted.count - 1)).rounded(.up))
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.3f ms", seconds(duration) * 1000)
    }

    static func rate(_ count: Int, _ duration: Duration) -> String {
        let s = seconds(duration)
        return s > 0 ? String(format: "%.0f/s", Double(count) / s) : "-"
    }

    /// The CPU time this thread has used: what one core spent on it, whatever else the machine was running.
    static func threadCPUTime() -> Duration {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
    }

    /// Runs `body` on this thread, returning its result with the wall-clock and this thread's CPU time it took.
    static func timed<T>(_ body: () throws -> T) rethrows -> (value: T, wall: Duration, cpu: Duration) {
        let cpu = threadCPUTime()
        let wall = ContinuousClock.now
        let value = try body()
        return (value, ContinuousClock.now - wall, threadCPUTime() - cpu)
    }
}

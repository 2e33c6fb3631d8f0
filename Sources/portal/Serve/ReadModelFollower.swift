import Foundation
import Logging
import PortalProjections
import ServiceLifecycle

/// The read models' follower as a service of `portal serve`: catches up in the background the read models that
/// are behind (or rebuilds those of a new version), then follows the log, until graceful shutdown. Progress is
/// logged every few seconds, and once every read model is ready, with the time since the process started.
///
/// A follower that fails does not take the server down (logins, single records and writes still work): the
/// failure is logged, recorded for `/health` (which then answers 503, `degraded`, naming it), and the service
/// waits for shutdown.
struct ReadModelFollower: ServiceLifecycle.Service {
    let engine: ProjectionEngine
    let logger: Logger
    /// When the process started, for the time-to-ready line.
    let processStart: ContinuousClock.Instant
    var progressInterval: Duration = .seconds(5)

    func run() async throws {
        let statuses = try engine.status()
        let behind = statuses.filter { $0.phase != .ready }
        if behind.isEmpty {
            logger.info("read models ready", metadata: ["readModels": "\(statuses.count)"])
        } else {
            for status in behind {
                logger.info("read model behind the log; catching up in the background", metadata: [
                    "readModel": "\(status.name)", "checkpoint": "\(status.checkpoint)", "lag": "\(status.lag)",
                    "rebuilding": "\(status.rebuilding)"])
            }
        }
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await engine.follow() }
                    if !behind.isEmpty { group.addTask { try await reportUntilReady() } }
                    while try await group.next() != nil {}
                }
            }
            logger.info("read models: stopped following the log")
        } catch is CancellationError {
            logger.info("read models: stopped following the log")
        } catch {
            logger.error("read models: the follower failed; lists answer 503 until a restart (see /health)", metadata: ["error": "\(error)"])
            engine.recordFollowerFailure(error)
            try? await gracefulShutdown()
        }
    }

    /// Logs the background catch-up's progress every `progressInterval`, and the moment every read model is
    /// ready (or stopped).
    private func reportUntilReady() async throws {
        var lastReport = ContinuousClock.now
        while true {
            try await Task.sleep(for: .milliseconds(100))
            let statuses = try engine.status()
            let waiting = statuses.filter { $0.phase == .catchingUp }
            if waiting.isEmpty {
                let elapsed = ContinuousClock.now - processStart
                let stopped = statuses.filter { if case .stopped = $0.phase { true } else { false } }.map(\.name)
                logger.info("read models ready", metadata: [
                    "secondsSinceStart": "\(String(format: "%.2f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))",
                    "stopped": "\(stopped.joined(separator: ","))"])
                return
            }
            if ContinuousClock.now - lastReport >= progressInterval {
                lastReport = ContinuousClock.now
                let progress = engine.catchUpProgress
                logger.info("read models catching up", metadata: [
                    "readModels": "\(waiting.map(\.name).joined(separator: ","))",
                    "applied": "\(progress?.done ?? 0)", "of": "\(progress?.total ?? 0)",
                    "eventsPerSecond": "\(Int(progress?.rate ?? 0))",
                    "secondsLeft": "\(progress?.secondsLeft.map { String(Int($0)) } ?? "?")"])
            }
        }
    }
}

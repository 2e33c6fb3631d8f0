import EventLog
import Hummingbird
import NIOCore
import PortalProjections

/// `/health` (liveness, the log's head, each read model's checkpoint and lag) and `/metrics` (Prometheus
/// text). Neither needs a token: they hold no portal data.
struct OperationsRoutes {
    let api: PortalAPI

    struct Health: Encodable {
        struct ReadModel: Encodable {
            var name: String
            var checkpoint: UInt64
            var lag: UInt64
            /// `catching-up`, `rebuilding` (from position 1, in the background), `ready` or `stopped`.
            var phase: String
            /// Share of the log applied, 0–100.
            var percent: Int
            /// Where a stopped read model stopped: the event's position and type, and why.
            var stoppedAt: UInt64?
            var eventType: String?
            var reason: String?
        }

        /// `ok`; `starting` while a read model catches up or is rebuilt in the background; `degraded` when one
        /// stopped or the follower failed (503).
        var status: String
        /// True when every read model has caught up with the log and none stopped.
        var ready: Bool
        var logHead: UInt64
        /// Why the read models stopped following the log, when they did.
        var follower: String?
        var readModels: [ReadModel]
    }

    func register(on router: Router<PortalRequestContext>) {
        router.get("/health") { _, _ in try health() }
        router.get("/metrics") { _, _ in metrics() }
    }

    func readModels() throws -> [Health.ReadModel] {
        guard let engine = api.readModels?.engine else { return [] }
        return try engine.status().map { status in
            api.metrics.setProjectionLag(status.name, events: status.lag)
            let head = status.checkpoint + status.lag
            var model = Health.ReadModel(name: status.name, checkpoint: status.checkpoint, lag: status.lag, phase: "ready",
                                         percent: head == 0 ? 100 : Int(min(100, status.checkpoint * 100 / head)))
            switch status.phase {
            case .catchingUp: model.phase = status.rebuilding ? "rebuilding" : "catching-up"
            case .ready: break
            case .stopped(let stop):
                model.phase = "stopped"
                model.stoppedAt = stop.position
                model.eventType = stop.eventType
                model.reason = stop.reason
            }
            return model
        }
    }

    func health() throws -> Reply {
        let models = try readModels()
        let follower = api.readModels?.engine.followerFailure
        let degraded = follower != nil || models.contains { $0.phase == "stopped" }
        let starting = models.contains { $0.phase == "catching-up" || $0.phase == "rebuilding" }
        let health = Health(status: degraded ? "degraded" : starting ? "starting" : "ok",
                            ready: !degraded && models.allSatisfy { $0.phase == "ready" && $0.lag == 0 },
                            logHead: try api.log.head().position, follower: follower, readModels: models)
        return try api.json(health, status: degraded ? .serviceUnavailable : .ok)
    }

    func metrics() -> Reply {
        _ = try? readModels()
        return Reply(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ByteBuffer(bytes: api.metrics.exposition()))
    }
}

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
            var phase: String
        }

        /// `ok`, or `degraded` when a read model stopped.
        var status: String
        /// True when every read model has caught up with the log and none stopped.
        var ready: Bool
        var logHead: UInt64
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
            let phase: String
            switch status.phase {
            case .catchingUp: phase = "catching-up"
            case .ready: phase = "ready"
            case .stopped: phase = "stopped"
            }
            return Health.ReadModel(name: status.name, checkpoint: status.checkpoint, lag: status.lag, phase: phase)
        }
    }

    func health() throws -> Reply {
        let models = try readModels()
        let stopped = models.contains { $0.phase == "stopped" }
        let health = Health(status: stopped ? "degraded" : "ok", ready: !stopped && models.allSatisfy { $0.lag == 0 },
                            logHead: try api.log.head().position, readModels: models)
        return try api.json(health, status: stopped ? .serviceUnavailable : .ok)
    }

    func metrics() -> Reply {
        _ = try? readModels()
        return Reply(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ByteBuffer(bytes: api.metrics.exposition()))
    }
}

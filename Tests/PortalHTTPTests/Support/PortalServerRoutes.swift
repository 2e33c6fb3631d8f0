import HTTPTypes
import Hummingbird
import PortalHTTP

/// The routes the real router registers, as `METHOD /path/{parameter}`.
enum PortalServerRoutes {
    static func all(_ test: HTTPTestPortal) -> [String] {
        PortalServer.router(test.api).routes.map { "\($0.method.rawValue) \($0.path)" }
    }
}

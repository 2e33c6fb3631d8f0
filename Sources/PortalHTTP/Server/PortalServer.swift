import Hummingbird
import Logging
import PortalApplication

/// The portal's HTTP server: the router with every route, its middleware (metrics, request logs with the
/// request id, problem+json errors, sessions), and the Hummingbird application on a host and port.
public enum PortalServer {
    /// The router of the API. Middleware order: metrics (outermost, so it sees the final status), the request
    /// id header, request logging (method and path only, never a header or body), problems, sessions.
    public static func router(_ api: PortalAPI) -> Router<PortalRequestContext> {
        let router = Router(context: PortalRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: LogRequestsMiddleware(.info))
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: SessionAuthenticator(api: api))
        OperationsRoutes(api: api).register(on: router)
        AuthenticationRoutes(api: api).register(on: router)
        RegisterRoutes(api: api).register(on: router)
        ContactRoutes(api: api).register(on: router)
        ContractDocumentRoutes(api: api).register(on: router)
        ActualsRoutes(api: api).register(on: router)
        InvoiceRoutes(api: api).register(on: router)
        PaymentRoutes(api: api).register(on: router)
        ClaimRoutes(api: api).register(on: router)
        ConversationRoutes(api: api).register(on: router)
        ReferenceDataRoutes(api: api).register(on: router)
        JobKeyRoutes(api: api).register(on: router)
        return router
    }

    /// The Hummingbird application serving `api` on `host`:`port`.
    /// `onListening` gets `host:port` once the server listens (port 0 picks a free port).
    public static func application(
        _ api: PortalAPI, host: String = "127.0.0.1", port: Int = 8080, logger: Logger = Logger(label: "portal.http"),
        onListening: @escaping @Sendable (String) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(api),
            configuration: .init(address: .hostname(host, port: port), serverName: "provider-portal"),
            onServerRunning: { channel in
                let address = channel.localAddress
                await onListening("\(address?.ipAddress ?? host):\(address?.port ?? port)")
            },
            logger: logger)
    }
}

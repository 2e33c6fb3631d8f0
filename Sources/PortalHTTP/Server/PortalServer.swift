import Hummingbird
import Logging
import PortalApplication
import ServiceLifecycle

/// The portal's HTTP server: the router with every route, its middleware (metrics, request logs with the
/// request id, problem+json errors, sessions), and the Hummingbird application on a host and port.
public enum PortalServer {
    /// The router of the API. Middleware order: metrics (outermost, so it sees the final status), the security
    /// headers of every response, the request id header, the request line (method, route pattern, status,
    /// duration, client; never a header or body), problems, sessions. `pages` adds routes of another module on
    /// the same router and middleware (the web pages).
    public static func router(_ api: PortalAPI, pages: (Router<PortalRequestContext>) -> Void = { _ in }) -> Router<PortalRequestContext> {
        let router = Router(context: PortalRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: RequestLogMiddleware(trustsProxy: api.settings.trustsProxy))
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: SessionAuthenticator(api: api))
        OperationsRoutes(api: api).register(on: router)
        ContractRoutes().register(on: router)
        AuthenticationRoutes(api: api).register(on: router)
        RegisterRoutes(api: api).register(on: router)
        ContactRoutes(api: api).register(on: router)
        ContractDocumentRoutes(api: api).register(on: router)
        ActualsRoutes(api: api).register(on: router)
        InvoiceRoutes(api: api).register(on: router)
        WorklistRoutes(api: api).register(on: router)
        InvoiceHistoryRoutes(api: api).register(on: router)
        EvidenceRoutes(api: api).register(on: router)
        PaymentRoutes(api: api).register(on: router)
        ClaimRoutes(api: api).register(on: router)
        ConversationRoutes(api: api).register(on: router)
        ConversationEntityRoutes(api: api).register(on: router)
        AttentionRoutes(api: api).register(on: router)
        ReferenceDataRoutes(api: api).register(on: router)
        JobKeyRoutes(api: api).register(on: router)
        pages(router)
        return router
    }

    /// The Hummingbird application serving `api` on `host`:`port`, with `services` (the read-model follower) in
    /// its service group: they start before the server, and on graceful shutdown the server stops first (no new
    /// connection; requests in flight finish), then the services, in reverse order.
    /// `onListening` gets `host:port` once the server listens (port 0 picks a free port).
    public static func application(
        _ api: PortalAPI, host: String = "127.0.0.1", port: Int = 8080, logger: Logger = Logger(label: "portal.http"),
        pages: (Router<PortalRequestContext>) -> Void = { _ in },
        services: [any Service] = [],
        onListening: @escaping @Sendable (String) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(api, pages: pages),
            configuration: .init(address: .hostname(host, port: port), serverName: "provider-portal"),
            services: services,
            onServerRunning: { channel in
                let address = channel.localAddress
                await onListening("\(address?.ipAddress ?? host):\(address?.port ?? port)")
            },
            logger: logger)
    }
}

import Hummingbird
import Logging
import PortalDomain

/// The context of one request: Hummingbird's core storage, the session's actor once authenticated, and the
/// largest body the portal reads.
public struct PortalRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The actor of the bearer token's session, checked against the user's stream on this request.
    public var actor: Actor?
    /// The session's user, also when the actor may only change their password (R-ACC-1, R-ACC-5).
    public var sessionUser: UserID?
    /// Why the session's user may not act now although the session is valid: a first or expired password
    /// to change first (R-ACC-1, R-ACC-5).
    public var accessProblem: Problem?
    /// Largest request body in bytes (413 beyond it).
    public var maxUploadSize: Int

    public init(source: Source) {
        coreContext = .init(source: source)
        actor = nil
        sessionUser = nil
        accessProblem = nil
        maxUploadSize = PortalRequestContext.defaultMaximumBodySize
    }

    /// 1 MiB: more than any JSON command or a period's actuals CSV of a large provider.
    public static let defaultMaximumBodySize = 1 << 20

    /// The authenticated actor, or 401.
    public func requireActor() throws -> Actor {
        if let accessProblem { throw accessProblem }
        guard let actor else { throw Problem.unauthenticated("send Authorization: Bearer <token> from POST /auth/login") }
        return actor
    }
}

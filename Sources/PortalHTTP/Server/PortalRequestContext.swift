import Foundation
import Hummingbird
import Logging
import PortalDomain

/// The context of one request: Hummingbird's core storage, the session's actor once authenticated, and the
/// largest body the portal reads.
public struct PortalRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The actor of the bearer token's session, checked against the user's stream on this request; nil while
    /// the session must first change its password or set its passcode (see ``accessProblem``).
    public var actor: Actor?
    /// The session's user, also when the session may only change its password or set its passcode.
    public var sessionUser: UserID?
    /// Who the session acts as, also while it may only take its pending step.
    public var sessionActor: Actor?
    /// Why the session's user may not act now although the session is valid: a first or expired password to
    /// change (R-ACC-1, R-ACC-5), then a passcode to set (R-ACC-3). Every route but changing the password,
    /// setting the passcode, reading the session and logging out answers it (403).
    public var accessProblem: Problem?
    /// Largest request body in bytes (413 beyond it).
    public var maxUploadSize: Int
    /// The request's id, a UUID (`hb.request.id` on the request's log lines), sent back as `X-Request-ID` and
    /// recorded as the correlation id of every event the request writes (`portal audit trace` takes it).
    public var requestID: String?
    /// The session token of a web page's session cookie (nil for the JSON API, which takes bearer tokens): the
    /// secret behind the page's CSRF token, and what signing out revokes.
    public var browserSessionToken: String?
    /// The address of the peer that connected (the reverse proxy, when there is one); nil in-process.
    public var peerAddress: String?

    public init(source: Source) {
        coreContext = .init(source: source)
        actor = nil
        sessionUser = nil
        sessionActor = nil
        accessProblem = nil
        maxUploadSize = PortalRequestContext.defaultMaximumBodySize
        requestID = nil
        browserSessionToken = nil
        peerAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The correlation id of the events this request writes: its request id.
    public var correlationID: UUID { requestID.flatMap(UUID.init(uuidString:)) ?? UUID() }

    /// 1 MiB: more than any JSON command or a period's actuals CSV of a large provider.
    public static let defaultMaximumBodySize = 1 << 20

    /// The authenticated actor, or 401 (no session) or 403 (a pending step first).
    public func requireActor() throws -> Actor {
        if let accessProblem { throw accessProblem }
        guard let actor else { throw Problem.unauthenticated("send Authorization: Bearer <token> from POST /auth/login") }
        return actor
    }

    /// The session's actor also while its pending step is one of `rules` (e.g. `R-ACC-3` to set the passcode);
    /// 401 without a session, 403 with another pending step.
    public func requireSession(allowingPending rules: Set<String>) throws -> Actor {
        if let accessProblem, !rules.contains(accessProblem.rule ?? "") { throw accessProblem }
        guard let actor = sessionActor else { throw Problem.unauthenticated("send Authorization: Bearer <token> from POST /auth/login") }
        return actor
    }
}

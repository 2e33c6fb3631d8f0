import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging
import PortalApplication
import PortalDomain

/// Reads `Authorization: Bearer <token>`, finds the session by the token's hash, and checks the user's
/// account on every request (R-ACC, R-CON-2): a removed role, a lock or a suspension ends the session at
/// once; a first or expired password, then a missing passcode, leave the session able only to take that step
/// (R-ACC-1, R-ACC-5, R-ACC-3), read itself and log out.
public struct SessionAuthenticator: RouterMiddleware {
    public typealias Context = PortalRequestContext
    let api: PortalAPI

    public init(api: PortalAPI) {
        self.api = api
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.maxUploadSize = api.settings.maximumBodySize
        if let key = request.headers[Self.apiKeyHeader] {
            return try await JobKeyAccess(api: api).handle(key, request, context: context, next: next)
        }
        guard let token = Self.bearerToken(request) else { return try await next(request, context) }
        try await Self.establish(token, api: api, context: &context)
        return try await next(request, context)
    }

    /// Finds the session of `token` (a bearer token, or a browser's session cookie) and sets on `context` who it
    /// acts as: the actor when it may act, else the step it must take first. Throws 401 when the token is unknown
    /// or expired, or the account may no longer act (the session is then revoked).
    public static func establish(_ token: String, api: PortalAPI, context: inout PortalRequestContext) async throws {
        guard let session = try api.sessions.find(token, kind: .session) else {
            throw Problem.unauthenticated("the bearer token is unknown or expired; log in again")
        }
        context.sessionUser = session.userID
        context.logger[metadataKey: "user"] = .string(session.userID.rawValue)
        let standing: Portal.SessionStanding
        do {
            standing = try api.portal.sessionStanding(forUser: session.userID)
        } catch let refusal as DomainError {
            try await api.sessions.revoke(token)
            throw Problem.unauthenticated("the session has ended: \(refusal.description)", rule: refusal.rule)
        }
        context.sessionActor = standing.actor
        if let pending = standing.pendingStep {
            context.accessProblem = Self.pendingStepProblem(pending)
        } else {
            context.actor = standing.actor
        }
    }

    /// The 403 of a session that must first change its password (R-ACC-1, R-ACC-5) or set its passcode (R-ACC-3).
    static func pendingStepProblem(_ pending: DomainError) -> Problem {
        if pending.rule == "R-ACC-3" {
            return Problem(
                .forbidden, kind: "passcode-required", title: "Set the passcode first",
                detail: "\(pending.description); send it with POST /auth/passcode", rule: pending.rule,
                errors: [ProblemField(field: "passcode", message: pending.message, rule: pending.rule)])
        }
        return Problem(
            .forbidden, kind: "password-change-required", title: "Change the password first",
            detail: "\(pending.description); send it with POST /auth/password", rule: pending.rule,
            errors: [ProblemField(field: "password", message: pending.message, rule: pending.rule)])
    }

    /// The header a job's API key comes in. A key is never a bearer token: a session token in this header, or a
    /// key as a bearer token, is unknown (401).
    static let apiKeyHeader = HTTPField.Name("X-API-Key")!

    /// The token of `Authorization: Bearer <token>` (hummingbird-auth's parsing), nil when absent.
    static func bearerToken(_ request: Request) -> String? {
        guard let token = request.headers.bearer?.token, !token.isEmpty else { return nil }
        return token
    }
}

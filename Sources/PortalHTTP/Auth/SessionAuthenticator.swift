import Foundation
import Hummingbird
import HummingbirdAuth
import Logging
import PortalApplication
import PortalDomain

/// Reads `Authorization: Bearer <token>`, finds the session by the token's hash, and checks the user's
/// account on every request (R-ACC, R-CON-2): a removed role, a lock or a suspension ends the session at
/// once; a first or expired password leaves the session able only to change the password.
struct SessionAuthenticator: RouterMiddleware {
    typealias Context = PortalRequestContext
    let api: PortalAPI

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.maxUploadSize = api.settings.maximumBodySize
        guard let token = Self.bearerToken(request) else { return try await next(request, context) }
        guard let session = try api.sessions.find(token, kind: .session) else {
            throw Problem.unauthenticated("the bearer token is unknown or expired; log in again")
        }
        context.sessionUser = session.userID
        context.logger[metadataKey: "user"] = .string(session.userID.rawValue)
        do {
            context.actor = try api.portal.actor(forUser: session.userID)
        } catch let refusal as DomainError where refusal.rule == "R-ACC-1" || refusal.rule == "R-ACC-5" {
            context.accessProblem = Problem(
                .forbidden, kind: "password-change-required", title: "Change the password first", detail: refusal.description,
                rule: refusal.rule, errors: [ProblemField(field: "password", message: refusal.message, rule: refusal.rule)])
        } catch let refusal as DomainError {
            try await api.sessions.revoke(token)
            throw Problem.unauthenticated("the session has ended: \(refusal.description)", rule: refusal.rule)
        }
        return try await next(request, context)
    }

    /// The token of `Authorization: Bearer <token>` (hummingbird-auth's parsing), nil when absent.
    static func bearerToken(_ request: Request) -> String? {
        guard let token = request.headers.bearer?.token, !token.isEmpty else { return nil }
        return token
    }
}

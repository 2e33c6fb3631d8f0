import HTTPTypes
import Hummingbird
import Logging
import PortalApplication
import PortalDomain

/// Requests of a job's machine account: `X-API-Key: pk_…` instead of a person's session. The key is checked on
/// every request (its hash, its issue, revocation and expiry in the log); the job acts as `job:<name>` within its
/// key's scope: only reads (GET), never `/auth/*` or the keys themselves, and with `remittances:regenerate` only
/// payment runs and remittances. Each request is logged naming the job, and counted by job and status.
struct JobKeyAccess {
    let api: PortalAPI

    func handle(
        _ key: String, _ request: Request, context: PortalRequestContext,
        next: (Request, PortalRequestContext) async throws -> Response
    ) async throws -> Response {
        guard SessionAuthenticator.bearerToken(request) == nil else {
            throw Problem.malformed("send either Authorization: Bearer (a person's session) or X-API-Key (a job's key), not both", field: "X-API-Key")
        }
        let actor: Actor
        do {
            actor = try api.portal.jobActor(forKey: key)
        } catch let refused as JobKeyRefused {
            throw Problem.unauthenticated("the API key is not accepted: \(refused.message); ask the helpdesk for a new key")
        }
        guard case .job(let name, let scope) = actor else { throw Problem.unauthenticated("the API key is not accepted") }
        var context = context
        context.actor = actor
        context.logger[metadataKey: "user"] = .string(actor.who)
        let status: Int
        do {
            guard Self.allows(scope, request.method, request.uri.path) else {
                throw Problem(
                    .forbidden, kind: "forbidden", title: "Not allowed",
                    detail: "job \(name) has an API key of scope \(scope), which may not \(request.method.rawValue) \(request.uri.path)", rule: "R-ROLE",
                    errors: [ProblemField(field: "X-API-Key", message: "scope \(scope) does not cover this route", rule: "R-ROLE")])
            }
            let response = try await next(request, context)
            status = response.status.code
            record(name, scope, request, status: status, context)
            return response
        } catch {
            record(name, scope, request, status: ProblemMiddleware.problem(for: error, actor: actor).statusCode, context)
            throw error
        }
    }

    private func record(_ job: String, _ scope: JobScope, _ request: Request, status: Int, _ context: PortalRequestContext) {
        api.metrics.countJobRequest(job: job, status: status)
        context.logger.info("job request", metadata: [
            "job": .string("job:\(job)"), "scope": .string(scope.rawValue), "method": .string(request.method.rawValue),
            "path": .string(request.uri.path), "status": .stringConvertible(status),
        ])
    }

    /// Whether a key of `scope` may make this request: reads only, never the session or key routes; a
    /// `remittances:regenerate` key only payment runs and remittances.
    static func allows(_ scope: JobScope, _ method: HTTPRequest.Method, _ path: String) -> Bool {
        guard method == .get || method == .head else { return false }
        let parts = path.split(separator: "/").map(String.init)
        guard let first = parts.first, first != "auth", first != "job-keys" else { return false }
        if parts == ["health"] || parts == ["metrics"] { return true }
        switch scope {
        case .reportingRead:
            return true
        case .remittancesRegenerate:
            if first == "payment-runs" {
                // /payment-runs, /payment-runs/{id}, /payment-runs/{id}/remittances/{org}[/csv|/text]
                return parts.count <= 2 || (parts.count >= 4 && parts[2] == "remittances" && (parts.count == 4 || (parts.count == 5 && ["csv", "text"].contains(parts[4]))))
            }
            return first == "organisations" && parts.count == 3 && parts[2] == "remittances"
        }
    }
}

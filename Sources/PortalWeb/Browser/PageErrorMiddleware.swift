import Hummingbird
import Logging
import PortalApplication
import PortalDomain
import PortalHTTP

/// Turns what a page handler throws into a page: a request that needs a session goes to the sign-in page (and
/// comes back after it); a session with a step to take first goes to that step; any other refusal is a page
/// with the portal's own message and the status the JSON API would give. An unexpected error shows only the
/// request id, as the API does; the error itself goes to the log.
struct PageErrorMiddleware: RouterMiddleware {
    typealias Context = PortalRequestContext
    let web: WebPortal

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as WebError where error.kind == .signInRequired {
            return SignInPages.redirectToSignIn(from: request)
        } catch let error as WebError {
            return try page(status: error.status, title: "Nothing was done", detail: error.message, request, context)
        } catch {
            let problem = ProblemMiddleware.problem(for: error, actor: context.actor ?? context.sessionActor, requestID: context.requestID)
            if problem.statusCode == 401 { return SignInPages.redirectToSignIn(from: request) }
            if problem.statusCode == 403, let rule = problem.rule, Portal.SessionStanding.pendingRules.contains(rule) {
                return Response.redirect(to: AccountPages.path(forPendingRule: rule), type: .found)
            }
            if problem.statusCode >= 500 {
                context.logger.error("page failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            let title = problem.statusCode == 404 ? "Page not found" : problem.title
            // The rule that refused, as the API names it (`R-ROLE`), when the message does not say it already.
            let detail = problem.rule.map { problem.detail.contains($0) ? problem.detail : "\(problem.detail) (\($0))" } ?? problem.detail
            return try page(status: problem.status, title: title, detail: detail, request, context)
        }
    }

    private func page(status: HTTPResponse.Status, title: String, detail: String, _ request: Request, _ context: Context) throws -> Response {
        let chrome = web.chrome(title: title, context)
        let page = Page(template: "message", model: MessagePage(chrome: chrome, heading: title, text: detail, status: String(status.code)),
                        status: status)
        return try page.response(from: request, context: context)
    }
}

/// A page that only says something: an error, or that nothing is here.
struct MessagePage: Sendable {
    var chrome: PageChrome
    var heading: String
    var text: String
    var status: String
}

import HTTPTypes
import Hummingbird

/// The security headers of every response, errors included:
///
/// - `X-Content-Type-Options: nosniff`: a browser never reads a CSV or JSON answer as script or HTML.
/// - `Cache-Control: no-store`: nothing the portal answers (an officer's invoice list, a remittance, a token)
///   is kept by a browser or a shared proxy; a route that sets its own `Cache-Control` keeps it.
/// - `Referrer-Policy: same-origin`: no portal URL (ids of invoices, services) leaks to another site. (Not
///   `no-referrer`: under it browsers send `Origin: null` with the pages' own form posts, which the pages' CSRF
///   defence must be able to tell from a post of another site.)
/// - `Content-Security-Policy`: `default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'`
///   for the HTML pages to come: only the portal's own scripts, styles and images, never framed, forms posted
///   only to the portal.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = PortalRequestContext

    static let headers: HTTPFields = [
        .xContentTypeOptions: "nosniff",
        .cacheControl: "no-store",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        .contentSecurityPolicy: "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    ]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // An error no inner middleware turned into a problem still answers with the headers.
            response = try ProblemMiddleware.problem(for: error, actor: context.actor, requestID: context.requestID)
                .response(from: request, context: context)
        }
        for field in Self.headers where response.headers[field.name] == nil {
            response.headers[field.name] = field.value
        }
        return response
    }
}

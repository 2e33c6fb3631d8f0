import Foundation
import Hummingbird
import NIOCore
import PortalHTTP

/// The pages' session and CSRF defence, for every request under `/portal`:
/// - the session cookie is checked on every request exactly as a bearer token is (``SessionAuthenticator``):
///   a removed role, a lock or a suspension ends it at once; an ended or unknown session removes the cookie;
/// - every POST must come from the portal's own origin (`Origin` equal to the request's host) and carry the
///   form field `csrf` that matches the session (or, before sign-in, the sign-in cookie). Its body is read
///   here, bounded (a `multipart/form-data` post, a form with a file, to ``FormPost/maximumUploadSize``, its
///   token a part of the body), and handed on.
struct BrowserSessionMiddleware: RouterMiddleware {
    typealias Context = PortalRequestContext
    let api: PortalAPI

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        var sessionEnded = false
        if let token = request.cookies[BrowserCookies.session]?.value, !token.isEmpty {
            do {
                try await SessionAuthenticator.establish(token, api: api, context: &context)
                context.browserSessionToken = token
            } catch let problem as Problem where problem.statusCode == 401 {
                sessionEnded = true
            }
        }
        if request.method == .post {
            try Self.checkOrigin(request)
            let buffer: ByteBuffer
            let form: FormPost
            if let boundary = FormPost.multipartBoundary(request) {
                // A form with a file: its CSRF token is a part of the multipart body.
                buffer = try await request.collectBody(upTo: FormPost.maximumUploadSize)
                let parsed = try MultipartForm.parse(Array(buffer.readableBytesView), boundary: boundary)
                form = FormPost(fields: parsed.fields)
            } else {
                buffer = try await request.collectBody(upTo: FormPost.maximumSize)
                form = try FormPost(parsing: buffer.getString(at: buffer.readerIndex, length: buffer.readableBytes) ?? "")
            }
            let secret = context.browserSessionToken ?? request.cookies[BrowserCookies.signIn]?.value
            guard let secret, let token = form["csrf"], CSRFToken.isValid(token, forSecret: secret) else {
                throw sessionEnded ? WebError.signInRequired : WebError.formExpired
            }
            request.body = .init(buffer: buffer)
        }
        var response = try await next(request, context)
        if sessionEnded {
            response.setCookie(BrowserCookies.expired(BrowserCookies.session, secure: BrowserCookies.isSecure(request)))
        }
        return response
    }

    /// Refuses a post whose `Origin` is absent or another site's. Browsers send `Origin` with every form post;
    /// it must name the host the request was sent to (`Host`, which a proxy in front passes on).
    static func checkOrigin(_ request: Request) throws {
        guard let origin = request.headers[.origin], let host = request.head.authority else {
            throw WebError.crossOrigin
        }
        guard let schemeEnd = origin.range(of: "://") else { throw WebError.crossOrigin }
        let originHost = origin[schemeEnd.upperBound...]
        guard originHost.lowercased() == host.lowercased() else { throw WebError.crossOrigin }
    }
}

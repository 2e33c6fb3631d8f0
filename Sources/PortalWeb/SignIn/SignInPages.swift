import Foundation
import Hummingbird
import Logging
import PortalApplication
import PortalDomain
import PortalHTTP

/// Signing in and out in the browser, through the same two steps as the API (``SignIn``): email and password,
/// then the 6-digit passcode. The challenge between the steps and the session live in HttpOnly, SameSite=Strict
/// cookies, never in a page.
struct SignInPages: Sendable {
    let web: WebPortal

    static let path = "/portal/sign-in"
    static let passcodePath = "/portal/sign-in/passcode"

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("sign-in") { request, context in try await signInForm(request, context) }
        pages.post("sign-in") { request, context in try await passwordStep(request, context) }
        pages.get("sign-in/passcode") { request, context in try passcodeForm(request, context) }
        pages.post("sign-in/passcode") { request, context in try await passcodeStep(request, context) }
        pages.post("sign-out") { request, context in try await signOut(request, context) }
    }

    /// Where a request that needs a session goes: the sign-in page, coming back to the page asked for.
    static func redirectToSignIn(from request: Request) -> Response {
        var target = path
        if request.method == .get, let next = Self.safeNext(request.uri.path) { target += "?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "/-_."))) ?? "") }
        var response = Response.redirect(to: target, type: .found)
        response.setCookie(BrowserCookies.expired(BrowserCookies.session, secure: BrowserCookies.isSecure(request)))
        return response
    }

    /// A page of the portal to return to after signing in; nil for anything else (no open redirect).
    static func safeNext(_ text: String?) -> String? {
        guard let text, text.hasPrefix("/portal"), !text.hasPrefix("/portal/sign-"), !text.contains("//"), !text.contains("\\"),
              text.count <= 300 else { return nil }
        return text
    }

    struct SignInForm: Sendable {
        var chrome: PageChrome
        var heading: String
        var lead: String?
        var action: String
        var hidden: [HiddenInput]
        var fields: [FormField]
        var submitLabel: String
        var help: String?
    }

    private func emailField(_ value: String = "") -> FormField {
        FormField(id: "email", label: "Email address", type: "email", value: value, hint: "Your username is your email address.",
                  autocomplete: "username", spellcheckOff: true)
    }

    private func passwordField() -> FormField {
        FormField(id: "password", label: "Password", type: "password", autocomplete: "current-password")
    }

    private func signInPage(_ request: Request, _ context: PortalRequestContext, secret: String, email: String = "",
                            errors: [(field: String?, message: String)] = [], status: HTTPResponse.Status = .ok,
                            banner: PageChrome.Banner? = nil) -> Page {
        var email = emailField(email)
        var password = passwordField()
        for error in errors {
            if error.field == "email" { email = email.failing(error.message) }
            if error.field == "password" { password = password.failing(error.message) }
        }
        let next = Self.safeNext(request.uri.queryParameters.get("next"))
        let chrome = web.chrome(title: "Sign in", context, errors: errors.map { PageChrome.ErrorLine(message: $0.message, fieldID: $0.field) },
                                banner: banner, csrfSecret: secret)
        return Page(template: "sign-in", model: SignInForm(
            chrome: chrome, heading: "Sign in to the Provider Portal", lead: nil, action: Self.path,
            hidden: next.map { [HiddenInput(name: "next", value: $0)] } ?? [], fields: [email, password],
            submitLabel: "Continue", help: "Three wrong attempts lock the account; the helpdesk (FES System Administration) unlocks it."),
                    status: status)
    }

    /// The secret of the sign-in form's CSRF token: the browser's sign-in cookie, made now when it has none.
    private func signInSecret(_ request: Request) -> (secret: String, isNew: Bool) {
        if let value = request.cookies[BrowserCookies.signIn]?.value, !value.isEmpty { return (value, false) }
        return (BrowserCookies.randomSecret(), true)
    }

    private func respond(_ page: Page, _ request: Request, _ context: PortalRequestContext, setting cookies: [Cookie] = []) throws -> Response {
        var response = try page.response(from: request, context: context)
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    func signInForm(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        if context.actor != nil { return Response.redirect(to: "/portal", type: .found) }
        let (secret, isNew) = signInSecret(request)
        let secure = BrowserCookies.isSecure(request)
        var banner: PageChrome.Banner?
        if request.uri.queryParameters.get("signed-out") != nil {
            banner = PageChrome.Banner(heading: "You have signed out", isSuccess: true)
        }
        let cookies = isNew ? [BrowserCookies.make(BrowserCookies.signIn, value: secret, maxAge: 3600, secure: secure)] : []
        return try respond(signInPage(request, context, secret: secret, banner: banner), request, context, setting: cookies)
    }

    func passwordStep(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let form = try await FormPost.read(request)
        guard let secret = request.cookies[BrowserCookies.signIn]?.value else { throw WebError.formExpired }
        let email = form.text("email")
        let password = form["password"] ?? ""
        var missing: [(field: String?, message: String)] = []
        if email.isEmpty { missing.append(("email", "Enter your email address")) }
        if password.isEmpty { missing.append(("password", "Enter your password")) }
        guard missing.isEmpty else {
            return try respond(signInPage(request, context, secret: secret, email: email, errors: missing, status: .unprocessableContent), request, context)
        }
        let secure = BrowserCookies.isSecure(request)
        let next = Self.safeNext(form["next"])
        do {
            switch try await SignIn(api: web.api).passwordStep(email: email, password: password, context) {
            case .passcode(let challenge, _):
                var response = Response.redirect(to: Self.passcodePath + (next.map { "?next=" + $0 } ?? ""), type: .normal)
                response.setCookie(BrowserCookies.make(BrowserCookies.challenge, value: challenge, maxAge: 300, secure: secure))
                return response
            case .session(let session):
                return signedIn(session, next: next, secure: secure)
            }
        } catch {
            let problem = ProblemMiddleware.problem(for: error, actor: nil, requestID: context.requestID)
            guard problem.statusCode < 500 else { throw error }
            let message = problem.statusCode == 401 ? "The email address, password or passcode is wrong" : problem.detail
            return try respond(signInPage(request, context, secret: secret, email: email, errors: [(problem.statusCode == 401 ? "password" : nil, message)],
                                          status: problem.status), request, context)
        }
    }

    struct PasscodeForm: Sendable {
        var chrome: PageChrome
        var heading: String
        var lead: String?
        var action: String
        var hidden: [HiddenInput]
        var fields: [FormField]
        var submitLabel: String
        var help: String?
    }

    private func passcodeField(error: String? = nil) -> FormField {
        FormField(id: "passcode", label: "Passcode", type: "text", hint: "The 6-digit passcode you set at your first sign-in.", error: error,
                  autocomplete: "one-time-code", inputMode: "numeric", width: "5", spellcheckOff: true)
    }

    func passcodeForm(_ request: Request, _ context: PortalRequestContext) throws -> Response {
        guard request.cookies[BrowserCookies.challenge]?.value != nil, let secret = request.cookies[BrowserCookies.signIn]?.value else {
            return Response.redirect(to: Self.path, type: .found)
        }
        let next = Self.safeNext(request.uri.queryParameters.get("next"))
        let chrome = web.chrome(title: "Enter your passcode", context, csrfSecret: secret)
        return try Page(template: "sign-in", model: PasscodeForm(
            chrome: chrome, heading: "Enter your passcode", lead: "Your password was right. Enter your passcode within 5 minutes.",
            action: Self.passcodePath, hidden: next.map { [HiddenInput(name: "next", value: $0)] } ?? [], fields: [passcodeField()],
            submitLabel: "Sign in", help: nil)).response(from: request, context: context)
    }

    func passcodeStep(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let form = try await FormPost.read(request)
        guard let secret = request.cookies[BrowserCookies.signIn]?.value else { throw WebError.formExpired }
        let secure = BrowserCookies.isSecure(request)
        guard let challenge = request.cookies[BrowserCookies.challenge]?.value else {
            return try respond(signInPage(request, context, secret: secret, errors: [(nil, "The sign-in took too long. Enter your email address and password again")],
                                          status: .unauthorized), request, context)
        }
        let next = Self.safeNext(form["next"])
        do {
            let session = try await SignIn(api: web.api).passcodeStep(challenge: challenge, passcode: form.text("passcode"), context)
            return signedIn(session, next: next, secure: secure)
        } catch {
            let problem = ProblemMiddleware.problem(for: error, actor: nil, requestID: context.requestID)
            guard problem.statusCode < 500 else { throw error }
            // The challenge is used once, also by a wrong passcode: the user starts again with the password.
            let message = problem.statusCode == 401 ? "The email address, password or passcode is wrong. Sign in again" : problem.detail
            var response = try respond(signInPage(request, context, secret: secret, errors: [(nil, message)], status: problem.status), request, context)
            response.setCookie(BrowserCookies.expired(BrowserCookies.challenge, secure: secure))
            return response
        }
    }

    /// Sets the session cookie and goes on: to the step the session must take first, else where the user was going.
    private func signedIn(_ session: SignIn.Session, next: String?, secure: Bool) -> Response {
        let target = session.pendingRule.map(AccountPages.path(forPendingRule:)) ?? next ?? "/portal"
        var response = Response.redirect(to: target, type: .normal)
        // The cookie lives as long as the session; the session store's expiry is what counts.
        let lifetime = Int(web.api.settings.sessionLifetime.components.seconds)
        response.setCookie(BrowserCookies.make(BrowserCookies.session, value: session.token, maxAge: lifetime, secure: secure))
        response.setCookie(BrowserCookies.expired(BrowserCookies.challenge, secure: secure))
        response.setCookie(BrowserCookies.expired(BrowserCookies.signIn, secure: secure))
        return response
    }

    func signOut(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        if let token = context.browserSessionToken { try await web.api.sessions.revoke(token) }
        var response = Response.redirect(to: Self.path + "?signed-out=1", type: .normal)
        response.setCookie(BrowserCookies.expired(BrowserCookies.session, secure: BrowserCookies.isSecure(request)))
        return response
    }
}

import Chronology
import Foundation
import Hummingbird
import Logging
import PortalApplication
import PortalDomain

/// Logging in (R-ACC): email and password, then the passcode step, then an opaque bearer token. The first
/// password must be changed and a passcode set before anything else; locks and suspensions refuse the login.
/// These routes never store a response for an `Idempotency-Key` (a response may hold a token).
struct AuthenticationRoutes {
    let api: PortalAPI

    struct PasswordStep: Decodable {
        var email: String
        var password: String
    }

    struct PasscodeStep: Decodable {
        var challengeToken: String
        var passcode: String
    }

    struct PasswordChange: Decodable {
        var currentPassword: String
        var newPassword: String
    }

    struct PasscodeChange: Decodable {
        var passcode: String
    }

    /// The answer to a login step.
    struct LoginAnswer: Encodable {
        /// `passcode` (send the passcode with `challengeToken`), or `session` (a bearer token is issued).
        var next: String
        var challengeToken: String?
        var token: String?
        var expiresAt: Timestamp
        var mustChangePassword: Bool?
        var passwordExpired: Bool?
        var mustSetPasscode: Bool?
        var session: SessionView?
    }

    func register(on router: Router<PortalRequestContext>) {
        router.post("/auth/login") { request, context in try await logIn(request, context) }
        router.post("/auth/login/passcode") { request, context in try await passcodeStep(request, context) }
        router.post("/auth/password") { request, context in try await changePassword(request, context) }
        router.post("/auth/passcode") { request, context in try await setPasscode(request, context) }
        router.post("/auth/logout") { request, context in try await logOut(request, context) }
        router.get("/auth/session") { request, context in try await session(request, context) }
    }

    private func body<T: Decodable>(_ type: T.Type, _ request: Request, _ context: PortalRequestContext) async throws -> T {
        var request = request
        return try WriteRequest.decode(type, from: try await request.collectBody(upTo: context.maxUploadSize))
    }

    /// Step 1: email and password (``SignIn``).
    func logIn(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let step = try await body(PasswordStep.self, request, context)
        switch try await SignIn(api: api).passwordStep(email: step.email, password: step.password, context) {
        case .passcode(let challenge, let expiresAt):
            return try api.json(LoginAnswer(next: "passcode", challengeToken: challenge, expiresAt: expiresAt))
        case .session(let session):
            return try answer(session)
        }
    }

    /// Step 2: the passcode, with the challenge of step 1 (used once).
    func passcodeStep(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let step = try await body(PasscodeStep.self, request, context)
        return try answer(try await SignIn(api: api).passcodeStep(challenge: step.challengeToken, passcode: step.passcode, context))
    }

    private func answer(_ session: SignIn.Session) throws -> Reply {
        let login = session.login
        return try api.json(LoginAnswer(
            next: "session", token: session.token, expiresAt: session.expiresAt,
            mustChangePassword: login.mustChangePassword, passwordExpired: login.passwordExpired,
            mustSetPasscode: login.mustSetPasscode,
            session: SessionView(login.actor, expiresAt: session.expiresAt, pendingRule: session.pendingRule)))
    }

    /// The user changes their own password; allowed while a first or expired password must be changed.
    func changePassword(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        guard let user = context.sessionUser else { throw Problem.unauthenticated("log in first") }
        let change = try await body(PasswordChange.self, request, context)
        guard let actor = try api.portal.state(of: User.self, user.rawValue).actor else { throw Problem.unauthenticated("log in first") }
        _ = try await api.portal.changePassword(current: change.currentPassword, new: change.newPassword, CommandRequest(actor: actor, correlationID: context.correlationID))
        let security = try api.portal.state(of: User.self, user.rawValue).security
        return try api.json(AccountSecurityView(security))
    }

    /// The user sets their 6-digit passcode (R-ACC-3): allowed to a session whose only pending step it is,
    /// after any first or expired password was changed.
    func setPasscode(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireSession(allowingPending: ["R-ACC-3"])
        let change = try await body(PasscodeChange.self, request, context)
        _ = try await api.portal.setPasscode(change.passcode, CommandRequest(actor: actor, correlationID: context.correlationID))
        let security = try api.portal.state(of: User.self, actor.userID?.rawValue ?? "").security
        return try api.json(AccountSecurityView(security))
    }

    func logOut(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        guard let token = SessionAuthenticator.bearerToken(request), context.sessionUser != nil else {
            throw Problem.unauthenticated("log in first")
        }
        try await api.sessions.revoke(token)
        return Reply(status: .noContent)
    }

    /// The session itself: who it acts as, until when, and the step it must take first, if any.
    func session(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireSession(allowingPending: Portal.SessionStanding.pendingRules)
        guard let token = SessionAuthenticator.bearerToken(request), let session = try api.sessions.find(token, kind: .session) else {
            throw Problem.unauthenticated("log in first")
        }
        return try api.json(SessionView(actor, expiresAt: session.expiresAt, pendingRule: context.accessProblem?.rule))
    }
}

/// Who a session acts as.
struct SessionView: Encodable {
    var userID: String
    var actingAs: String
    var kind: String
    var organisationID: String?
    var role: String?
    var team: String?
    var expiresAt: Timestamp
    /// The rule whose step the session must take before anything else: `R-ACC-1` or `R-ACC-5` (change the
    /// password), `R-ACC-3` (set the passcode); absent when the session may act.
    var pendingRule: String?

    init(_ actor: Actor, expiresAt: Timestamp, pendingRule: String? = nil) {
        userID = actor.who
        actingAs = actor.actingAs
        self.expiresAt = expiresAt
        self.pendingRule = pendingRule
        switch actor {
        case .provider(_, let organisation, let role):
            kind = "provider"; organisationID = organisation.rawValue; self.role = role.rawValue
        case .council(_, let team):
            kind = "council"; self.team = team.rawValue
        case .auditor:
            kind = "auditor"
        case .system, .operator, .job:
            kind = "system"
        }
    }
}

/// The security facts of an account that its user and the helpdesk see (never a secret).
struct AccountSecurityView: Encodable {
    var mustChangePassword: Bool
    var passwordExpiresOn: BusinessDate?
    var hasPasscode: Bool
    var isLocked: Bool
    var isSuspended: Bool
    var consecutiveFailures: Int

    init(_ security: User.Security) {
        mustChangePassword = security.mustChangePassword
        passwordExpiresOn = security.passwordExpiresOn
        hasPasscode = security.hasPasscode
        isLocked = security.isLocked
        isSuspended = security.isSuspended
        consecutiveFailures = security.consecutiveFailures
    }
}

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

    /// Step 1: email and password. A wrong password counts towards the lock (R-ACC-4) without saying which
    /// secret was wrong.
    func logIn(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let step = try await body(PasswordStep.self, request, context)
        let credentials = api.portal.credentials
        guard let user = try credentials.user(forUsername: step.email) else { throw PortalError.wrongCredentials }
        try refuseBlockedAccount(user)
        let passwordMatched = try credentials.verifyPassword(step.password, of: user)
        guard passwordMatched else {
            _ = try await refusingAccount { try await api.portal.completeLogIn(user, secretsMatched: false) }
            throw PortalError.wrongCredentials
        }
        if try credentials.record(of: user)?.passcodeHash != nil {
            // An account unused for 60 days is suspended here, not only at the passcode step (R-ACC-6).
            if try await api.portal.suspendIfUnused(user) {
                throw Self.accountRefused(.ruleBroken(
                    "R-ACC-6", field: "userID", "the account is suspended after 60 days without use; ask the helpdesk to reactivate it"))
            }
            let challenge = try await api.sessions.issue(.passcodeChallenge, for: user, lifetime: api.settings.challengeLifetime)
            context.logger.info("password step passed", metadata: ["user": .string(user.rawValue)])
            return try api.json(LoginAnswer(next: "passcode", challengeToken: challenge.token, expiresAt: challenge.record.expiresAt))
        }
        // No passcode yet (first login): a session that may only change the password, set the passcode, read
        // itself and log out (R-ACC-1, R-ACC-3); every other route answers 403 until both are done.
        let login = try await refusingAccount { try await api.portal.completeLogIn(user, secretsMatched: true) }
        return try await startSession(login, context)
    }

    /// Step 2: the passcode, with the challenge of step 1 (used once).
    func passcodeStep(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let step = try await body(PasscodeStep.self, request, context)
        guard let challenge = try api.sessions.find(step.challengeToken, kind: .passcodeChallenge) else {
            throw Problem.unauthenticated("the login step expired or is unknown; start again with POST /auth/login")
        }
        try await api.sessions.revoke(step.challengeToken)
        let matched = try api.portal.credentials.verifyPasscode(step.passcode, of: challenge.userID) ?? false
        let login = try await refusingAccount { try await api.portal.completeLogIn(challenge.userID, secretsMatched: matched) }
        return try await startSession(login, context)
    }

    private func startSession(_ login: Portal.Login, _ context: PortalRequestContext) async throws -> Reply {
        guard let user = login.actor.userID else { throw PortalError.wrongCredentials }
        let session = try await api.sessions.issue(.session, for: user, lifetime: api.settings.sessionLifetime)
        context.logger.info("logged in", metadata: ["user": .string(user.rawValue), "actingAs": .string(login.actor.actingAs)])
        return try api.json(LoginAnswer(
            next: "session", token: session.token, expiresAt: session.record.expiresAt,
            mustChangePassword: login.mustChangePassword, passwordExpired: login.passwordExpired,
            mustSetPasscode: login.mustSetPasscode,
            session: SessionView(login.actor, expiresAt: session.record.expiresAt, pendingRule: Self.pendingRule(login))))
    }

    /// The rule whose step a new session must take first: change the password (R-ACC-1, R-ACC-5), then set the
    /// passcode (R-ACC-3).
    static func pendingRule(_ login: Portal.Login) -> String? {
        if login.mustChangePassword { return "R-ACC-1" }
        if login.passwordExpired { return "R-ACC-5" }
        if login.mustSetPasscode { return "R-ACC-3" }
        return nil
    }

    /// A locked, suspended, ended or inactive account is refused before any secret is checked.
    private func refuseBlockedAccount(_ user: UserID) throws {
        let state = try api.portal.state(of: User.self, user.rawValue)
        let today = api.portal.context(for: .system(job: "authentication")).today
        if let problem = state.accessProblem(today: today, allowingPasswordChange: true) {
            throw Self.accountRefused(problem)
        }
    }

    private func refusingAccount<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let refusal as DomainError {
            throw Self.accountRefused(refusal)
        }
    }

    static func accountRefused(_ refusal: DomainError) -> Problem {
        Problem(.forbidden, kind: "account-refused", title: "The account may not log in", detail: refusal.description, rule: refusal.rule,
                errors: [ProblemField(field: refusal.field, message: refusal.message, rule: refusal.rule)])
    }

    /// The user changes their own password; allowed while a first or expired password must be changed.
    func changePassword(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        guard let user = context.sessionUser else { throw Problem.unauthenticated("log in first") }
        let change = try await body(PasswordChange.self, request, context)
        guard let actor = try api.portal.state(of: User.self, user.rawValue).actor else { throw Problem.unauthenticated("log in first") }
        _ = try await api.portal.changePassword(current: change.currentPassword, new: change.newPassword, CommandRequest(actor: actor))
        let security = try api.portal.state(of: User.self, user.rawValue).security
        return try api.json(AccountSecurityView(security))
    }

    /// The user sets their 6-digit passcode (R-ACC-3): allowed to a session whose only pending step it is,
    /// after any first or expired password was changed.
    func setPasscode(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireSession(allowingPending: ["R-ACC-3"])
        let change = try await body(PasscodeChange.self, request, context)
        _ = try await api.portal.setPasscode(change.passcode, CommandRequest(actor: actor))
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

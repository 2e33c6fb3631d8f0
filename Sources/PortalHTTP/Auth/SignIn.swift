import Foundation
import Chronology
import HTTPTypes
import Hummingbird
import Logging
import PortalApplication
import PortalDomain

/// Signing in (R-ACC), the one flow behind both the API's `/auth/login` routes and the web pages' sign-in:
/// email and password, then the passcode with a short-lived challenge, then a session token. A wrong secret
/// counts towards the lock (R-ACC-4) without saying which; locked, suspended or ended accounts are refused
/// before any secret is checked; an account unused for 60 days is suspended at the first step (R-ACC-6).
/// Refusals are thrown as the API's problems (the pages show their text).
public struct SignIn: Sendable {
    let api: PortalAPI

    public init(api: PortalAPI) {
        self.api = api
    }

    /// What the password step leads to.
    public enum Step: Sendable {
        /// The password was right; send the passcode with this challenge before it expires.
        case passcode(challenge: String, expiresAt: Timestamp)
        /// A session (an account with no passcode yet: its first login).
        case session(Session)
    }

    /// A new session: its token (shown once), expiry, who it acts as and the step it must take first.
    public struct Session: Sendable {
        public var token: String
        public var expiresAt: Timestamp
        public var login: Portal.Login
        /// `R-ACC-1` or `R-ACC-5` (change the password), `R-ACC-3` (set the passcode); nil when it may act.
        public var pendingRule: String? {
            if login.mustChangePassword { return "R-ACC-1" }
            if login.passwordExpired { return "R-ACC-5" }
            if login.mustSetPasscode { return "R-ACC-3" }
            return nil
        }
    }

    /// The longest password accepted at login (bcrypt reads only the first 72 bytes; a longer body is refused
    /// rather than hashed).
    public static let maximumPasswordLength = 1_024

    /// Step 1: email and password. Every well-formed attempt costs one bcrypt verification of the same cost,
    /// whether the email has an account, the account is locked or suspended, or the password is wrong, so the
    /// answer's time does not tell who has an account. An empty, blank or over-long email or password is a 422
    /// naming it.
    public func passwordStep(email: String, password: String, _ context: PortalRequestContext) async throws -> Step {
        let logger = context.logger
        try Self.check(email: email, password: password)
        let credentials = api.portal.credentials
        guard let user = try credentials.user(forUsername: email) else {
            credentials.spendOneVerification(password)
            throw PortalError.wrongCredentials
        }
        do {
            try refuseBlockedAccount(user)
        } catch {
            credentials.spendOneVerification(password)
            throw error
        }
        let passwordMatched = try credentials.verifyPassword(password, of: user)
        guard passwordMatched else {
            _ = try await refusingAccount { try await api.portal.completeLogIn(user, secretsMatched: false, correlationID: context.correlationID) }
            throw PortalError.wrongCredentials
        }
        if try credentials.record(of: user)?.passcodeHash != nil {
            // An account unused for 60 days is suspended here, not only at the passcode step (R-ACC-6).
            if try await api.portal.suspendIfUnused(user, correlationID: context.correlationID) {
                throw Self.accountRefused(.ruleBroken(
                    "R-ACC-6", field: "userID", "the account is suspended after 60 days without use; ask the helpdesk to reactivate it"))
            }
            let challenge = try await api.sessions.issue(.passcodeChallenge, for: user, lifetime: api.settings.challengeLifetime)
            logger.info("password step passed", metadata: ["user": .string(user.rawValue)])
            return .passcode(challenge: challenge.token, expiresAt: challenge.record.expiresAt)
        }
        // No passcode yet (first login): a session that may only change the password, set the passcode, read
        // itself and log out (R-ACC-1, R-ACC-3); everything else is refused until both are done.
        let login = try await refusingAccount { try await api.portal.completeLogIn(user, secretsMatched: true, correlationID: context.correlationID) }
        return .session(try await startSession(login, logger: logger))
    }

    /// Refuses an email or password no account can have, naming the field (422), before any look-up or hash.
    static func check(email: String, password: String) throws {
        let email = email.trimmingCharacters(in: .whitespacesAndNewlines)
        if email.isEmpty { throw Problem.invalid("email is empty; give the email address you log in with", field: "email") }
        if email.count > CredentialStore.maximumUsernameLength || email.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw Problem.invalid("email is not an email address of at most \(CredentialStore.maximumUsernameLength) characters", field: "email")
        }
        if password.isEmpty { throw Problem.invalid("password is empty", field: "password") }
        if password.utf8.count > maximumPasswordLength {
            throw Problem.invalid("password is longer than \(maximumPasswordLength) bytes", field: "password")
        }
    }

    /// Step 2: the passcode, with the challenge of step 1 (used once, also by a wrong passcode).
    public func passcodeStep(challenge token: String, passcode: String, _ context: PortalRequestContext) async throws -> Session {
        let logger = context.logger
        guard let challenge = try api.sessions.find(token, kind: .passcodeChallenge) else {
            throw Problem.unauthenticated("the login step expired or is unknown; start again with the email and password")
        }
        try await api.sessions.revoke(token)
        let matched = try api.portal.credentials.verifyPasscode(passcode, of: challenge.userID) ?? false
        let login = try await refusingAccount {
            try await api.portal.completeLogIn(challenge.userID, secretsMatched: matched, correlationID: context.correlationID)
        }
        return try await startSession(login, logger: logger)
    }

    private func startSession(_ login: Portal.Login, logger: Logger) async throws -> Session {
        guard let user = login.actor.userID else { throw PortalError.wrongCredentials }
        let session = try await api.sessions.issue(.session, for: user, lifetime: api.settings.sessionLifetime)
        logger.info("logged in", metadata: ["user": .string(user.rawValue), "actingAs": .string(login.actor.actingAs)])
        return Session(token: session.token, expiresAt: session.record.expiresAt, login: login)
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
}

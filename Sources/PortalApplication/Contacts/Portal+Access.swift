import Foundation
import PortalDomain

/// Logging in and the user's own secrets (R-ACC). Secrets go to the credential store only.
extension Portal {
    /// The outcome of a successful login.
    public struct Login: Sendable, Equatable {
        public var actor: Actor
        /// The first password must be changed before anything else (R-ACC-1).
        public var mustChangePassword: Bool
        /// The password expired; a new one must be chosen before anything else (R-ACC-5).
        public var passwordExpired: Bool
        /// No passcode is set yet: the user sets one after changing the password (R-ACC-3).
        public var mustSetPasscode: Bool
    }

    /// Checks a username (email), password and passcode, and records the security fact (login succeeded or
    /// failed, account locked after the third failure, suspended after 60 days unused). Throws
    /// `PortalError.wrongCredentials` without saying which secret was wrong, or the rule refusing the account.
    public func logIn(username: String, password: String, passcode: String?) async throws -> Login {
        guard let user = try credentials.user(forUsername: username) else {
            // As long as a wrong password of a real account: the time does not tell which emails have one.
            credentials.spendOneVerification(password)
            throw PortalError.wrongCredentials
        }
        let passwordMatched = try credentials.verifyPassword(password, of: user)
        let passcodeMatched = try passcode.map { try credentials.verifyPasscode($0, of: user) ?? true } ?? (try credentials.record(of: user)?.passcodeHash == nil)
        return try await completeLogIn(user, secretsMatched: passwordMatched && passcodeMatched)
    }

    /// Records a login attempt of `user` whose secrets the caller checked against the credential store (a
    /// login in two steps: password, then passcode) and returns the login, or throws as ``logIn(username:password:passcode:)``.
    /// `correlationID` is the id of the request that logs in (the HTTP API's request id).
    public func completeLogIn(_ user: UserID, secretsMatched: Bool, correlationID: UUID = UUID()) async throws -> Login {
        let outcome = try await decideOnUser(user, .recordLoginAttempt(passwordMatched: secretsMatched),
                                             CommandRequest(actor: .system(job: "authentication"), correlationID: correlationID))
        let events = outcome.value ?? []
        if case .accountSuspended? = events.first {
            throw DomainError.ruleBroken("R-ACC-6", field: "userID", "the account is suspended after 60 days without use; ask the helpdesk to reactivate it")
        }
        guard case .loginSucceeded? = events.first else {
            if events.contains(where: { if case .accountLocked = $0 { true } else { false } }) {
                throw DomainError.ruleBroken("R-ACC-4", field: "password", "three wrong passwords in a row: the account is locked; ask the helpdesk to reset the password")
            }
            throw PortalError.wrongCredentials
        }
        let state = try self.state(of: User.self, user.rawValue)
        guard let actor = state.actor else { throw PortalError.wrongCredentials }
        let today = context(for: actor).today
        return Login(
            actor: actor, mustChangePassword: state.security.mustChangePassword,
            passwordExpired: state.security.passwordExpiresOn.map { today >= $0 } ?? false,
            mustSetPasscode: !state.security.hasPasscode)
    }

    /// The actor a session of `user` acts as now, or the reason it may not act: role removed (R-CON-2),
    /// locked, suspended, or a password to change first. Call on every request.
    public func actor(forUser user: UserID) throws -> Actor {
        let state = try self.state(of: User.self, user.rawValue)
        guard let actor = state.actor else {
            throw state.accessProblem(today: context(for: .system(job: "session")).today) ?? DomainError.notFound(field: "userID", "there is no such user")
        }
        if let problem = state.accessProblem(today: context(for: actor).today) { throw problem }
        return actor
    }

    /// Where a login session of `user` stands now: who it acts as, and the step it must take before anything
    /// else — change a first or expired password (R-ACC-1, R-ACC-5), then set the passcode (R-ACC-3) — or nil
    /// when it may act. Throws the rule when the session may not go on at all: role removed (R-CON-2), locked
    /// (R-ACC-4), suspended (R-ACC-6). Call on every request.
    public func sessionStanding(forUser user: UserID) throws -> SessionStanding {
        let state = try self.state(of: User.self, user.rawValue)
        let today = context(for: .system(job: "session")).today
        guard let actor = state.actor else {
            throw state.accessProblem(today: today) ?? DomainError.notFound(field: "userID", "there is no such user")
        }
        let problem = state.accessProblem(today: context(for: actor).today, requiringPasscode: true)
        if let problem, !SessionStanding.pendingRules.contains(problem.rule ?? "") { throw problem }
        return SessionStanding(actor: actor, pendingStep: problem)
    }

    /// Suspends `user`'s account now when it has been unused for 60 days (R-ACC-6), as a login attempt does,
    /// and says whether it did. The password step of a two-step login calls it before issuing the passcode
    /// challenge, so that an unused account is refused at the first step.
    public func suspendIfUnused(_ user: UserID, correlationID: UUID = UUID()) async throws -> Bool {
        let outcome = try await decideOnUser(user, .suspendIfUnused, CommandRequest(actor: .system(job: "authentication"), correlationID: correlationID))
        return (outcome.value ?? []).contains { if case .accountSuspended = $0 { true } else { false } }
    }

    /// A session's actor and the step it must take first (see ``sessionStanding(forUser:)``).
    public struct SessionStanding: Sendable {
        /// The rules whose step a session takes itself: change the password (R-ACC-1, R-ACC-5), set the
        /// passcode (R-ACC-3).
        public static let pendingRules: Set<String> = ["R-ACC-1", "R-ACC-5", "R-ACC-3"]

        public var actor: Actor
        /// Nil when the session may act; else why not yet, naming R-ACC-1, R-ACC-5 or R-ACC-3.
        public var pendingStep: DomainError?
    }

    /// The user changes their own password (R-ACC-2, R-ACC-5); allowed while a first or expired password must
    /// be changed. The event records the fact; the new hash goes to the credential store, staged until the
    /// event is in the log (see ``appendIssuingSecret``).
    public func changePassword(current: String, new: String, _ request: CommandRequest) async throws -> CommandOutcome<[UserEvent]> {
        let user = try selfService(request)
        let command = User.Command.changePassword(
            newPassword: new, currentMatched: try credentials.verifyPassword(current, of: user),
            sameAsCurrent: try credentials.verifyPassword(new, of: user))
        return try await appendIssuingSecret(
            .password, of: user, request,
            stage: { try await credentials.stagePassword(new, of: user, isFirstPassword: false, awaiting: $0) },
            append: { request in
                try await perform(request, allowingPasswordChange: true) { attempt, context in
                    try attempt.decide(User.self, user.rawValue, command, context)
                }
            }).outcome
    }

    /// The user sets their passcode (R-ACC-3); its hash is staged until the event is in the log.
    public func setPasscode(_ passcode: String, _ request: CommandRequest) async throws -> CommandOutcome<[UserEvent]> {
        let user = try selfService(request)
        return try await appendIssuingSecret(
            .passcode, of: user, request,
            stage: { try await credentials.stagePasscode(passcode, of: user, awaiting: $0) },
            append: { request in
                try await perform(request) { attempt, context in
                    try attempt.decide(User.self, user.rawValue, .setPasscode(passcode), context)
                }
            }).outcome
    }

    private func selfService(_ request: CommandRequest) throws -> UserID {
        guard let user = request.actor.userID else {
            throw AccessRefused(missingPermission: .edit(.accountSecurity), organisation: nil, rule: "R-ACC",
                                message: "only a person changes their own password or passcode")
        }
        return user
    }
}

import Chronology

/// A person as the contact forms hold them. `email` is also the username (R-ACC-1).
public struct Person: Sendable, Hashable, Codable {
    public var title: String?
    public var forename: String
    public var surname: String
    public var email: String
    public var telephone: String?
    public var mobile: String?

    public init(title: String? = nil, forename: String, surname: String, email: String, telephone: String? = nil, mobile: String? = nil) {
        self.title = title
        self.forename = forename
        self.surname = surname
        self.email = email
        self.telephone = telephone
        self.mobile = mobile
    }

    /// Trimmed, with a lowercased email, or an error naming the field at fault.
    public func validated() throws(DomainError) -> Person {
        Person(
            title: try TextInput.optional(title, field: "title", maximumLength: 20),
            forename: try TextInput.required(forename, field: "forename", maximumLength: 100),
            surname: try TextInput.required(surname, field: "surname", maximumLength: 100),
            email: try TextInput.email(email),
            telephone: try TextInput.optional(telephone, field: "telephone", maximumLength: 30),
            mobile: try TextInput.optional(mobile, field: "mobile", maximumLength: 30))
    }
}

/// `user-<id>`: everyone who can log in. Provider contacts come through change requests that the helpdesk
/// accepts (R-CON-1, R-CON-2); council staff and auditors are registered by the helpdesk. The stream also
/// holds the security facts of R-ACC; the secrets themselves live in the credential store, never here.
public enum User: EventStream {
    public static let category = "user"

    /// What kind of account this is.
    public enum Kind: Codable, Equatable, Sendable {
        case providerContact(organisation: OrganisationID, role: ProviderRole)
        case councilStaff(team: CouncilTeam)
        case auditor
    }

    public enum Status: String, Codable, Equatable, Sendable {
        case none
        /// A contact creation request waits for the helpdesk.
        case creationRequested = "creation-requested"
        case creationRejected = "creation-rejected"
        case active
        /// The contact's role was removed: no more access (R-CON-2).
        case accessEnded = "access-ended"
    }

    /// A contact change waiting for the helpdesk.
    public enum ContactChange: Codable, Equatable, Sendable {
        case creation
        case amend(person: Person, role: ProviderRole)
        case roleRemoval
    }

    /// The security facts of R-ACC, folded from the stream.
    public struct Security: Codable, Equatable, Sendable {
        public var consecutiveFailures = 0
        public var isLocked = false
        public var isSuspended = false
        /// A first or reset password was issued and not changed yet (R-ACC-1).
        public var mustChangePassword = false
        public var passwordExpiresOn: BusinessDate?
        public var hasPasscode = false
        /// The last login, password issue or reactivation: what R-ACC-6 counts from.
        public var lastActivityAt: Timestamp?
    }

    public struct State: Codable, Equatable, Sendable {
        public var userID: UserID?
        public var kind: Kind?
        public var person: Person?
        public var status: Status = .none
        public var changeRequests = PendingChangeRequests<ContactChange>()
        public var security = Security()

        /// The organisation of a provider contact; nil for council staff and auditors.
        public var organisationID: OrganisationID? {
            if case .providerContact(let organisation, _) = kind { return organisation }
            return nil
        }

        /// The actor this account acts as, when it is active.
        public var actor: Actor? {
            guard let userID, status == .active, let kind else { return nil }
            switch kind {
            case .providerContact(let organisation, let role): return .provider(user: userID, organisation: organisation, role: role)
            case .councilStaff(let team): return .council(user: userID, team: team)
            case .auditor: return .auditor(user: userID)
            }
        }

        /// Why this account may not act now, or nil when it may. `allowingPasswordChange` lets a user whose
        /// first password or expired password must be changed do just that (R-ACC-1, R-ACC-5).
        /// `requiringPasscode` (a login session) also refuses an account with no passcode yet: the second factor
        /// is set right after the first password change, before anything else (R-ACC-3).
        public func accessProblem(today: BusinessDate, allowingPasswordChange: Bool = false, requiringPasscode: Bool = false) -> DomainError? {
            switch status {
            case .none, .creationRequested, .creationRejected:
                return .wrongState(field: "userID", "this account is not active")
            case .accessEnded:
                return .ruleBroken("R-CON-2", field: "userID", "this contact's role was removed; access has ended")
            case .active:
                break
            }
            if security.isLocked {
                return .ruleBroken("R-ACC-4", field: "userID", "the account is locked after three wrong passwords; ask the helpdesk to reset the password")
            }
            if security.isSuspended {
                return .ruleBroken("R-ACC-6", field: "userID", "the account is suspended after 60 days without use; ask the helpdesk to reactivate it")
            }
            if allowingPasswordChange { return nil }
            if security.mustChangePassword {
                return .ruleBroken("R-ACC-1", field: "password", "the first password must be changed before anything else")
            }
            if let expiry = security.passwordExpiresOn, today >= expiry {
                return .ruleBroken("R-ACC-5", field: "password", "the password expired on \(expiry); choose a new one before anything else")
            }
            if requiringPasscode && !security.hasPasscode {
                return .ruleBroken("R-ACC-3", field: "passcode", "a 6-digit passcode (the second factor) must be set before anything else")
            }
            return nil
        }
    }

    public static let initialState = State()

    public enum Command: Sendable {
        /// A provider asks for a new contact of its organisation (R-CON-1).
        case requestContactCreation(UserID, ChangeRequestID, organisation: OrganisationID, person: Person, role: ProviderRole)
        case acceptContactCreation(ChangeRequestID)
        case rejectContactCreation(ChangeRequestID, reason: String)
        case requestContactAmend(ChangeRequestID, person: Person, role: ProviderRole)
        case acceptContactAmend(ChangeRequestID)
        case rejectContactAmend(ChangeRequestID, reason: String)
        /// "Remove role": on acceptance the contact's access ends at once (R-CON-2).
        case requestRoleRemoval(ChangeRequestID)
        case acceptRoleRemoval(ChangeRequestID)
        case rejectRoleRemoval(ChangeRequestID, reason: String)
        /// `reason` is required of an operator at the shell, and recorded.
        case registerCouncilUser(UserID, Person, team: CouncilTeam, reason: String? = nil)
        case registerAuditor(UserID, Person)
        /// A login attempt, checked by the application against the credential store.
        case recordLoginAttempt(passwordMatched: Bool)
        /// The user chooses a new password; the application checked the current one.
        case changePassword(newPassword: String, currentMatched: Bool, sameAsCurrent: Bool)
        case setPasscode(String)
        /// The suspension job's look at an account (R-ACC-6).
        case suspendIfUnused
        case reactivate
        /// The helpdesk issues a new first password, which also unlocks the account (R-ACC-4).
        case resetPassword

        /// The permission the actor needs, or nil when only the user themselves may do it.
        public var requiredPermission: Permission? {
            switch self {
            case .requestContactCreation, .requestContactAmend, .requestRoleRemoval: .edit(.contacts)
            case .acceptContactCreation, .rejectContactCreation, .acceptContactAmend, .rejectContactAmend,
                 .acceptRoleRemoval, .rejectRoleRemoval:
                .edit(.changeRequestDecisions)
            case .registerCouncilUser, .registerAuditor, .recordLoginAttempt, .suspendIfUnused, .reactivate, .resetPassword:
                .edit(.accountSecurity)
            case .changePassword, .setPasscode: nil
            }
        }
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [UserEvent] {
        let now = context.now
        let policy = context.policy.access
        switch command {
        case .requestContactCreation(let userID, let request, let organisation, let person, let role):
            try requireUnused(state, userID)
            return [.contactCreationRequested(.init(
                userID: userID, organisationID: organisation, requestID: request, person: try person.validated(), role: role))]
        case .registerCouncilUser(let userID, let person, let team, let reason):
            try requireUnused(state, userID)
            let reason = try TextInput.optional(reason, field: "reason", maximumLength: 500)
            if case .operator = context.actor, reason == nil {
                throw DomainError.invalidValue(field: "reason", "an operator registering council staff from the shell must give a reason (--reason)", rule: nil)
            }
            return [.councilUserRegistered(.init(userID: userID, person: try person.validated(), team: team, reason: reason)),
                    .firstPasswordIssued(.init(userID: userID, at: now))]
        case .registerAuditor(let userID, let person):
            try requireUnused(state, userID)
            return [.auditorRegistered(.init(userID: userID, person: try person.validated())),
                    .firstPasswordIssued(.init(userID: userID, at: now))]
        default:
            break
        }
        guard let userID = state.userID else { throw DomainError.notFound(field: "userID", "there is no such user") }
        switch command {
        case .requestContactCreation, .registerCouncilUser, .registerAuditor:
            return []
        case .acceptContactCreation(let request):
            guard case .creation = try state.changeRequests.pending(request) else { throw notA("creation", request) }
            return [.contactCreationAccepted(.init(userID: userID, requestID: request)),
                    .firstPasswordIssued(.init(userID: userID, at: now))]
        case .rejectContactCreation(let request, let reason):
            guard case .creation = try state.changeRequests.pending(request) else { throw notA("creation", request) }
            return [.contactCreationRejected(.init(userID: userID, requestID: request, reason: try PendingChangeRequests<ContactChange>.reason(reason)))]
        case .requestContactAmend(let request, let person, let role):
            try requireActiveContact(state)
            try state.changeRequests.checkNew(request)
            return [.contactAmendRequested(.init(userID: userID, requestID: request, person: try person.validated(), role: role))]
        case .acceptContactAmend(let request):
            guard case .amend(let person, let role) = try state.changeRequests.pending(request) else { throw notA("amend", request) }
            try requireActiveContact(state)
            return [.contactAmendAccepted(.init(userID: userID, requestID: request, person: person, role: role))]
        case .rejectContactAmend(let request, let reason):
            guard case .amend = try state.changeRequests.pending(request) else { throw notA("amend", request) }
            return [.contactAmendRejected(.init(userID: userID, requestID: request, reason: try PendingChangeRequests<ContactChange>.reason(reason)))]
        case .requestRoleRemoval(let request):
            try requireActiveContact(state)
            try state.changeRequests.checkNew(request)
            return [.contactRoleRemovalRequested(.init(userID: userID, requestID: request))]
        case .acceptRoleRemoval(let request):
            guard case .roleRemoval = try state.changeRequests.pending(request) else { throw notA("role removal", request) }
            return [.contactRoleRemovalAccepted(.init(userID: userID, requestID: request, at: now))]
        case .rejectRoleRemoval(let request, let reason):
            guard case .roleRemoval = try state.changeRequests.pending(request) else { throw notA("role removal", request) }
            return [.contactRoleRemovalRejected(.init(userID: userID, requestID: request, reason: try PendingChangeRequests<ContactChange>.reason(reason)))]
        case .recordLoginAttempt(let passwordMatched):
            if let problem = state.accessProblem(today: context.today, allowingPasswordChange: true) { throw problem }
            if let lastUsed = state.security.lastActivityAt,
               AccessRules.isUnusedTooLong(lastUsedOn: BusinessDate(lastUsed), today: context.today, policy: policy) {
                return [.accountSuspended(suspension(userID, lastUsed, context))]
            }
            guard passwordMatched else {
                let failures = state.security.consecutiveFailures + 1
                var events: [UserEvent] = [.loginFailed(.init(userID: userID, at: now, consecutiveFailures: failures))]
                if failures >= policy.failuresBeforeLock {
                    events.append(.accountLocked(.init(userID: userID, at: now, failedAttempts: failures)))
                }
                return events
            }
            return [.loginSucceeded(.init(userID: userID, at: now))]
        case .changePassword(let newPassword, let currentMatched, let sameAsCurrent):
            if let problem = state.accessProblem(today: context.today, allowingPasswordChange: true) { throw problem }
            guard currentMatched else {
                throw DomainError.invalidValue(field: "currentPassword", "the current password is not correct")
            }
            try AccessRules.checkPassword(newPassword, policy: policy)
            guard !sameAsCurrent else {
                throw DomainError.invalidValue(field: "password", "the new password must differ from the current one", rule: "R-ACC-5")
            }
            return [.passwordChanged(.init(userID: userID, at: now, expiresOn: AccessRules.passwordExpiry(setOn: context.today, policy: policy)))]
        case .setPasscode(let passcode):
            if let problem = state.accessProblem(today: context.today, allowingPasswordChange: true) { throw problem }
            try AccessRules.checkPasscode(passcode, policy: policy)
            return [.passcodeSet(.init(userID: userID, at: now))]
        case .suspendIfUnused:
            guard state.status == .active, !state.security.isSuspended, let lastUsed = state.security.lastActivityAt,
                  AccessRules.isUnusedTooLong(lastUsedOn: BusinessDate(lastUsed), today: context.today, policy: policy)
            else { return [] }
            return [.accountSuspended(suspension(userID, lastUsed, context))]
        case .reactivate:
            guard state.security.isSuspended else {
                throw DomainError.wrongState(field: "userID", "the account is not suspended", rule: "R-ACC-6")
            }
            return [.accountReactivated(.init(userID: userID, at: now))]
        case .resetPassword:
            guard state.status == .active else {
                throw DomainError.wrongState(field: "userID", "only an active account's password can be reset")
            }
            return [.passwordResetByHelpdesk(.init(userID: userID, at: now))]
        }
    }

    private static func requireUnused(_ state: State, _ userID: UserID) throws(DomainError) {
        guard state.userID == nil else { throw .duplicate(field: "userID", "user \(userID) exists already") }
    }

    private static func requireActiveContact(_ state: State) throws(DomainError) {
        guard case .providerContact = state.kind else {
            throw .wrongState(field: "userID", "only a provider contact is changed through change requests", rule: "R-CON-1")
        }
        guard state.status == .active else {
            throw .wrongState(field: "userID", "the contact is not active (\(state.status.rawValue))", rule: "R-CON-1")
        }
    }

    private static func notA(_ kind: String, _ request: ChangeRequestID) -> DomainError {
        .wrongState(field: "requestID", "change request \(request) is not a contact \(kind) request", rule: "R-CON-1")
    }

    private static func suspension(_ userID: UserID, _ lastUsed: Timestamp, _ context: CommandContext) -> AccountSuspended {
        AccountSuspended(userID: userID, at: context.now, lastUsedOn: BusinessDate(lastUsed),
                         unusedDays: BusinessDate(lastUsed).distance(to: context.today))
    }

    public static func evolve(_ state: State, _ event: UserEvent) -> State {
        var state = state
        switch event {
        case .contactCreationRequested(let e):
            state.userID = e.userID
            state.kind = .providerContact(organisation: e.organisationID, role: e.role)
            state.person = e.person
            state.status = .creationRequested
            state.changeRequests.add(e.requestID, .creation)
        case .contactCreationAccepted(let e):
            state.status = .active
            state.changeRequests.close(e.requestID)
        case .contactCreationRejected(let e):
            state.status = .creationRejected
            state.changeRequests.close(e.requestID)
        case .contactAmendRequested(let e):
            state.changeRequests.add(e.requestID, .amend(person: e.person, role: e.role))
        case .contactAmendAccepted(let e):
            state.person = e.person
            if case .providerContact(let organisation, _) = state.kind {
                state.kind = .providerContact(organisation: organisation, role: e.role)
            }
            state.changeRequests.close(e.requestID)
        case .contactAmendRejected(let e):
            state.changeRequests.close(e.requestID)
        case .contactRoleRemovalRequested(let e):
            state.changeRequests.add(e.requestID, .roleRemoval)
        case .contactRoleRemovalAccepted(let e):
            state.status = .accessEnded
            state.changeRequests.close(e.requestID)
        case .contactRoleRemovalRejected(let e):
            state.changeRequests.close(e.requestID)
        case .councilUserRegistered(let e):
            state.userID = e.userID
            state.kind = .councilStaff(team: e.team)
            state.person = e.person
            state.status = .active
        case .auditorRegistered(let e):
            state.userID = e.userID
            state.kind = .auditor
            state.person = e.person
            state.status = .active
        case .firstPasswordIssued(let e):
            state.security.mustChangePassword = true
            state.security.lastActivityAt = e.at
        case .loginSucceeded(let e):
            state.security.consecutiveFailures = 0
            state.security.lastActivityAt = e.at
        case .loginFailed(let e):
            state.security.consecutiveFailures = e.consecutiveFailures
        case .accountLocked:
            state.security.isLocked = true
        case .passwordChanged(let e):
            state.security.mustChangePassword = false
            state.security.passwordExpiresOn = e.expiresOn
            state.security.consecutiveFailures = 0
        case .passcodeSet:
            state.security.hasPasscode = true
        case .accountSuspended:
            state.security.isSuspended = true
        case .accountReactivated(let e):
            state.security.isSuspended = false
            state.security.lastActivityAt = e.at
        case .passwordResetByHelpdesk(let e):
            state.security.isLocked = false
            state.security.consecutiveFailures = 0
            state.security.mustChangePassword = true
            state.security.lastActivityAt = e.at
        }
        return state
    }
}

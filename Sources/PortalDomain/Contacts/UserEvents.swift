import Chronology

public enum UserEvent: StreamEvent {
    case contactCreationRequested(ContactCreationRequested)
    case contactCreationAccepted(ContactCreationAccepted)
    case contactCreationRejected(ContactCreationRejected)
    case contactAmendRequested(ContactAmendRequested)
    case contactAmendAccepted(ContactAmendAccepted)
    case contactAmendRejected(ContactAmendRejected)
    case contactRoleRemovalRequested(ContactRoleRemovalRequested)
    case contactRoleRemovalAccepted(ContactRoleRemovalAccepted)
    case contactRoleRemovalRejected(ContactRoleRemovalRejected)
    case councilUserRegistered(CouncilUserRegistered)
    case auditorRegistered(AuditorRegistered)
    case firstPasswordIssued(FirstPasswordIssued)
    case loginSucceeded(LoginSucceeded)
    case loginFailed(LoginFailed)
    case accountLocked(AccountLocked)
    case passwordChanged(PasswordChanged)
    case passcodeSet(PasscodeSet)
    case accountSuspended(AccountSuspended)
    case accountReactivated(AccountReactivated)
    case passwordResetByHelpdesk(PasswordResetByHelpdesk)

    public static let payloadTypes: [any EventPayload.Type] = [
        ContactCreationRequested.self, ContactCreationAccepted.self, ContactCreationRejected.self,
        ContactAmendRequested.self, ContactAmendAccepted.self, ContactAmendRejected.self,
        ContactRoleRemovalRequested.self, ContactRoleRemovalAccepted.self, ContactRoleRemovalRejected.self,
        CouncilUserRegistered.self, AuditorRegistered.self, FirstPasswordIssued.self,
        LoginSucceeded.self, LoginFailed.self, AccountLocked.self, PasswordChanged.self, PasscodeSet.self,
        AccountSuspended.self, AccountReactivated.self, PasswordResetByHelpdesk.self,
    ]

    public var payload: any EventPayload {
        switch self {
        case .contactCreationRequested(let p): p
        case .contactCreationAccepted(let p): p
        case .contactCreationRejected(let p): p
        case .contactAmendRequested(let p): p
        case .contactAmendAccepted(let p): p
        case .contactAmendRejected(let p): p
        case .contactRoleRemovalRequested(let p): p
        case .contactRoleRemovalAccepted(let p): p
        case .contactRoleRemovalRejected(let p): p
        case .councilUserRegistered(let p): p
        case .auditorRegistered(let p): p
        case .firstPasswordIssued(let p): p
        case .loginSucceeded(let p): p
        case .loginFailed(let p): p
        case .accountLocked(let p): p
        case .passwordChanged(let p): p
        case .passcodeSet(let p): p
        case .accountSuspended(let p): p
        case .accountReactivated(let p): p
        case .passwordResetByHelpdesk(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let p as ContactCreationRequested: self = .contactCreationRequested(p)
        case let p as ContactCreationAccepted: self = .contactCreationAccepted(p)
        case let p as ContactCreationRejected: self = .contactCreationRejected(p)
        case let p as ContactAmendRequested: self = .contactAmendRequested(p)
        case let p as ContactAmendAccepted: self = .contactAmendAccepted(p)
        case let p as ContactAmendRejected: self = .contactAmendRejected(p)
        case let p as ContactRoleRemovalRequested: self = .contactRoleRemovalRequested(p)
        case let p as ContactRoleRemovalAccepted: self = .contactRoleRemovalAccepted(p)
        case let p as ContactRoleRemovalRejected: self = .contactRoleRemovalRejected(p)
        case let p as CouncilUserRegistered: self = .councilUserRegistered(p)
        case let p as AuditorRegistered: self = .auditorRegistered(p)
        case let p as FirstPasswordIssued: self = .firstPasswordIssued(p)
        case let p as LoginSucceeded: self = .loginSucceeded(p)
        case let p as LoginFailed: self = .loginFailed(p)
        case let p as AccountLocked: self = .accountLocked(p)
        case let p as PasswordChanged: self = .passwordChanged(p)
        case let p as PasscodeSet: self = .passcodeSet(p)
        case let p as AccountSuspended: self = .accountSuspended(p)
        case let p as AccountReactivated: self = .accountReactivated(p)
        case let p as PasswordResetByHelpdesk: self = .passwordResetByHelpdesk(p)
        default: return nil
        }
    }
}

/// A provider asked for a new contact of its organisation with a role (R-CON-1).
public struct ContactCreationRequested: EventPayload {
    public static let eventType = "ContactCreationRequested"
    public static let schemaVersion = 1
    public var userID: UserID
    public var organisationID: OrganisationID
    public var requestID: ChangeRequestID
    public var person: Person
    public var role: ProviderRole
    public init(userID: UserID, organisationID: OrganisationID, requestID: ChangeRequestID, person: Person, role: ProviderRole) {
        self.userID = userID
        self.organisationID = organisationID
        self.requestID = requestID
        self.person = person
        self.role = role
    }
}

/// The helpdesk accepted a contact creation: the contact may log in with a first password.
public struct ContactCreationAccepted: EventPayload {
    public static let eventType = "ContactCreationAccepted"
    public static let schemaVersion = 1
    public var userID: UserID
    public var requestID: ChangeRequestID
    public init(userID: UserID, requestID: ChangeRequestID) {
        self.userID = userID
        self.requestID = requestID
    }
}

/// The helpdesk rejected a contact creation.
public struct ContactCreationRejected: EventPayload {
    public static let eventType = "ContactCreationRejected"
    public static let schemaVersion = 1
    public var userID: UserID
    public var requestID: ChangeRequestID
    public var reason: String
    public init(userID: UserID, requestID: ChangeRequestID, reason: String) {
        self.userID = userID
        self.requestID = requestID
        self.reason = reason
    }
}

/// A provider asked to amend a contact's details or role (R-CON-1).
public struct ContactAmendRequested: EventPayload {
    public static let eventType = "ContactAmendRequested"
    public static let schemaVersion = 1
    public var userID: UserID
    public var requestID: ChangeRequestID
    public var person: Person
    public var role: ProviderRole
    public init(userID: UserID, requestID: ChangeRequestID, person: Person, role: ProviderRole) {
        self.userID = userID
        self.requestID = requestID
        self.person = person
        self.role = role
    }
}

/// The helpdesk accepted an amendment: the contact's details and role are now these.
public struct ContactAmendAccepted: EventPayload {
    public static let eventType = "ContactAmendAccepted"
    public static let schemaVersion = 1
    public var userID: UserID
    public var requestID: ChangeRequestID
    public var person: Person
    public var role: ProviderRole
    public init(userID: UserID, requestID: ChangeRequestID, person: Person, role: ProviderRole) {
        self.userID = userID
        self.requestID = requestID
        self.person = person
        self.role = role
    }
}

/// The helpdesk rejected an amendment.
public struct ContactAmendRejected: EventPayload {
    public static let eventType = "ContactAmendRejected"
    public static let schemaVersion = 1
    public var userID: UserID
    public var requestID: ChangeRequestID
    public var reason: String
    public init(userID: UserID, requestID: ChangeRequestID, reason: String) {
        self.userID = userID
        self.requestID = requestID
        self.reason = reason
    }
}

/// A provider pressed "Remove role" on a contact (R-CON-2).
public struct ContactRoleRemovalRequested: EventPayload {
    public static let eventType = "ContactRoleRemovalRequested"
    public static let schemaVersion = 1
    public var userID: UserID
    public var requestID: ChangeRequestID
    public init(userID: UserID, requestID: ChangeRequestID) {
        self.userID = userID
        self.requestID = requestID
    }
}

/// The helpdesk accepted a role removal: the contact's access ended at `at` (R-CON-2).
public struct ContactRoleRemovalAccepted: EventPayload {
    public static let eventType = "ContactRoleRemovalAccepted"
    public static let schemaVersion = 1
    public var userID: UserID
    public var requestID: ChangeRequestID
    public var at: Timestamp
    public init(userID: UserID, requestID: ChangeRequestID, at: Timestamp) {
        self.userID = userID
        self.requestID = requestID
        self.at = at
    }
}

/// The helpdesk rejected a role removal.
public struct ContactRoleRemovalRejected: EventPayload {
    public static let eventType = "ContactRoleRemovalRejected"
    public static let schemaVersion = 1
    public var userID: UserID
    public var requestID: ChangeRequestID
    public var reason: String
    public init(userID: UserID, requestID: ChangeRequestID, reason: String) {
        self.userID = userID
        self.requestID = requestID
        self.reason = reason
    }
}

/// The helpdesk registered a member of council staff in a team (R-ROLE-3), or an operator did from the shell
/// (`portal init`, `portal staff add`), saying why.
public struct CouncilUserRegistered: EventPayload {
    public static let eventType = "CouncilUserRegistered"
    public static let schemaVersion = 1
    public var userID: UserID
    public var person: Person
    public var team: CouncilTeam
    /// Why an operator registered the account; nil when the helpdesk did (its session is the reason).
    public var reason: String?
    public init(userID: UserID, person: Person, team: CouncilTeam, reason: String? = nil) {
        self.userID = userID
        self.person = person
        self.team = team
        self.reason = reason
    }
}

/// The helpdesk registered an auditor (reads everything, changes nothing).
public struct AuditorRegistered: EventPayload {
    public static let eventType = "AuditorRegistered"
    public static let schemaVersion = 1
    public var userID: UserID
    public var person: Person
    public init(userID: UserID, person: Person) {
        self.userID = userID
        self.person = person
    }
}

/// A generated first password was issued; it must be changed at first login (R-ACC-1). The password is in
/// the credential store only.
public struct FirstPasswordIssued: EventPayload {
    public static let eventType = "FirstPasswordIssued"
    public static let schemaVersion = 1
    public var userID: UserID
    public var at: Timestamp
    public init(userID: UserID, at: Timestamp) {
        self.userID = userID
        self.at = at
    }
}

/// A successful login: resets the failure count and counts as use (R-ACC-4, R-ACC-6).
public struct LoginSucceeded: EventPayload {
    public static let eventType = "LoginSucceeded"
    public static let schemaVersion = 1
    public var userID: UserID
    public var at: Timestamp
    public init(userID: UserID, at: Timestamp) {
        self.userID = userID
        self.at = at
    }
}

/// A wrong password; `consecutiveFailures` counts the wrong ones in a row (R-ACC-4).
public struct LoginFailed: EventPayload {
    public static let eventType = "LoginFailed"
    public static let schemaVersion = 1
    public var userID: UserID
    public var at: Timestamp
    public var consecutiveFailures: Int
    public init(userID: UserID, at: Timestamp, consecutiveFailures: Int) {
        self.userID = userID
        self.at = at
        self.consecutiveFailures = consecutiveFailures
    }
}

/// The account was locked after three wrong passwords in a row; only a helpdesk reset unlocks it (R-ACC-4).
public struct AccountLocked: EventPayload {
    public static let eventType = "AccountLocked"
    public static let schemaVersion = 1
    public var userID: UserID
    public var at: Timestamp
    public var failedAttempts: Int
    public init(userID: UserID, at: Timestamp, failedAttempts: Int) {
        self.userID = userID
        self.at = at
        self.failedAttempts = failedAttempts
    }
}

/// The user chose a new password; it expires on `expiresOn` (R-ACC-5).
public struct PasswordChanged: EventPayload {
    public static let eventType = "PasswordChanged"
    public static let schemaVersion = 1
    public var userID: UserID
    public var at: Timestamp
    public var expiresOn: BusinessDate
    public init(userID: UserID, at: Timestamp, expiresOn: BusinessDate) {
        self.userID = userID
        self.at = at
        self.expiresOn = expiresOn
    }
}

/// The user set a passcode, the second factor (R-ACC-3). The passcode is in the credential store only.
public struct PasscodeSet: EventPayload {
    public static let eventType = "PasscodeSet"
    public static let schemaVersion = 1
    public var userID: UserID
    public var at: Timestamp
    public init(userID: UserID, at: Timestamp) {
        self.userID = userID
        self.at = at
    }
}

/// The account was suspended after `unusedDays` days without use (R-ACC-6).
public struct AccountSuspended: EventPayload {
    public static let eventType = "AccountSuspended"
    public static let schemaVersion = 1
    public var userID: UserID
    public var at: Timestamp
    public var lastUsedOn: BusinessDate
    public var unusedDays: Int
    public init(userID: UserID, at: Timestamp, lastUsedOn: BusinessDate, unusedDays: Int) {
        self.userID = userID
        self.at = at
        self.lastUsedOn = lastUsedOn
        self.unusedDays = unusedDays
    }
}

/// The helpdesk reactivated a suspended account (R-ACC-6).
public struct AccountReactivated: EventPayload {
    public static let eventType = "AccountReactivated"
    public static let schemaVersion = 1
    public var userID: UserID
    public var at: Timestamp
    public init(userID: UserID, at: Timestamp) {
        self.userID = userID
        self.at = at
    }
}

/// The helpdesk reset the password: a new first password, which unlocks the account (R-ACC-4).
public struct PasswordResetByHelpdesk: EventPayload {
    public static let eventType = "PasswordResetByHelpdesk"
    public static let schemaVersion = 1
    public var userID: UserID
    public var at: Timestamp
    public init(userID: UserID, at: Timestamp) {
        self.userID = userID
        self.at = at
    }
}

import Chronology
import EventLog
import PortalDomain

/// Everyone who can log in: provider contacts by organisation with their roles, council staff by team,
/// auditors; the contact change requests waiting for the helpdesk (R-CON-1, R-CON-2) and the security facts
/// of each account (R-ACC), folded with the domain's own `User.evolve`. No secret is in the log, so none is here.
///
/// Tables: `users` [user] → ``ContactEntry``; `by-organisation` [org, user]; `council` [team | "auditor",
/// user]; `pending-requests` [requested at, user, request] (the helpdesk's queue, oldest first);
/// `by-last-activity` [last activity, user] for active, unsuspended accounts (the suspension job, R-ACC-6).
public enum ContactsProjection: Projection {
    public static let name = "contacts"
    public static let version = 2
    public static let tables = ["users", "by-organisation", "council", "pending-requests", "by-last-activity"]
    public static let eventTypes = Set(UserEvent.payloadTypes.map { $0.eventType })

    public static func apply(_ event: ProjectedEvent, to model: borrowing ReadModelWriter) throws {
        guard let userEvent = UserEvent(payload: event.payload) else { return }
        let key = ReadModelKey(.text(userEvent.userID.rawValue))
        let step = StepRecord(event)
        let old = try model.get(ContactEntry.self, "users", key)
        var entry = old ?? ContactEntry(account: User.initialState, pendingRequests: [], created: step, lastChanged: step, version: 0)
        if old == nil {
            guard userEvent.createsAccount else { throw ReadModelInconsistency.unknown("user \(userEvent.userID)", in: event) }
        }
        entry.account = User.evolve(entry.account, userEvent)
        entry.version = event.envelope.streamVersion
        entry.record(userEvent, step)
        try model.moveIndexes(from: old?.indexEntries ?? [], to: entry.indexEntries)
        try model.put(entry, "users", key)
    }
}

extension UserEvent {
    var userID: UserID {
        switch self {
        case .contactCreationRequested(let e): e.userID
        case .contactCreationAccepted(let e): e.userID
        case .contactCreationRejected(let e): e.userID
        case .contactAmendRequested(let e): e.userID
        case .contactAmendAccepted(let e): e.userID
        case .contactAmendRejected(let e): e.userID
        case .contactRoleRemovalRequested(let e): e.userID
        case .contactRoleRemovalAccepted(let e): e.userID
        case .contactRoleRemovalRejected(let e): e.userID
        case .councilUserRegistered(let e): e.userID
        case .auditorRegistered(let e): e.userID
        case .firstPasswordIssued(let e): e.userID
        case .loginSucceeded(let e): e.userID
        case .loginFailed(let e): e.userID
        case .accountLocked(let e): e.userID
        case .passwordChanged(let e): e.userID
        case .passcodeSet(let e): e.userID
        case .accountSuspended(let e): e.userID
        case .accountReactivated(let e): e.userID
        case .passwordResetByHelpdesk(let e): e.userID
        }
    }

    /// The events that start a user's stream.
    var createsAccount: Bool {
        switch self {
        case .contactCreationRequested, .councilUserRegistered, .auditorRegistered: true
        default: false
        }
    }
}

/// A contact change waiting for the helpdesk, with who asked and when.
public struct PendingContactRequest: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case creation
        case amend
        case roleRemoval = "role-removal"
    }

    public var requestID: ChangeRequestID
    public var kind: Kind
    /// The details and role asked for (creation and amend).
    public var person: Person?
    public var role: ProviderRole?
    public var requested: StepRecord
}

/// One account as it stands: the domain's folded state of its `user-` stream, plus who did what and when.
public struct ContactEntry: Codable, Sendable, Equatable {
    /// The account's state, folded by `User.evolve`: kind (contact of an organisation with its role, council
    /// staff of a team, auditor), person, status and the security facts (R-ACC).
    public var account: User.State
    /// Change requests waiting for the helpdesk, oldest first.
    public var pendingRequests: [PendingContactRequest]
    /// The event that created the account (a creation request or a registration).
    public var created: StepRecord
    /// The last change of details, role, status or security.
    public var lastChanged: StepRecord
    /// When the contact's access ended (role removal accepted, R-CON-2).
    public var accessEnded: StepRecord?
    /// The version of the account's `user-` stream (its HTTP ETag).
    public var version: UInt64

    public var userID: UserID? { account.userID }
    public var organisationID: OrganisationID? { account.organisationID }

    mutating func record(_ event: UserEvent, _ step: StepRecord) {
        lastChanged = step
        switch event {
        case .contactCreationRequested(let e):
            pendingRequests.append(.init(requestID: e.requestID, kind: .creation, person: e.person, role: e.role, requested: step))
        case .contactAmendRequested(let e):
            pendingRequests.append(.init(requestID: e.requestID, kind: .amend, person: e.person, role: e.role, requested: step))
        case .contactRoleRemovalRequested(let e):
            pendingRequests.append(.init(requestID: e.requestID, kind: .roleRemoval, person: nil, role: nil, requested: step))
        case .contactCreationAccepted(let e): close(e.requestID)
        case .contactCreationRejected(let e): close(e.requestID)
        case .contactAmendAccepted(let e): close(e.requestID)
        case .contactAmendRejected(let e): close(e.requestID)
        case .contactRoleRemovalAccepted(let e):
            close(e.requestID)
            accessEnded = step
        case .contactRoleRemovalRejected(let e): close(e.requestID)
        default: break
        }
    }

    private mutating func close(_ request: ChangeRequestID) {
        pendingRequests.removeAll { $0.requestID == request }
    }

    /// Where the account is listed.
    var indexEntries: [IndexEntry] {
        guard let user = account.userID?.rawValue, let kind = account.kind else { return [] }
        var entries: [IndexEntry] = []
        switch kind {
        case .providerContact(let organisation, _): entries.append(IndexEntry("by-organisation", .text(organisation.rawValue), .text(user)))
        case .councilStaff(let team): entries.append(IndexEntry("council", .text(team.rawValue), .text(user)))
        case .auditor: entries.append(IndexEntry("council", .text("auditor"), .text(user)))
        }
        for request in pendingRequests {
            entries.append(IndexEntry("pending-requests", .instant(request.requested.at), .text(user), .text(request.requestID.rawValue)))
        }
        if account.status == .active, !account.security.isSuspended, let last = account.security.lastActivityAt {
            entries.append(IndexEntry("by-last-activity", .instant(last), .text(user)))
        }
        return entries
    }
}

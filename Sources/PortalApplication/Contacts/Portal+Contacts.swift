import EventLog
import PortalDomain

/// Contacts and accounts (R-CON, R-ROLE-1, R-ACC): provider requests, helpdesk decisions, staff and auditors.
extension Portal {
    /// A provider's super user or administration asks for a new contact (R-CON-1, R-ROLE-1).
    public func requestContactCreation(
        _ user: UserID, requestID: ChangeRequestID, organisation: OrganisationID, person: Person, role: ProviderRole, _ request: CommandRequest
    ) async throws -> CommandOutcome<[UserEvent]> {
        let command = User.Command.requestContactCreation(user, requestID, organisation: organisation, person: person, role: role)
        return try await perform(request) { attempt, context in
            try authorise(request.actor, .edit(.contacts), organisation: organisation)
            guard try attempt.load(Organisation.self, organisation.rawValue).isRegistered else {
                throw DomainError.notFound(field: "organisationID", "there is no organisation \(organisation)")
            }
            return try attempt.decide(User.self, user.rawValue, command, context)
        }
    }

    /// The helpdesk accepts a contact creation: the email becomes the username and a first password is
    /// issued, returned here once for the helpdesk to give by phone (R-ACC-1). Nil for a retried request.
    /// When the acceptance is not applied (refused when appended, or the append fails) the username is free
    /// again and no password hash is kept.
    public func acceptContactCreation(_ user: UserID, requestID: ChangeRequestID, _ request: CommandRequest) async throws -> CommandOutcome<String> {
        if let retry: CommandOutcome<String> = try alreadyApplied(request) { return retry }
        let state = try self.state(of: User.self, user.rawValue)
        try authorise(request.actor, .edit(.changeRequestDecisions), organisation: state.organisationID)
        _ = try User.decide(.acceptContactCreation(requestID), state, context(for: request.actor))
        return try await issueFirstPassword(user, .acceptContactCreation(requestID), request, claiming: state.person?.email)
    }

    public func rejectContactCreation(_ user: UserID, requestID: ChangeRequestID, reason: String, _ request: CommandRequest) async throws -> CommandOutcome<[UserEvent]> {
        try await decideOnUser(user, .rejectContactCreation(requestID, reason: reason), request)
    }

    public func requestContactAmend(_ user: UserID, requestID: ChangeRequestID, person: Person, role: ProviderRole, _ request: CommandRequest) async throws -> CommandOutcome<[UserEvent]> {
        try await decideOnUser(user, .requestContactAmend(requestID, person: person, role: role), request)
    }

    /// The helpdesk accepts an amendment; a new email becomes the username. When the acceptance is not
    /// applied, the contact keeps the old username and the new one is free again.
    public func acceptContactAmend(_ user: UserID, requestID: ChangeRequestID, _ request: CommandRequest) async throws -> CommandOutcome<[UserEvent]> {
        if let retry: CommandOutcome<[UserEvent]> = try alreadyApplied(request) { return retry }
        let state = try self.state(of: User.self, user.rawValue)
        try authorise(request.actor, .edit(.changeRequestDecisions), organisation: state.organisationID)
        let events = try User.decide(.acceptContactAmend(requestID), state, context(for: request.actor))
        var newEmail: String?
        if case .contactAmendAccepted(let accepted)? = events.first, accepted.person.email != state.person?.email {
            newEmail = accepted.person.email
        }
        return try await appendClaimingUsername(newEmail, for: user) {
            try await decideOnUser(user, .acceptContactAmend(requestID), request)
        }
    }

    public func rejectContactAmend(_ user: UserID, requestID: ChangeRequestID, reason: String, _ request: CommandRequest) async throws -> CommandOutcome<[UserEvent]> {
        try await decideOnUser(user, .rejectContactAmend(requestID, reason: reason), request)
    }

    /// "Remove role" (R-CON-2).
    public func requestRoleRemoval(_ user: UserID, requestID: ChangeRequestID, _ request: CommandRequest) async throws -> CommandOutcome<[UserEvent]> {
        try await decideOnUser(user, .requestRoleRemoval(requestID), request)
    }

    /// Accepting a role removal ends the contact's access at once: every later command or session check of
    /// the contact is refused (R-CON-2).
    public func acceptRoleRemoval(_ user: UserID, requestID: ChangeRequestID, _ request: CommandRequest) async throws -> CommandOutcome<[UserEvent]> {
        try await decideOnUser(user, .acceptRoleRemoval(requestID), request)
    }

    public func rejectRoleRemoval(_ user: UserID, requestID: ChangeRequestID, reason: String, _ request: CommandRequest) async throws -> CommandOutcome<[UserEvent]> {
        try await decideOnUser(user, .rejectRoleRemoval(requestID, reason: reason), request)
    }

    /// The helpdesk registers council staff in a team, or an operator does from the shell with a `reason`;
    /// returns their first password (R-ACC-1).
    public func registerCouncilUser(
        _ user: UserID, person: Person, team: CouncilTeam, reason: String? = nil, _ request: CommandRequest
    ) async throws -> CommandOutcome<String> {
        try await registerAccount(user, person: person, .registerCouncilUser(user, person, team: team, reason: reason), request)
    }

    /// The helpdesk registers an auditor; returns their first password.
    public func registerAuditor(_ user: UserID, person: Person, _ request: CommandRequest) async throws -> CommandOutcome<String> {
        try await registerAccount(user, person: person, .registerAuditor(user, person), request)
    }

    private func registerAccount(_ user: UserID, person: Person, _ command: User.Command, _ request: CommandRequest) async throws -> CommandOutcome<String> {
        try authorise(request.actor, .edit(.accountSecurity), organisation: nil)
        if let retry: CommandOutcome<String> = try alreadyApplied(request) { return retry }
        let state = try self.state(of: User.self, user.rawValue)
        _ = try User.decide(command, state, context(for: request.actor))
        return try await issueFirstPassword(user, command, request, claiming: try person.validated().email, existing: false)
    }

    /// Appends `command`'s events (which issue a first password) with the generated password's hash staged
    /// beside the log, and `username` claimed, until the events are in the log (see ``appendIssuingSecret``).
    /// The password is returned once; nil for a retried request, or when a concurrent command issued the user
    /// another password meanwhile (that one holds).
    private func issueFirstPassword(
        _ user: UserID, _ command: User.Command, _ request: CommandRequest, claiming username: String? = nil, existing: Bool = true
    ) async throws -> CommandOutcome<String> {
        let password = CredentialStore.generateFirstPassword()
        let issue = try await appendIssuingSecret(
            .password, of: user, claiming: username, request,
            stage: { try await credentials.stagePassword(password, of: user, isFirstPassword: true, awaiting: $0) },
            append: { try await decideOnUser(user, command, $0, existing: existing) })
        let outcome = issue.outcome
        return outcome.with(issue.isEffective ? password : nil)
    }

    /// The helpdesk resets a password: a new first password, which also unlocks the account (R-ACC-4).
    public func resetPassword(_ user: UserID, _ request: CommandRequest) async throws -> CommandOutcome<String> {
        // Refused before a password is generated and staged: an unknown user, another organisation's, no right.
        let state = try self.state(of: User.self, user.rawValue)
        try authoriseOnRecord(request.actor, .edit(.accountSecurity), organisation: state.organisationID, exists: state.userID != nil,
                              "user \(user)")
        return try await issueFirstPassword(user, .resetPassword, request)
    }

    /// The helpdesk reactivates a suspended account (R-ACC-6).
    public func reactivate(_ user: UserID, _ request: CommandRequest) async throws -> CommandOutcome<[UserEvent]> {
        try await decideOnUser(user, .reactivate, request)
    }

    /// The suspension job: suspends every account unused for 60 days (R-ACC-6). Returns the users suspended.
    public func suspendUnusedAccounts(job: String = "account-suspension") async throws -> [UserID] {
        var suspended: [UserID] = []
        var after: String?
        while true {
            let streams = try log.streamIDs(category: User.category, after: after, limit: 500)
            guard let last = streams.last else { break }
            after = last
            for streamID in streams {
                let user = UserID(String(streamID.dropFirst(User.category.count + 1)))
                let outcome = try await decideOnUser(user, .suspendIfUnused, CommandRequest(actor: .system(job: job)))
                if outcome.eventCount > 0 { suspended.append(user) }
            }
        }
        return suspended
    }

    /// A command on one user's stream, authorised on the user's organisation (nil for council accounts). Unless
    /// the command registers the user (`existing` false), an unknown user — or, for a provider, another
    /// organisation's or a council account — is not found (R-ROLE-2).
    func decideOnUser(_ user: UserID, _ command: User.Command, _ request: CommandRequest, existing: Bool = true) async throws -> CommandOutcome<[UserEvent]> {
        guard let permission = command.requiredPermission else {
            preconditionFailure("self-service commands go through changePassword and setPasscode")
        }
        return try await perform(request) { attempt, context in
            let state = try attempt.load(User.self, user.rawValue)
            if existing {
                try authoriseOnRecord(request.actor, permission, organisation: state.organisationID, exists: state.userID != nil,
                                      "user \(user)")
            } else {
                try authorise(request.actor, permission, organisation: state.organisationID)
            }
            return try attempt.decide(User.self, user.rawValue, command, context)
        }
    }

    // MARK: The helpdesk's decisions, whatever the request

    /// Accepts the contact's pending change request `requestID`, whatever its kind: a creation (with the first
    /// password, once), an amendment, or a role removal (R-CON-1, R-CON-2). A request decided already, or that
    /// never existed, is refused by the domain naming why; a retry is recognised by its stored events.
    public func acceptContactChange(_ user: UserID, requestID: ChangeRequestID, _ request: CommandRequest) async throws -> CommandOutcome<ContactChangeAccepted> {
        if let retry: CommandOutcome<ContactChangeAccepted> = try alreadyApplied(request) {
            let first = try retry.positions.first.flatMap { try log.event(at: $0) }
            let kind: ContactChangeAccepted = switch first?.type {
            case ContactCreationAccepted.eventType?: .creation(firstPassword: nil)
            case ContactRoleRemovalAccepted.eventType?: .roleRemoval
            default: .amend
            }
            return retry.with(kind)
        }
        let state = try self.state(of: User.self, user.rawValue)
        try authoriseOnRecord(request.actor, .edit(.changeRequestDecisions), organisation: state.organisationID, exists: state.userID != nil,
                              "user \(user)")
        switch state.changeRequests.open[requestID] {
        case .creation?:
            let outcome = try await acceptContactCreation(user, requestID: requestID, request)
            return outcome.with(.creation(firstPassword: outcome.value))
        case .roleRemoval?:
            return try await acceptRoleRemoval(user, requestID: requestID, request).with(.roleRemoval)
        case .amend?, nil:
            // For an unknown or decided request, the domain says which.
            return try await acceptContactAmend(user, requestID: requestID, request).with(.amend)
        }
    }

    /// Rejects the contact's pending change request `requestID`, whatever its kind, saying why (R-CON-1).
    public func rejectContactChange(_ user: UserID, requestID: ChangeRequestID, reason: String, _ request: CommandRequest) async throws -> CommandOutcome<[UserEvent]> {
        let state = try self.state(of: User.self, user.rawValue)
        switch state.changeRequests.open[requestID] {
        case .creation?: return try await rejectContactCreation(user, requestID: requestID, reason: reason, request)
        case .roleRemoval?: return try await rejectRoleRemoval(user, requestID: requestID, reason: reason, request)
        case .amend?, nil: return try await rejectContactAmend(user, requestID: requestID, reason: reason, request)
        }
    }

    /// A user's account with its version, for someone who may read its organisation's contacts (council staff
    /// read council accounts; a provider only its own organisation's contacts).
    public func account(_ user: UserID, for actor: Actor) throws -> StreamSnapshot<User.State> {
        try readable(User.self, user.rawValue, .contacts, for: actor, "user \(user)",
                     exists: { $0.userID != nil }, organisation: \.organisationID)
    }
}

/// What accepting a contact's change request did.
public enum ContactChangeAccepted: Sendable, Equatable {
    /// The contact was created; its first password, shown once (nil for a retried request).
    case creation(firstPassword: String?)
    case amend
    /// The contact's role was removed: its sessions must end at once (R-CON-2).
    case roleRemoval
}

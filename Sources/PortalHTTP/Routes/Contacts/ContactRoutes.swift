import Hummingbird
import PortalApplication
import PortalDomain

/// Contacts and accounts: providers' super users and administration request contacts, amendments and role
/// removals; the helpdesk accepts or rejects them, registers council staff and auditors, resets passwords
/// and reactivates accounts (R-CON, R-ROLE-1, R-ACC). First passwords are shown once, in the response to
/// the helpdesk, and never stored for an idempotent replay.
struct ContactRoutes {
    let api: PortalAPI

    struct ContactRequest: Decodable {
        var userID: String
        var requestID: String
        var person: Person
        var role: String
    }

    struct AmendRequest: Decodable {
        var requestID: String
        var person: Person
        var role: String
    }

    struct RoleRemovalRequest: Decodable {
        var requestID: String
    }

    struct StaffRegistration: Decodable {
        var userID: String
        var person: Person
        var team: String?
    }

    struct Rejection: Decodable {
        var reason: String
    }

    func register(on router: Router<PortalRequestContext>) {
        router.post("/organisations/{organisationID}/contacts") { request, context in try await requestContact(request, context) }
        router.get("/organisations/{organisationID}/contacts") { _, context in try contacts(context) }
        router.get("/users/{userID}") { _, context in try account(context) }
        router.post("/users/{userID}/amendments") { request, context in try await requestAmend(request, context) }
        router.post("/users/{userID}/role-removals") { request, context in try await requestRoleRemoval(request, context) }
        router.post("/users/{userID}/change-requests/{requestID}/accept") { request, context in try await accept(request, context) }
        router.post("/users/{userID}/change-requests/{requestID}/reject") { request, context in try await reject(request, context) }
        router.post("/council-users") { request, context in try await registerStaff(request, context, auditor: false) }
        router.post("/auditors") { request, context in try await registerStaff(request, context, auditor: true) }
        router.post("/users/{userID}/password-reset") { request, context in try await resetPassword(request, context) }
        router.post("/users/{userID}/reactivation") { request, context in try await reactivate(request, context) }
    }

    func accountResponse(_ id: UserID, status: HTTPResponse.Status = .ok) throws -> Reply {
        let snapshot = try api.existing(User.self, id.rawValue, "user \(id)")
        guard let view = AccountView(snapshot) else { throw Problem.notFound("there is no user \(id)") }
        return try api.json(view, status: status, etag: snapshot.version, location: status == .created ? "/users/\(id)" : nil)
    }

    /// The user's stream, visible to the actor (a provider sees only its own organisation's contacts).
    func visibleAccount(_ actor: Actor, _ context: PortalRequestContext) throws -> StreamSnapshot<User.State> {
        let id = try context.identifier("userID", as: UserID.self)
        let snapshot = try api.existing(User.self, id.rawValue, "user \(id)")
        try api.requireReadable(actor, .contacts, organisation: snapshot.state.organisationID, "user \(id)")
        return snapshot
    }

    func requestContact(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "request-contact") { write in
            let organisation = try context.identifier("organisationID", as: OrganisationID.self)
            try api.requireVisible(write.actor, organisation: organisation, "organisation \(organisation)")
            let body = try write.decode(ContactRequest.self)
            let (user, requestID, role) = try parsed {
                (try UserID.parse(body.userID, field: "userID"), try ChangeRequestID.parse(body.requestID, field: "requestID"),
                 try ProviderRole.parse(body.role))
            }
            _ = try await api.portal.requestContactCreation(user, requestID: requestID, organisation: organisation, person: body.person,
                                                            role: role, write.command())
            return try accountResponse(user, status: .created)
        }
    }

    func contacts(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let organisation = try context.identifier("organisationID", as: OrganisationID.self)
        try api.requireReadable(actor, .contacts, organisation: organisation, "organisation \(organisation)")
        _ = try api.existing(Organisation.self, organisation.rawValue, "organisation \(organisation)")
        let views = try api.allSnapshots(User.self).filter { $0.state.organisationID == organisation }.compactMap(AccountView.init)
        return try api.json(views)
    }

    func account(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let snapshot = try visibleAccount(actor, context)
        guard let view = AccountView(snapshot) else { throw Problem.notFound("there is no such user") }
        return try api.json(view, etag: snapshot.version)
    }

    func requestAmend(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "request-contact-amend") { write in
            let snapshot = try visibleAccount(write.actor, context)
            let body = try write.decode(AmendRequest.self)
            let (requestID, role) = try parsed { (try ChangeRequestID.parse(body.requestID, field: "requestID"), try ProviderRole.parse(body.role)) }
            let user = try context.identifier("userID", as: UserID.self)
            _ = try await api.portal.requestContactAmend(user, requestID: requestID, person: body.person, role: role,
                                                         try write.command(changing: snapshot.streamID, resource: "user \(user)"))
            return try accountResponse(user)
        }
    }

    func requestRoleRemoval(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "request-role-removal") { write in
            let snapshot = try visibleAccount(write.actor, context)
            let body = try write.decode(RoleRemovalRequest.self)
            let requestID = try parsed { try ChangeRequestID.parse(body.requestID, field: "requestID") }
            let user = try context.identifier("userID", as: UserID.self)
            _ = try await api.portal.requestRoleRemoval(user, requestID: requestID, try write.command(changing: snapshot.streamID, resource: "user \(user)"))
            return try accountResponse(user)
        }
    }

    /// The helpdesk accepts the pending change request of the contact: a creation (answering the first
    /// password once), an amendment, or a role removal (ending the contact's sessions at once, R-CON-2).
    func accept(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "accept-contact-change") { write in
            let snapshot = try visibleAccount(write.actor, context)
            let user = try context.identifier("userID", as: UserID.self)
            let requestID = try context.identifier("requestID", as: ChangeRequestID.self)
            let command = try write.command(changing: snapshot.streamID, resource: "user \(user)")
            switch snapshot.state.changeRequests.open[requestID] {
            case .creation?:
                let outcome = try await api.portal.acceptContactCreation(user, requestID: requestID, command)
                return try firstPassword(user, outcome.value)
            case .amend?:
                _ = try await api.portal.acceptContactAmend(user, requestID: requestID, command)
            case .roleRemoval?:
                _ = try await api.portal.acceptRoleRemoval(user, requestID: requestID, command)
                try await api.sessions.revokeAll(of: user)
            case nil:
                // Let the domain say whether it was decided already or never existed.
                _ = try await api.portal.acceptContactAmend(user, requestID: requestID, command)
            }
            return try accountResponse(user)
        }
    }

    func reject(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "reject-contact-change") { write in
            let snapshot = try visibleAccount(write.actor, context)
            let user = try context.identifier("userID", as: UserID.self)
            let requestID = try context.identifier("requestID", as: ChangeRequestID.self)
            let reason = try write.decode(Rejection.self).reason
            let command = try write.command(changing: snapshot.streamID, resource: "user \(user)")
            switch snapshot.state.changeRequests.open[requestID] {
            case .creation?: _ = try await api.portal.rejectContactCreation(user, requestID: requestID, reason: reason, command)
            case .roleRemoval?: _ = try await api.portal.rejectRoleRemoval(user, requestID: requestID, reason: reason, command)
            case .amend?, nil: _ = try await api.portal.rejectContactAmend(user, requestID: requestID, reason: reason, command)
            }
            return try accountResponse(user)
        }
    }

    func registerStaff(_ request: Request, _ context: PortalRequestContext, auditor: Bool) async throws -> Reply {
        try await api.write(request, context, command: auditor ? "register-auditor" : "register-council-user", storesResponse: false) { write in
            try api.requireCouncilWork(write.actor, .accountSecurity)
            let body = try write.decode(StaffRegistration.self)
            let user = try parsed { try UserID.parse(body.userID, field: "userID") }
            let outcome: CommandOutcome<String>
            if auditor {
                outcome = try await api.portal.registerAuditor(user, person: body.person, write.command())
            } else {
                let team = try parsed { try CouncilTeam.parse(body.team ?? "") }
                outcome = try await api.portal.registerCouncilUser(user, person: body.person, team: team, write.command())
            }
            return try firstPassword(user, outcome.value, status: .created)
        }
    }

    func resetPassword(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "reset-password", storesResponse: false) { write in
            let snapshot = try visibleAccount(write.actor, context)
            let user = try context.identifier("userID", as: UserID.self)
            let outcome = try await api.portal.resetPassword(user, try write.command(changing: snapshot.streamID, resource: "user \(user)"))
            try await api.sessions.revokeAll(of: user)
            return try firstPassword(user, outcome.value)
        }
    }

    func reactivate(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "reactivate-account") { write in
            let snapshot = try visibleAccount(write.actor, context)
            let user = try context.identifier("userID", as: UserID.self)
            _ = try await api.portal.reactivate(user, try write.command(changing: snapshot.streamID, resource: "user \(user)"))
            return try accountResponse(user)
        }
    }

    /// The account with its first password (nil for a retried request: it was shown the first time).
    func firstPassword(_ user: UserID, _ password: String?, status: HTTPResponse.Status = .ok) throws -> Reply {
        let snapshot = try api.existing(User.self, user.rawValue, "user \(user)")
        return try api.json(FirstPasswordView(userID: user, firstPassword: password, account: AccountView(snapshot)),
                            status: status, etag: snapshot.version, location: status == .created ? "/users/\(user)" : nil)
    }
}

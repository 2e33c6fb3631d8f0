import Hummingbird
import PortalApplication
import PortalDomain
import PortalProjections

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
        router.get("/organisations/{organisationID}/contacts") { _, context in try await contacts(context) }
        router.get("/helpdesk/queue") { _, context in try await helpdeskQueue(context) }
        router.get("/council-users") { request, context in try await councilUsers(request, context) }
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

    /// The account as `actor` may see it (the application authorises the read).
    func accountResponse(_ id: UserID, _ actor: Actor, status: HTTPResponse.Status = .ok) throws -> Reply {
        let snapshot = try api.portal.account(id, for: actor)
        guard let view = AccountView(snapshot) else { throw Problem.notFound("there is no user \(id)") }
        return try api.json(view, status: status, etag: snapshot.version, location: status == .created ? "/users/\(id)" : nil)
    }

    /// The command request for changing the user of the path: its stream's `If-Match`.
    func userCommand(_ write: WriteRequest, _ user: UserID) throws -> CommandRequest {
        try write.command(changing: User.streamID(user.rawValue), resource: "user \(user)")
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
            return try accountResponse(user, write.actor, status: .created)
        }
    }

    /// An organisation's contacts with their roles and security facts, by user id, from the contacts read model.
    func contacts(_ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let organisation = try context.identifier("organisationID", as: OrganisationID.self)
        try api.portal.authoriseRead(actor, .contacts, organisation: organisation, "organisation \(organisation)")
        let models = try await api.readModelsAtHead()
        let scope = ReadScope(actor)
        guard try models.providers.organisation(organisation, scope) != nil else {
            throw Problem.notFound("there is no organisation \(organisation)")
        }
        return try api.json(try models.contacts.contacts(of: organisation, scope).compactMap(AccountView.init))
    }

    /// Council staff and auditors (`?team=` narrows to one team's staff), from the contacts read model. Council
    /// data: a provider is refused (403).
    func councilUsers(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        try api.requireCouncilRead(actor, .accountSecurity)
        let team = try request.query("team").map { text in try parsed { try CouncilTeam.parse(text) } }
        let models = try await api.readModelsAtHead()
        return try api.json(try models.contacts.councilAccounts(team: team, ReadScope(actor)).compactMap(AccountView.init))
    }

    /// The helpdesk's queue: every change request waiting for a decision (R-CON-1) — contact creations,
    /// amendments and role removals, organisation and service details — the oldest first, with who asked and
    /// when and where to accept it. A provider sees its own organisation's requests.
    func helpdeskQueue(_ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let models = try await api.readModelsAtHead()
        let scope = ReadScope(actor)
        var queue: [ChangeRequestView] = []
        for contact in try models.contacts.pendingRequests(scope) {
            guard let user = contact.userID else { continue }
            for pending in contact.pendingRequests {
                queue.append(ChangeRequestView(
                    kind: "contact-\(pending.kind.rawValue)", requestID: pending.requestID, organisationID: contact.organisationID, userID: user,
                    person: pending.person, role: pending.role, requested: pending.requested,
                    accept: "/users/\(user)/change-requests/\(pending.requestID)/accept"))
            }
        }
        for organisation in try models.providers.organisations(scope) {
            for pending in organisation.pendingChanges {
                queue.append(ChangeRequestView(
                    kind: "organisation-details", requestID: pending.requestID, organisationID: organisation.organisationID,
                    proposed: pending.proposed, requested: pending.requested,
                    accept: "/organisations/\(organisation.organisationID)/change-requests/\(pending.requestID)/accept"))
            }
        }
        for service in try models.providers.services(scope) {
            for pending in service.pendingChanges {
                queue.append(ChangeRequestView(
                    kind: "service-details", requestID: pending.requestID, organisationID: service.organisationID, serviceID: service.serviceID,
                    proposed: pending.proposed, requested: pending.requested,
                    accept: "/services/\(service.serviceID)/change-requests/\(pending.requestID)/accept"))
            }
        }
        return try api.json(queue.sorted { $0.requested.position < $1.requested.position })
    }

    func account(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        return try accountResponse(try context.identifier("userID", as: UserID.self), actor)
    }

    func requestAmend(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "request-contact-amend") { write in
            let user = try context.identifier("userID", as: UserID.self)
            let body = try write.decode(AmendRequest.self)
            let (requestID, role) = try parsed { (try ChangeRequestID.parse(body.requestID, field: "requestID"), try ProviderRole.parse(body.role)) }
            _ = try await api.portal.requestContactAmend(user, requestID: requestID, person: body.person, role: role, try userCommand(write, user))
            return try accountResponse(user, write.actor)
        }
    }

    func requestRoleRemoval(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "request-role-removal") { write in
            let user = try context.identifier("userID", as: UserID.self)
            let body = try write.decode(RoleRemovalRequest.self)
            let requestID = try parsed { try ChangeRequestID.parse(body.requestID, field: "requestID") }
            _ = try await api.portal.requestRoleRemoval(user, requestID: requestID, try userCommand(write, user))
            return try accountResponse(user, write.actor)
        }
    }

    /// The helpdesk accepts the pending change request of the contact: a creation (answering the first
    /// password once), an amendment, or a role removal (ending the contact's sessions at once, R-CON-2).
    /// The answer may show a first password, so it is never kept for an idempotent replay (R-ACC-7). A retry
    /// (same Idempotency-Key) is recognised by the application and answered as the first time, without the
    /// first password (it was shown once, and is never stored).
    func accept(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "accept-contact-change", storesResponse: false) { write in
            let user = try context.identifier("userID", as: UserID.self)
            let requestID = try context.identifier("requestID", as: ChangeRequestID.self)
            let outcome = try await api.portal.acceptContactChange(user, requestID: requestID, try userCommand(write, user))
            switch outcome.value {
            case .creation(let password)?: return try firstPassword(user, password, write.actor)
            case .roleRemoval?: try await api.sessions.revokeAll(of: user)
            case .amend?, nil: break
            }
            return try accountResponse(user, write.actor)
        }
    }

    func reject(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "reject-contact-change") { write in
            let user = try context.identifier("userID", as: UserID.self)
            let requestID = try context.identifier("requestID", as: ChangeRequestID.self)
            let reason = try write.decode(Rejection.self).reason
            _ = try await api.portal.rejectContactChange(user, requestID: requestID, reason: reason, try userCommand(write, user))
            return try accountResponse(user, write.actor)
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
            return try firstPassword(user, outcome.value, write.actor, status: .created)
        }
    }

    func resetPassword(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "reset-password", storesResponse: false) { write in
            let user = try context.identifier("userID", as: UserID.self)
            let outcome = try await api.portal.resetPassword(user, try userCommand(write, user))
            try await api.sessions.revokeAll(of: user)
            return try firstPassword(user, outcome.value, write.actor)
        }
    }

    func reactivate(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "reactivate-account") { write in
            let user = try context.identifier("userID", as: UserID.self)
            _ = try await api.portal.reactivate(user, try userCommand(write, user))
            return try accountResponse(user, write.actor)
        }
    }

    /// The account with its first password (nil for a retried request: it was shown the first time). Never
    /// kept for an idempotent replay.
    func firstPassword(_ user: UserID, _ password: String?, _ actor: Actor, status: HTTPResponse.Status = .ok) throws -> Reply {
        let snapshot = try api.portal.account(user, for: actor)
        var reply = try api.json(FirstPasswordView(userID: user, firstPassword: password, account: AccountView(snapshot)),
                                 status: status, etag: snapshot.version, location: status == .created ? "/users/\(user)" : nil)
        reply.mayBeStored = false
        return reply
    }
}

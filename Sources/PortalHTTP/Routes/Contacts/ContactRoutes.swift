import EventLog
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

    /// An organisation's contacts with their roles and security facts, by user id, from the contacts read model.
    func contacts(_ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let organisation = try context.identifier("organisationID", as: OrganisationID.self)
        try api.requireReadable(actor, .contacts, organisation: organisation, "organisation \(organisation)")
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
    /// The answer may show a first password, so it is never kept for an idempotent replay (R-ACC-7).
    func accept(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "accept-contact-change", storesResponse: false) { write in
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
                // Let the domain say whether it was decided already or never existed. A retry (same
                // Idempotency-Key) is recognised by the application and answered as the first time, without the
                // first password (it was shown once, and is never stored).
                let outcome = try await api.portal.acceptContactAmend(user, requestID: requestID, command)
                if outcome.wasAlreadyApplied, try acceptedCreation(snapshot.streamID, requestID) {
                    return try firstPassword(user, nil)
                }
            }
            return try accountResponse(user)
        }
    }

    /// Whether the user's stream records the acceptance of `requestID` as the contact's creation.
    func acceptedCreation(_ streamID: String, _ requestID: ChangeRequestID) throws -> Bool {
        try api.log.readStream(streamID).contains { event in
            guard event.type == ContactCreationAccepted.eventType,
                  let accepted = try? EventRegistry.decodePayload(type: event.type, schemaVersion: event.schemaVersion, payload: event.payload)
                    as? ContactCreationAccepted else { return false }
            return accepted.requestID == requestID
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

    /// The account with its first password (nil for a retried request: it was shown the first time). Never
    /// kept for an idempotent replay.
    func firstPassword(_ user: UserID, _ password: String?, status: HTTPResponse.Status = .ok) throws -> Reply {
        let snapshot = try api.existing(User.self, user.rawValue, "user \(user)")
        var reply = try api.json(FirstPasswordView(userID: user, firstPassword: password, account: AccountView(snapshot)),
                                 status: status, etag: snapshot.version, location: status == .created ? "/users/\(user)" : nil)
        reply.mayBeStored = false
        return reply
    }
}

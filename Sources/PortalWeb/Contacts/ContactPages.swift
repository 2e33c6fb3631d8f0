import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections

/// Contacts and change requests (user guide §3, R-CON, R-ROLE-1): the organisation's contacts with their roles
/// and the change requests waiting for the helpdesk; super users and administration request a new contact, an
/// amendment of one, or the removal of one's role. Only the helpdesk's acceptance changes the record, and a
/// removed role ends the contact's access at once (R-CON-2). The JSON twins are
/// `GET/POST /organisations/{id}/contacts`, `GET /users/{id}`, `POST /users/{id}/amendments` and `/role-removals`,
/// and `GET /helpdesk/queue` (a provider's own requests).
struct ContactPages: Sendable {
    let web: WebPortal

    static let path = "/portal/contacts"
    static func path(_ user: UserID) -> String { "\(path)/\(user)" }

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("contacts") { request, context in try await list(request, context) }
        pages.get("contacts/new") { request, context in try await newContact(request, context) }
        pages.post("contacts") { request, context in try await requestCreation(request, context) }
        pages.get("contacts/{userID}") { request, context in try await contact(request, context) }
        pages.post("contacts/{userID}/amend") { request, context in try await requestAmend(request, context) }
        pages.post("contacts/{userID}/role-removal") { request, context in try await requestRemoval(request, context) }
    }

    static func role(of account: User.State) -> ProviderRole? {
        if case .providerContact(_, let role)? = account.kind { return role }
        return nil
    }

    static func status(_ account: User.State) -> (label: String, tag: String) {
        switch account.status {
        case .active:
            if account.security.isLocked { return ("Locked", "tag--red") }
            if account.security.isSuspended { return ("Suspended", "tag--orange") }
            return ("Active", "tag--green")
        case .creationRequested: return ("Waiting for the helpdesk", "tag--blue")
        case .creationRejected: return ("Request rejected", "tag--red")
        case .accessEnded: return ("Access ended", "tag--grey")
        case .none: return ("None", "tag--grey")
        }
    }

    static func describe(_ request: PendingContactRequest) -> String {
        switch request.kind {
        case .creation: "New contact"
        case .amend: "Amendment" + (request.person.map { ": \($0.forename) \($0.surname), \($0.email)" } ?? "") + (request.role.map { ", \($0.displayName)" } ?? "")
        case .roleRemoval: "Role removal"
        }
    }

    // MARK: The list

    struct Row: Sendable {
        var userID: String
        var name: String
        var email: String
        var role: String
        var statusLabel: String
        var statusClass: String
    }

    struct Pending: Sendable {
        var userID: String
        var name: String
        var request: String
        var requested: String
    }

    struct ListModel: Sendable {
        var chrome: PageChrome
        var caption: String
        var rows: [Row]
        var pending: [Pending]
        var hasPending: Bool
        var canRequest: Bool
    }

    func list(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let organisation = try web.providerOrganisation(actor)
        _ = try QueryParameters(request, allowing: ["done"])
        let models = try await web.api.readModelsAtHead()
        let scope = ReadScope(actor)
        let zone = web.api.portal.configuration.time.timeZone
        let people = web.people(models, actor)
        let contacts = try models.contacts.contacts(of: organisation, scope).filter { $0.userID != nil }
            .sorted { ($0.account.person?.surname ?? "", $0.account.person?.forename ?? "") < ($1.account.person?.surname ?? "", $1.account.person?.forename ?? "") }
        let rows = contacts.map { entry -> Row in
            let person = entry.account.person
            let status = Self.status(entry.account)
            return Row(userID: entry.userID!.rawValue, name: person.map { "\($0.forename) \($0.surname)" } ?? entry.userID!.rawValue,
                       email: person?.email ?? "", role: Self.role(of: entry.account)?.displayName ?? "", statusLabel: status.label, statusClass: status.tag)
        }
        let pending = contacts.flatMap { entry in
            entry.pendingRequests.map { request in
                Pending(userID: entry.userID!.rawValue, name: (request.person ?? entry.account.person).map { "\($0.forename) \($0.surname)" } ?? "",
                        request: Self.describe(request),
                        requested: "\(Formatting.time(request.requested.at, in: zone)) by \(people.author(request.requested.who, actingAs: request.requested.actingAs))")
            }
        }
        let banner: PageChrome.Banner? = request.uri.queryParameters.get("done") == "requested"
            ? PageChrome.Banner(heading: "Your request is sent to the helpdesk", text: "The contact is added once the helpdesk accepts it.", isSuccess: true) : nil
        let caption = try web.organisationName(organisation, models, actor)
        let model = ListModel(chrome: web.chrome(title: "Contacts", context, current: Self.path, banner: banner), caption: caption, rows: rows,
                              pending: pending, hasPending: !pending.isEmpty, canRequest: WebPortal.mayEdit(actor, .contacts))
        return try Page(template: "contacts", model: model).response(from: request, context: context)
    }

    // MARK: The form of a contact's details

    struct PersonForm: Sendable {
        var title: FormField
        var forename: FormField
        var surname: FormField
        var email: FormField
        var telephone: FormField
        var mobile: FormField
        var role: SelectField
    }

    private static let fieldIDs = ["title", "forename", "surname", "email", "telephone", "mobile", "role"]

    private func personForm(_ person: Person?, role: ProviderRole?, form: FormPost?, errors: [String: String]) -> PersonForm {
        func value(_ name: String, _ current: String?) -> String { form?.text(name) ?? current ?? "" }
        return PersonForm(
            title: FormField(id: "title", label: "Title (optional)", value: value("title", person?.title), error: errors["title"],
                             autocomplete: "honorific-prefix", width: "5"),
            forename: FormField(id: "forename", label: "First name", value: value("forename", person?.forename), error: errors["forename"],
                                autocomplete: "given-name", spellcheckOff: true),
            surname: FormField(id: "surname", label: "Last name", value: value("surname", person?.surname), error: errors["surname"],
                               autocomplete: "family-name", spellcheckOff: true),
            email: FormField(id: "email", label: "Email address", type: "email", value: value("email", person?.email),
                             hint: "Their work email: it is also their username for the portal (user guide §3).", error: errors["email"],
                             autocomplete: "email", spellcheckOff: true),
            telephone: FormField(id: "telephone", label: "Telephone (optional)", type: "tel", value: value("telephone", person?.telephone),
                                 error: errors["telephone"], autocomplete: "tel", width: "20"),
            mobile: FormField(id: "mobile", label: "Mobile (optional)", type: "tel", value: value("mobile", person?.mobile), error: errors["mobile"],
                              autocomplete: "tel", width: "20"),
            role: SelectField(id: "role", label: "Security role", hint: "What they may change in the portal (user guide §2). Every role reads everything.",
                              error: errors["role"], choices: ProviderRole.allCases.map { ($0.rawValue, $0.displayName) },
                              selected: form?.text("role") ?? role?.rawValue ?? ProviderRole.readOnly.rawValue))
    }

    /// The person and role of a posted form, or the errors naming its fields.
    private func person(_ form: FormPost) -> (Person, ProviderRole)? {
        guard let role = ProviderRole(rawValue: form.text("role")) else { return nil }
        func optional(_ name: String) -> String? { form.text(name).isEmpty ? nil : form.text(name) }
        return (Person(title: optional("title"), forename: form.text("forename"), surname: form.text("surname"), email: form.text("email"),
                       telephone: optional("telephone"), mobile: optional("mobile")), role)
    }

    private static func errors(_ form: FormPost) -> [String: String] {
        var errors: [String: String] = [:]
        if form.text("forename").isEmpty { errors["forename"] = "Enter their first name" }
        if form.text("surname").isEmpty { errors["surname"] = "Enter their last name" }
        if form.text("email").isEmpty { errors["email"] = "Enter their email address" }
        if ProviderRole(rawValue: form.text("role")) == nil { errors["role"] = "Choose their security role" }
        return errors
    }

    private static func summary(_ errors: [String: String], _ extra: [PageChrome.ErrorLine] = []) -> [PageChrome.ErrorLine] {
        var lines = extra
        for id in fieldIDs {
            if let message = errors[id], !lines.contains(where: { $0.fieldID == id }) { lines.append(.init(message: message, fieldID: id)) }
        }
        return lines
    }

    // MARK: A new contact

    struct NewModel: Sendable {
        var chrome: PageChrome
        var caption: String
        var userID: String
        var requestID: String
        var person: PersonForm
    }

    private func newPage(_ context: PortalRequestContext, actor: Actor, organisation: OrganisationID, form: FormPost?, errors: [String: String],
                         summary: [PageChrome.ErrorLine] = [], status: HTTPResponse.Status = .ok, _ request: Request) async throws -> Response {
        let models = try await web.api.readModelsAtHead()
        let caption = try web.organisationName(organisation, models, actor)
        let model = NewModel(
            chrome: web.chrome(title: "Request a new contact", context, current: Self.path, errors: Self.summary(errors, summary),
                               backLink: PageChrome.Link(href: Self.path, label: "Back to contacts")),
            caption: caption,
            userID: form.map { $0.text("userID") }.flatMap { $0.isEmpty ? nil : $0 } ?? UserID.made().rawValue,
            requestID: form.map { $0.text("requestID") }.flatMap { $0.isEmpty ? nil : $0 } ?? ChangeRequestID.made().rawValue,
            person: personForm(nil, role: nil, form: form, errors: errors))
        return try Page(template: "contact-new", model: model, status: status).response(from: request, context: context)
    }

    func newContact(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let organisation = try web.providerOrganisation(actor)
        try Authorisation.check(actor, .edit(.contacts), organisation: organisation)
        return try await newPage(context, actor: actor, organisation: organisation, form: nil, errors: [:], request)
    }

    func requestCreation(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let organisation = try web.providerOrganisation(actor)
        let form = try await FormPost.read(request)
        guard let user = try? UserID.parse(form.text("userID"), field: "userID"),
              let requestID = try? ChangeRequestID.parse(form.text("requestID"), field: "requestID") else {
            throw WebError.badForm("the form has no user or request id; start again")
        }
        let errors = Self.errors(form)
        guard errors.isEmpty, let details = person(form) else {
            return try await newPage(context, actor: actor, organisation: organisation, form: form, errors: errors, status: .unprocessableContent, request)
        }
        let (person, role) = details
        do {
            _ = try await web.api.portal.requestContactCreation(user, requestID: requestID, organisation: organisation, person: person, role: role,
                                                                CommandRequest(actor: actor, correlationID: context.correlationID,
                                                                               idempotencyKey: "web-contact-\(requestID)"))
        } catch let error as DomainError {
            let field = error.field.flatMap { Self.fieldIDs.contains($0) ? $0 : nil }
            return try await newPage(context, actor: actor, organisation: organisation, form: form, errors: field.map { [$0: error.description] } ?? [:],
                                     summary: [.init(message: error.description, fieldID: field)], status: .unprocessableContent, request)
        }
        return Response.redirect(to: Self.path + "?done=requested", type: .normal)
    }

    // MARK: One contact: amend, remove the role

    struct ContactModel: Sendable {
        var chrome: PageChrome
        var caption: String
        var heading: String
        var statusLabel: String
        var statusClass: String
        var summary: [InvoicePage.SummaryRow]
        var pending: [Pending]
        var hasPending: Bool
        var userID: String
        var version: String
        var requestID: String
        /// The amendment form, for a super user or administration, on an active contact.
        var amend: PersonForm?
        var canRemove: Bool
    }

    private static let done: [String: String] = [
        "amend": "Your amendment is sent to the helpdesk",
        "role-removal": "Your role removal request is sent to the helpdesk; their access ends once it is accepted",
    ]

    func contact(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let user = try context.identifier("userID", as: UserID.self)
        let banner = PageChrome.Banner.done(request, Self.done)
        return try await render(user, actor: actor, request, context, banner: banner)
    }

    private func render(_ user: UserID, actor: Actor, _ request: Request, _ context: PortalRequestContext, banner: PageChrome.Banner? = nil,
                        form: FormPost? = nil, errors: [String: String] = [:], summary: [PageChrome.ErrorLine] = [],
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        let organisation = try web.providerOrganisation(actor)
        let models = try await web.api.readModelsAtHead()
        let scope = ReadScope(actor)
        guard let entry = try models.contacts.account(user, scope), entry.organisationID == organisation, let person = entry.account.person else {
            throw Problem.notFound("There is no contact \(user).")
        }
        let zone = web.api.portal.configuration.time.timeZone
        let people = web.people(models, actor)
        let role = Self.role(of: entry.account)
        let statusTag = Self.status(entry.account)
        var rows: [InvoicePage.SummaryRow] = [
            .init(key: "Email address (username)", value: person.email),
            .init(key: "Security role", value: role?.displayName ?? ""),
        ]
        if let telephone = person.telephone { rows.append(.init(key: "Telephone", value: telephone)) }
        if let mobile = person.mobile { rows.append(.init(key: "Mobile", value: mobile)) }
        rows.append(.init(key: "Added", value: Formatting.time(entry.created.at, in: zone)))
        let pending = entry.pendingRequests.map { request in
            Pending(userID: user.rawValue, name: "", request: Self.describe(request),
                    requested: "\(Formatting.time(request.requested.at, in: zone)) by \(people.author(request.requested.who, actingAs: request.requested.actingAs))")
        }
        let mayChange = WebPortal.mayEdit(actor, .contacts) && entry.account.status == .active
        let caption = try web.organisationName(organisation, models, actor)
        let model = ContactModel(
            chrome: web.chrome(title: "\(person.forename) \(person.surname)", context, current: Self.path, errors: Self.summary(errors, summary),
                               banner: banner, backLink: PageChrome.Link(href: Self.path, label: "Back to contacts")),
            caption: caption, heading: "\(person.forename) \(person.surname)", statusLabel: statusTag.label, statusClass: statusTag.tag,
            summary: rows, pending: pending, hasPending: !pending.isEmpty, userID: user.rawValue, version: String(entry.version),
            requestID: form.map { $0.text("requestID") }.flatMap { $0.isEmpty ? nil : $0 } ?? ChangeRequestID.made().rawValue,
            amend: mayChange ? personForm(person, role: role, form: form, errors: errors) : nil,
            canRemove: mayChange && actor.userID != user)
        return try Page(template: "contact", model: model, status: status).response(from: request, context: context)
    }

    func requestAmend(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let user = try context.identifier("userID", as: UserID.self)
        let form = try await FormPost.read(request)
        let errors = Self.errors(form)
        guard errors.isEmpty, let details = person(form) else {
            return try await render(user, actor: actor, request, context, form: form, errors: errors, status: .unprocessableContent)
        }
        let (person, role) = details
        return try await change(user, actor: actor, form, request, context, done: "amend") { requestID, command in
            _ = try await web.api.portal.requestContactAmend(user, requestID: requestID, person: person, role: role, command)
        }
    }

    func requestRemoval(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let user = try context.identifier("userID", as: UserID.self)
        let form = try await FormPost.read(request)
        return try await change(user, actor: actor, form, request, context, done: "role-removal") { requestID, command in
            _ = try await web.api.portal.requestRoleRemoval(user, requestID: requestID, command)
        }
    }

    /// A change request about `user`: the version the page read, the domain's refusals on the page.
    private func change(_ user: UserID, actor: Actor, _ form: FormPost, _ request: Request, _ context: PortalRequestContext, done: String,
                        _ body: (ChangeRequestID, CommandRequest) async throws -> Void) async throws -> Response {
        guard let requestID = try? ChangeRequestID.parse(form.text("requestID"), field: "requestID") else {
            throw WebError.badForm("the form has no request id")
        }
        // Another organisation's contact is not found (R-ROLE-2), before anything is decided.
        let organisation = try web.providerOrganisation(actor)
        let models = try await web.api.readModelsAtHead()
        guard let entry = try models.contacts.account(user, ReadScope(actor)), entry.organisationID == organisation else {
            throw Problem.notFound("There is no contact \(user).")
        }
        switch try await web.changing(User.streamID(user.rawValue), form: form, actor: actor, context: context, { command in
            try await body(requestID, command)
        }) {
        case .done:
            return Response.redirect(to: Self.path(user) + "?done=\(done)", type: .normal)
        case .changedSinceRead:
            let banner = PageChrome.Banner(heading: "This contact changed since you opened the page, so nothing was done",
                                           text: "Check the contact as it is now and try again.")
            return try await render(user, actor: actor, request, context, banner: banner, status: .preconditionFailed)
        case .refused(let error):
            let field = error.field.flatMap { Self.fieldIDs.contains($0) ? $0 : nil }
            return try await render(user, actor: actor, request, context, form: form, errors: field.map { [$0: error.description] } ?? [:],
                                    summary: [.init(message: error.description, fieldID: field)], status: .unprocessableContent)
        }
    }
}

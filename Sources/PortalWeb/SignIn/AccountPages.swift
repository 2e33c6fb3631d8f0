import Hummingbird
import Logging
import PortalApplication
import PortalDomain
import PortalHTTP

/// The user's own secrets: changing the password (the first one must be changed, R-ACC-1; an expired one too,
/// R-ACC-5) and setting the passcode (R-ACC-3). A session with one of these steps pending is sent here from
/// every other page.
struct AccountPages: Sendable {
    let web: WebPortal

    static let passwordPath = "/portal/account/password"
    static let passcodePath = "/portal/account/passcode"

    static func path(forPendingRule rule: String) -> String {
        rule == "R-ACC-3" ? passcodePath : passwordPath
    }

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("account/password") { request, context in try passwordForm(request, context) }
        pages.post("account/password") { request, context in try await changePassword(request, context) }
        pages.get("account/passcode") { request, context in try passcodeForm(request, context) }
        pages.post("account/passcode") { request, context in try await setPasscode(request, context) }
    }

    struct Form: Sendable {
        var chrome: PageChrome
        var heading: String
        var lead: String?
        var action: String
        var hidden: [HiddenInput] = []
        var fields: [FormField]
        var submitLabel: String
        var help: String?
    }

    /// The session's actor while it may take `rules`' steps (or none is pending); else sign in, or the pending step.
    private func sessionActor(_ context: PortalRequestContext, allowing rules: Set<String>) throws -> Actor {
        guard context.browserSessionToken != nil else { throw WebError.signInRequired }
        return try context.requireSession(allowingPending: rules)
    }

    // MARK: Password

    private static let passwordRules = "At least 9 characters, with a capital letter, a letter and two digits (R-ACC-2)."

    private func passwordFields(errors: [String: String] = [:]) -> [FormField] {
        [
            FormField(id: "current-password", name: "currentPassword", label: "Current password", type: "password",
                      error: errors["currentPassword"], autocomplete: "current-password"),
            FormField(id: "new-password", name: "newPassword", label: "New password", type: "password", hint: Self.passwordRules,
                      error: errors["newPassword"], autocomplete: "new-password"),
            FormField(id: "confirm-password", name: "confirmPassword", label: "Confirm new password", type: "password",
                      error: errors["confirmPassword"], autocomplete: "new-password"),
        ]
    }

    private func passwordPage(_ context: PortalRequestContext, errors: [String: String] = [:], summary: [PageChrome.ErrorLine] = []) -> Form {
        let pending = context.accessProblem?.rule
        let lead: String? = switch pending {
        case "R-ACC-1": "Choose your own password before you use the portal: the first password must be changed."
        case "R-ACC-5": "Your password has expired (passwords last 12 months). Choose a new one to go on."
        default: nil
        }
        return Form(chrome: web.chrome(title: "Change your password", context, errors: summary), heading: "Change your password", lead: lead,
                    action: Self.passwordPath, fields: passwordFields(errors: errors), submitLabel: "Change password", help: nil)
    }

    func passwordForm(_ request: Request, _ context: PortalRequestContext) throws -> Response {
        _ = try sessionActor(context, allowing: ["R-ACC-1", "R-ACC-5"])
        return try Page(template: "sign-in", model: passwordPage(context)).response(from: request, context: context)
    }

    func changePassword(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try sessionActor(context, allowing: ["R-ACC-1", "R-ACC-5"])
        let form = try await FormPost.read(request)
        let current = form["currentPassword"] ?? "", new = form["newPassword"] ?? "", confirm = form["confirmPassword"] ?? ""
        var errors: [String: String] = [:]
        if current.isEmpty { errors["currentPassword"] = "Enter your current password" }
        if new.isEmpty { errors["newPassword"] = "Enter a new password" }
        if !new.isEmpty, confirm != new { errors["confirmPassword"] = "The two new passwords are not the same" }
        if errors.isEmpty {
            do {
                _ = try await web.api.portal.changePassword(current: current, new: new, CommandRequest(actor: actor, correlationID: context.correlationID))
                return Response.redirect(to: "/portal?done=password", type: .normal)
            } catch {
                let problem = ProblemMiddleware.problem(for: error, actor: actor, requestID: context.requestID)
                guard problem.statusCode < 500 else { throw error }
                let field = problem.errors.first?.field
                errors[field == "password" || field == "newPassword" ? "newPassword" : "currentPassword"] = problem.detail
            }
        }
        let ids = ["currentPassword": "current-password", "newPassword": "new-password", "confirmPassword": "confirm-password"]
        let summary = ["currentPassword", "newPassword", "confirmPassword"].compactMap { key in
            errors[key].map { PageChrome.ErrorLine(message: $0, fieldID: ids[key]) }
        }
        return try Page(template: "sign-in", model: passwordPage(context, errors: errors, summary: summary), status: .unprocessableContent)
            .response(from: request, context: context)
    }

    // MARK: Passcode

    private func passcodePage(_ context: PortalRequestContext, errors: [String: String] = [:], summary: [PageChrome.ErrorLine] = []) -> Form {
        Form(chrome: web.chrome(title: "Set your passcode", context, errors: summary), heading: "Set your passcode",
             lead: "The passcode is your second factor: you enter it after your password each time you sign in.",
             action: Self.passcodePath,
             fields: [
                FormField(id: "passcode", label: "Passcode", type: "password",
                          hint: "6 digits, with no run of more than three ascending or descending digits (1234 and 9876 are refused; 123 is allowed). Not your birthday.",
                          error: errors["passcode"], autocomplete: "off", inputMode: "numeric", width: "5"),
                FormField(id: "confirm-passcode", name: "confirmPasscode", label: "Confirm passcode", type: "password",
                          error: errors["confirmPasscode"], autocomplete: "off", inputMode: "numeric", width: "5"),
             ],
             submitLabel: "Set passcode", help: nil)
    }

    func passcodeForm(_ request: Request, _ context: PortalRequestContext) throws -> Response {
        _ = try sessionActor(context, allowing: ["R-ACC-3"])
        return try Page(template: "sign-in", model: passcodePage(context)).response(from: request, context: context)
    }

    func setPasscode(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try sessionActor(context, allowing: ["R-ACC-3"])
        let form = try await FormPost.read(request)
        let passcode = form.text("passcode"), confirm = form.text("confirmPasscode")
        var errors: [String: String] = [:]
        if passcode.isEmpty { errors["passcode"] = "Enter a passcode of 6 digits" }
        if !passcode.isEmpty, confirm != passcode { errors["confirmPasscode"] = "The two passcodes are not the same" }
        if errors.isEmpty {
            do {
                _ = try await web.api.portal.setPasscode(passcode, CommandRequest(actor: actor, correlationID: context.correlationID))
                return Response.redirect(to: "/portal?done=passcode", type: .normal)
            } catch {
                let problem = ProblemMiddleware.problem(for: error, actor: actor, requestID: context.requestID)
                guard problem.statusCode < 500 else { throw error }
                errors["passcode"] = problem.detail
            }
        }
        let summary = [("passcode", "passcode"), ("confirmPasscode", "confirm-passcode")].compactMap { key, id in
            errors[key].map { PageChrome.ErrorLine(message: $0, fieldID: id) }
        }
        return try Page(template: "sign-in", model: passcodePage(context, errors: errors, summary: summary), status: .unprocessableContent)
            .response(from: request, context: context)
    }
}

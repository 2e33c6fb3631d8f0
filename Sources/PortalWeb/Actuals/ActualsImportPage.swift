import Crypto
import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP

/// A period's actuals imported from a CSV file (user guide §5, R-ACT-2, R-ACT-10), in two steps and without
/// JavaScript: the file is uploaded and **previewed** — rows read, lines new, changed, unchanged and refused,
/// every problem by row and column — with nothing written (the JSON API's `…/actuals-import-previews`); then it
/// is applied, all or nothing. The preview's apply form sends the same file again, in base64 beside its SHA-256,
/// so what is applied is exactly what was previewed (the server keeps nothing between the two steps).
struct ActualsImportPage: Sendable {
    let web: WebPortal

    static func path(_ service: ServiceID, _ period: PeriodNumber) -> String {
        "\(ActualsCalendarPage.servicePath(service))/periods/\(period)/import"
    }

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("actuals/services/{serviceID}/periods/{period}/import") { request, context in try await upload(request, context) }
        pages.post("actuals/services/{serviceID}/periods/{period}/import/preview") { request, context in try await preview(request, context) }
        pages.post("actuals/services/{serviceID}/periods/{period}/import/apply") { request, context in try await apply(request, context) }
    }

    struct ProblemLine: Sendable {
        var row: String
        var column: String
        var message: String
    }

    struct Preview: Sendable {
        var fileName: String
        var sha256: String
        var rows: String
        var linesNew: String
        var linesChanged: String
        var linesUnchanged: String
        var refused: String
        var problems: [ProblemLine]
        var hasProblems: Bool
        /// What the import would do, in a sentence.
        var outcome: String
        /// The file, to apply: present only when it would change lines and has no problem.
        var apply: Apply?
    }

    struct Apply: Sendable {
        var action: String
        var content: String
        var sha256: String
        var fileName: String
        var label: String
    }

    struct Model: Sendable {
        var chrome: PageChrome
        var caption: String
        var heading: String
        var periodText: String
        var previewAction: String
        var fileError: String?
        var preview: Preview?
        var weekHref: String
        var csvHref: String
    }

    /// The organisation's period, authorised as an edit of the service's actuals.
    private func subject(_ context: PortalRequestContext) throws -> (Actor, ActualsPeriod) {
        let actor = try context.requireActor()
        let service = try context.identifier("serviceID", as: ServiceID.self)
        let number = try context.period(in: web.api.portal.configuration.calendar)
        let period = try web.api.portal.actualsPeriod(service: service, period: number, for: actor)
        try Authorisation.check(actor, .edit(.actuals), organisation: period.service.organisationID)
        return (actor, period)
    }

    func upload(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let (_, period) = try subject(context)
        var banner: PageChrome.Banner?
        if request.uri.queryParameters.get("done") == "imported" {
            let lines = request.uri.queryParameters.get("lines").flatMap { Int(String($0)) }
            banner = PageChrome.Banner(heading: "The file is imported", text: lines.map { "\($0) line\($0 == 1 ? "" : "s") recorded." }, isSuccess: true)
        }
        return try render(period, request, context, banner: banner)
    }

    func render(_ period: ActualsPeriod, _ request: Request, _ context: PortalRequestContext, banner: PageChrome.Banner? = nil,
                errors: [PageChrome.ErrorLine] = [], preview: Preview? = nil, status: HTTPResponse.Status = .ok) throws -> Response {
        let calendar = web.api.portal.configuration.calendar
        let range = calendar.period(period.key.period)
        let service = period.key.serviceID
        let model = Model(
            chrome: web.chrome(title: preview == nil ? "Import actuals" : "Check the import", context, current: ActualsCalendarPage.path,
                               errors: errors, banner: banner,
                               backLink: PageChrome.Link(href: ActualsCalendarPage.weekPath(service, range.weeks[0]), label: "Back to the calendar")),
            caption: period.service.serviceID.rawValue,
            heading: preview == nil ? "Import the period's actuals" : "Check the import before it is applied",
            periodText: ActualsCalendarPage.describePeriod(range),
            previewAction: Self.path(service, period.key.period) + "/preview",
            fileError: errors.first { $0.fieldID == "file" }?.message, preview: preview,
            weekHref: ActualsCalendarPage.weekPath(service, range.weeks[0]), csvHref: ActualsCalendarPage.csvPath(service, period.key.period))
        return try Page(template: "actuals-import", model: model, status: status).response(from: request, context: context)
    }

    // MARK: The preview

    func preview(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let (actor, period) = try subject(context)
        let form = try await FormPost.read(request)
        guard let file = form.files["file"], !file.content.isEmpty else {
            return try render(period, request, context, errors: [PageChrome.ErrorLine(message: "Choose the CSV file to import", fieldID: "file")],
                              status: .unprocessableContent)
        }
        guard file.content.count <= web.api.settings.maximumBodySize else {
            return try render(period, request, context,
                              errors: [PageChrome.ErrorLine(message: "The file is larger than \(web.api.settings.maximumBodySize / 1024) kB: import the period of one service at a time", fieldID: "file")],
                              status: .contentTooLarge)
        }
        return try await previewing(file, actor: actor, period: period, request, context)
    }

    /// Asks the application what importing the file would do (nothing is written) and shows it.
    private func previewing(_ file: UploadedFile, actor: Actor, period: ActualsPeriod, _ request: Request, _ context: PortalRequestContext,
                            errors: [PageChrome.ErrorLine] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let sha256 = Self.sha256(file.content)
        let fileName = file.fileName ?? "the file"
        var preview = Preview(fileName: fileName, sha256: sha256, rows: "0", linesNew: "0", linesChanged: "0", linesUnchanged: "0", refused: "0",
                              problems: [], hasProblems: false, outcome: "", apply: nil)
        do {
            let outcome = try await web.api.portal.importActuals(
                organisation: period.service.organisationID, period: period.key.period, fileName: file.fileName, content: file.content, apply: false,
                CommandRequest(actor: actor, correlationID: context.correlationID))
            guard let result = outcome.value else { throw WebError.badForm("the preview gave no answer") }
            preview.rows = String(result.rows)
            preview.linesNew = String(result.linesNew)
            preview.linesChanged = String(result.linesChanged)
            preview.linesUnchanged = String(result.linesUnchanged)
            if result.linesRecorded == 0 {
                preview.outcome = result.duplicateOf.map { "This file is identical to import \($0), applied before: it changes nothing, so there is nothing to import (R-ACT-10)." }
                    ?? "This file changes no line: every line already has its values, so there is nothing to import."
            } else {
                let lines = result.linesRecorded
                preview.outcome = "Importing this file records \(lines) line\(lines == 1 ? "" : "s"), all together; nothing is applied until you import it."
                preview.apply = Apply(action: Self.path(period.key.serviceID, period.key.period) + "/apply", content: file.content.base64EncodedString(),
                                      sha256: sha256, fileName: file.fileName ?? "", label: "Import \(lines) line\(lines == 1 ? "" : "s")")
            }
        } catch let rejected as ImportRejected {
            let read = (try? ActualsFile.parseListingProblems(String(decoding: file.content, as: UTF8.self))).map {
                $0.rows.count + Set($0.problems.map(\.row)).count
            }
            preview.rows = read.map(String.init) ?? "–"
            preview.refused = String(Set(rejected.problems.map(\.row)).count)
            preview.problems = rejected.problems.map {
                ProblemLine(row: String($0.row), column: $0.column, message: $0.message + ($0.rule.map { " (\($0))" } ?? ""))
            }
            preview.hasProblems = true
            preview.outcome = "The file cannot be imported: \(rejected.problems.count) problem\(rejected.problems.count == 1 ? "" : "s") below. An import is all or nothing (R-ACT-2): correct the file and upload it again."
        } catch let error as DomainError where error.rule == "R-ACT-10" {
            preview.outcome = error.message.prefix(1).uppercased() + error.message.dropFirst() + " (R-ACT-10)."
        }
        return try render(period, request, context, errors: errors, preview: preview, status: status)
    }

    // MARK: Applying

    func apply(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let (actor, period) = try subject(context)
        let form = try await FormPost.read(request)
        guard let content = Data(base64Encoded: form.text("content")), !content.isEmpty, form.text("sha256") == Self.sha256(content) else {
            throw WebError.badForm("the file previewed did not come back whole; upload it again")
        }
        let fileName = form.text("fileName")
        do {
            let outcome = try await web.api.portal.importActuals(
                organisation: period.service.organisationID, period: period.key.period, fileName: fileName.isEmpty ? nil : fileName, content: content,
                apply: true, CommandRequest(actor: actor, correlationID: context.correlationID))
            let lines = outcome.value?.linesRecorded ?? 0
            return Response.redirect(to: Self.path(period.key.serviceID, period.key.period) + "?done=imported&lines=\(lines)", type: .normal)
        } catch let error as ImportRejected {
            // The actuals changed between the preview and now, so the file is refused: preview it again as it stands.
            let file = UploadedFile(fileName: fileName.isEmpty ? nil : fileName, content: content)
            return try await previewing(file, actor: actor, period: period, request, context,
                                        errors: [PageChrome.ErrorLine(message: "Nothing was imported: \(error.problems.count) problem\(error.problems.count == 1 ? "" : "s") since the preview", fieldID: nil)],
                                        status: .unprocessableContent)
        } catch let error as DomainError {
            let file = UploadedFile(fileName: fileName.isEmpty ? nil : fileName, content: content)
            return try await previewing(file, actor: actor, period: period, request, context,
                                        errors: [PageChrome.ErrorLine(message: "Nothing was imported: " + error.description, fieldID: nil)],
                                        status: .unprocessableContent)
        }
    }

    static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}

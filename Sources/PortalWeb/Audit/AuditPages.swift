import Chronology
import EventLog
import Foundation
import Hummingbird
import PortalApplication
import PortalAudit
import PortalDomain
import PortalHTTP
import PortalProjections

/// The auditor's pages: an invoice's story from the log with every field it changed, before → after; its state
/// as of any step or moment; who did what over a day or a range; and the hash chain verified on demand. They
/// answer from the log alone, as `portal audit` does (PortalAudit), for auditors and council staff.
struct AuditPages: Sendable {
    let web: WebPortal

    static let path = "/portal/audit"

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("audit") { request, context in try start(request, context) }
        pages.get("audit/invoices") { request, context in try await findInvoice(request, context) }
        pages.get("audit/invoices/{invoiceID}") { request, context in try await story(request, context) }
        pages.get("audit/invoices/{invoiceID}/evidence") { request, context in try evidence(request, context) }
        pages.get("audit/public-key") { request, context in try publicKey(request, context) }
        pages.get("audit/who") { request, context in try await who(request, context) }
        pages.post("audit/verification") { request, context in try await verify(request, context) }
    }

    /// Auditors and council staff; a provider is refused (the invoice page shows its own invoices' timeline).
    private func auditor(_ context: PortalRequestContext) throws -> Actor {
        let actor = try context.requireActor()
        guard actor.organisation == nil else {
            throw Problem(.forbidden, kind: "forbidden", title: "Not allowed", detail: "The audit pages are for auditors and council staff.")
        }
        return actor
    }

    // MARK: Start

    struct StartModel: Sendable {
        var chrome: PageChrome
        var reference: FormField
        var provider: SelectField
        var user: FormField
        var from: FormField
        var to: FormField
        var head: String
        var verification: String?
    }

    private func startModel(_ context: PortalRequestContext, errors: [PageChrome.ErrorLine] = [], reference: String = "", banner: PageChrome.Banner? = nil,
                            verification: String? = nil, referenceError: String? = nil) throws -> StartModel {
        let providers = try web.api.readModels.map { try $0.providers.organisations(.council) } ?? []
        return StartModel(
            chrome: web.chrome(title: "Audit", context, current: Self.path, errors: errors, banner: banner),
            reference: FormField(id: "reference", label: "Invoice reference or id", value: reference,
                                 hint: "The provider's reference in any letter case, such as OASIS-P7, or the invoice's id.", error: referenceError,
                                 width: "20", spellcheckOff: true),
            provider: SelectField(id: "provider", label: "Provider", hint: "Needed only when several providers used the reference.",
                                  choices: [("", "Any provider")] + providers.map { ($0.organisationID.rawValue, $0.details.name) }, selected: nil),
            user: FormField(id: "user", label: "Email address or user id", hint: "Whose changes to list.", width: "20", spellcheckOff: true),
            from: FormField(id: "from", label: "From (date)", hint: "As 2026-12-01; empty for the beginning.", inputMode: "numeric", width: "10"),
            to: FormField(id: "to", label: "To (date, included)", hint: "As 2026-12-07; empty for now.", inputMode: "numeric", width: "10"),
            head: String(try web.api.portal.log.head().position), verification: verification)
    }

    func start(_ request: Request, _ context: PortalRequestContext) throws -> Response {
        _ = try auditor(context)
        return try Page(template: "audit", model: startModel(context)).response(from: request, context: context)
    }

    func findInvoice(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        _ = try auditor(context)
        let parameters = try QueryParameters(request, allowing: ["reference", "provider"])
        guard let reference = parameters["reference"] else {
            let message = "Enter the invoice's reference or id"
            return try Page(template: "audit", model: startModel(context, errors: [.init(message: message, fieldID: "reference")], referenceError: message),
                            status: .unprocessableContent).response(from: request, context: context)
        }
        do {
            let subject = try AuditSubjects(log: web.api.portal.log).invoice(reference, provider: parameters["provider"])
            let id = subject.sources[0].streamID.dropFirst(Invoice.category.count + 1)
            return Response.redirect(to: "\(Self.path)/invoices/\(id)", type: .found)
        } catch let error as AuditError {
            let message = "\(error)"
            return try Page(template: "audit", model: startModel(context, errors: [.init(message: message, fieldID: "reference")], reference: reference,
                                                                 referenceError: message),
                            status: .unprocessableContent).response(from: request, context: context)
        }
    }

    // MARK: An invoice's story

    struct Change: Sendable {
        var field: String
        var before: String
        var after: String
    }

    struct Step: Sendable {
        var number: String
        var position: String
        var when: String
        var who: String
        var actingAs: String
        var summary: String
        var changes: [Change]
        var hasChanges: Bool
        var asOfLink: String
        var isSelected: Bool
    }

    struct Field: Sendable {
        var path: String
        var value: String
    }

    struct StoryModel: Sendable {
        var chrome: PageChrome
        var heading: String
        var subject: String
        var steps: [Step]
        var asOfHeading: String
        var state: [Field]
        var at: FormField
        var invoiceID: String
        var evidence: Evidence?
    }

    /// A checkpoint signed as the page was made, and where to download the bundle and the public key.
    struct Evidence: Sendable {
        var size: String
        var root: String
        var chainHead: String
        var signedAt: String
        var bundleLink: String
        var keyLink: String
    }

    func story(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try auditor(context)
        let id = try context.identifier("invoiceID", as: InvoiceID.self)
        let parameters = try QueryParameters(request, allowing: ["step", "at"])
        let log = web.api.portal.log
        let subject: AuditSubject
        do {
            subject = try AuditSubjects(log: log).invoice(id.rawValue)
        } catch is AuditError {
            throw Problem.notFound("There is no invoice \(id).")
        }
        let history = try AuditHistory(subject, in: log)
        let models = try await web.api.readModelsAtHead()
        let people = web.people(models, actor)
        let zone = web.api.portal.configuration.time.timeZone
        let selectedStep = try parameters.number("step", in: 1...max(history.steps.count, 1))
        var atError: String?
        var instant: Timestamp?
        if let text = parameters["at"] {
            instant = Self.instant(text, zone: zone)
            if instant == nil { atError = "Enter the moment as a date and time like 2026-12-07 14:30" }
        }
        let state: JSONTree
        let asOf: String
        if let instant {
            state = history.state(at: instant)
            asOf = "State as of \(Formatting.time(instant, in: zone))"
        } else {
            let step = selectedStep ?? history.steps.count
            state = step >= 1 && step <= history.steps.count ? history.steps[step - 1].state : history.initialState
            asOf = "State after step \(step)"
        }
        let steps = history.steps.enumerated().map { index, step -> Step in
            Step(number: String(index + 1), position: String(step.event.position), when: Formatting.time(step.event.recordedAt, in: zone),
                 who: people.name(of: step.event.actor.who), actingAs: InvoicePage.actingAs(step.event.actor.actingAs), summary: step.summary,
                 changes: step.changes.prefix(200).map { Change(field: $0.path, before: $0.before ?? "∅", after: $0.after ?? "∅") },
                 hasChanges: !step.changes.isEmpty, asOfLink: "\(Self.path)/invoices/\(id)?step=\(index + 1)#as-of",
                 isSelected: instant == nil && (selectedStep ?? history.steps.count) == index + 1)
        }
        let errors = atError.map { [PageChrome.ErrorLine(message: $0, fieldID: "at")] } ?? []
        let model = StoryModel(
            chrome: web.chrome(title: "Story of \(subject.name)", context, current: Self.path, errors: errors,
                               backLink: PageChrome.Link(href: Self.path, label: "Back to audit")),
            heading: "The story of an invoice", subject: subject.name, steps: steps, asOfHeading: asOf,
            state: state.flattened().map { Field(path: $0.path, value: $0.value) },
            at: FormField(id: "at", label: "As of a moment", value: parameters["at"] ?? "", hint: "A date and time like 2026-12-07 14:30 (UK time).",
                          error: atError, width: "20"),
            invoiceID: id.rawValue,
            evidence: (try? web.api.signedCheckpoint(for: actor)).map { signed in
                Evidence(size: String(signed.checkpoint.size), root: signed.checkpoint.root.hex,
                         chainHead: signed.checkpoint.chainHead.description, signedAt: Formatting.time(signed.checkpoint.time, in: zone),
                         bundleLink: "\(Self.path)/invoices/\(id)/evidence", keyLink: "\(Self.path)/public-key")
            })
        return try Page(template: "audit-story", model: model, status: atError == nil ? .ok : .unprocessableContent).response(from: request, context: context)
    }

    /// `2026-12-07 14:30` or `2026-12-07T14:30` in the deployment's zone, or a date alone (its end), as an instant.
    static func instant(_ text: String, zone: TimeZone) -> Timestamp? {
        if let exact = Timestamp(iso8601: text) { return exact }
        let parts = text.replacingOccurrences(of: "T", with: " ").split(separator: " ", omittingEmptySubsequences: true)
        guard let first = parts.first, let date = BusinessDate(iso8601: String(first)), parts.count <= 2 else { return nil }
        var hour = 23, minute = 59, second = 59
        if parts.count == 2 {
            let clock = parts[1].split(separator: ":")
            guard clock.count == 2, let h = Int(clock[0]), let m = Int(clock[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
            hour = h; minute = m; second = 59
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard let day = calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day, hour: hour, minute: minute, second: second)) else {
            return nil
        }
        return Timestamp(day)
    }

    // MARK: Who did what

    struct WhoRow: Sendable {
        var when: String
        var position: String
        var type: String
        var stream: String
        var actingAs: String
    }

    struct WhoModel: Sendable {
        var chrome: PageChrome
        var heading: String
        var range: String
        var rows: [WhoRow]
        var hasRows: Bool
    }

    func who(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try auditor(context)
        let parameters = try QueryParameters(request, allowing: ["user", "from", "to"])
        let zone = web.api.portal.configuration.time.timeZone
        var errors: [PageChrome.ErrorLine] = []
        let text = parameters["user"] ?? ""
        var userID: String?
        if text.isEmpty {
            errors.append(.init(message: "Enter an email address or user id", fieldID: "user"))
        } else if text.contains("@") {
            userID = try web.api.portal.credentials.user(forUsername: text)?.rawValue
            if userID == nil { errors.append(.init(message: "No account has the email address \(text)", fieldID: "user")) }
        } else {
            userID = text
        }
        let from = parameters["from"].flatMap(BusinessDate.init(iso8601:))
        let to = parameters["to"].flatMap(BusinessDate.init(iso8601:))
        if parameters["from"] != nil, from == nil { errors.append(.init(message: "Enter the first day as a date like 2026-12-01", fieldID: "from")) }
        if parameters["to"] != nil, to == nil { errors.append(.init(message: "Enter the last day as a date like 2026-12-07", fieldID: "to")) }
        guard errors.isEmpty, let userID else {
            return try Page(template: "audit", model: startModel(context, errors: errors), status: .unprocessableContent).response(from: request, context: context)
        }
        let start = from.flatMap { Self.instant($0.iso8601 + " 00:00", zone: zone) }
        let end = to.flatMap { Self.instant($0.adding(days: 1).iso8601 + " 00:00", zone: zone) }
        let events = try LogQueries(log: web.api.portal.log).changes(by: userID, from: start, to: end)
        let models = try await web.api.readModelsAtHead()
        let name = web.people(models, actor).name(of: userID)
        let rows = events.suffix(1000).map {
            WhoRow(when: Formatting.time($0.recordedAt, in: zone), position: String($0.position), type: $0.type, stream: $0.streamID,
                   actingAs: InvoicePage.actingAs($0.actor.actingAs))
        }
        let range = [from.map { "from \(Formatting.date($0))" }, to.map { "to \(Formatting.date($0))" }].compactMap { $0 }.joined(separator: " ")
        let model = WhoModel(
            chrome: web.chrome(title: "Changes by \(name)", context, current: Self.path, backLink: PageChrome.Link(href: Self.path, label: "Back to audit")),
            heading: "Changes by \(name)", range: (range.isEmpty ? "The whole log" : range.prefix(1).uppercased() + range.dropFirst())
                + ": \(events.count) event\(events.count == 1 ? "" : "s")" + (events.count > 1000 ? " (the latest 1,000 shown)" : ""),
            rows: rows, hasRows: !rows.isEmpty)
        return try Page(template: "audit-who", model: model).response(from: request, context: context)
    }

    // MARK: Evidence for an auditor outside the council

    /// The invoice's evidence bundle (`GET /invoices/{id}/evidence`'s bytes), as a download.
    func evidence(_ request: Request, _ context: PortalRequestContext) throws -> Response {
        let actor = try auditor(context)
        _ = try QueryParameters(request, allowing: [])
        let evidence = try web.api.invoiceEvidence(try context.identifier("invoiceID", as: InvoiceID.self), for: actor)
        return PaymentRunPages.download(evidence.json, type: "application/json", name: evidence.fileName)
    }

    /// The public key that verifies the checkpoints (`GET /audit/public-key`'s line), as a download.
    func publicKey(_ request: Request, _ context: PortalRequestContext) throws -> Response {
        let actor = try auditor(context)
        _ = try QueryParameters(request, allowing: [])
        return PaymentRunPages.download(Data("\(try web.api.verifierKey(for: actor))\n".utf8), type: "text/plain; charset=utf-8", name: "portal-public-key.txt")
    }

    // MARK: The chain

    func verify(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        _ = try auditor(context)
        _ = try await FormPost.read(request)
        let started = ContinuousClock.now
        let report = try web.api.portal.log.verify()
        let seconds = (ContinuousClock.now - started).components
        let elapsed = String(format: "%.1f", Double(seconds.seconds) + Double(seconds.attoseconds) / 1e18)
        let banner: PageChrome.Banner
        if let failure = report.failure {
            banner = PageChrome.Banner(heading: "The hash chain is broken at position \(failure.position)",
                                       text: "\(failure.reason) (\(report.verifiedCount) events verified before it).")
        } else {
            banner = PageChrome.Banner(heading: "The hash chain is intact",
                                       text: "\(report.verifiedCount) events verified in \(elapsed) s: none was changed or removed.", isSuccess: true)
        }
        return try Page(template: "audit", model: startModel(context, banner: banner)).response(from: request, context: context)
    }
}

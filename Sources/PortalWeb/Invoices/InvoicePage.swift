import Chronology
import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections

/// One invoice, for the Payments Team and for its provider: the lines with Planned, the paid quantity, the
/// variance and the provider's comments, in the clients' natural order; what changed since the first
/// submission; the invoice's timeline from the log (who did what, when, acting as what, and why); the
/// conversations about it; and the steps the reader may take, each a form carrying the version it was read at.
struct InvoicePage: Sendable {
    let web: WebPortal

    static func path(_ id: InvoiceID) -> String { "/portal/invoices/\(id)" }

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("invoices/{invoiceID}") { request, context in try await page(request, context) }
        for step in InvoiceStep.allCases {
            pages.post("invoices/{invoiceID}/\(step.rawValue)") { request, context in try await take(step, request, context) }
        }
        pages.post("invoices/{invoiceID}/lines/{cpliID}/remove") { request, context in try await removeLine(request, context) }
    }

    // MARK: The model

    struct SummaryRow: Sendable {
        var key: String
        var value: String
        /// A page the value links to.
        var href: String?

        init(key: String, value: String, href: String? = nil) {
            self.key = key
            self.value = value
            self.href = href
        }
    }

    struct Line: Sendable {
        var cpliID: String
        var clientName: String
        var clientReference: String
        var unit: String
        var planned: String
        var paid: String
        var variance: String
        var rate: String
        var amount: String
        var comments: [String]
        var hasComments: Bool
        var exception: Bool
        var proRata: Bool
        /// For the provider: the link that starts the conversation asking Service Brokerage for a temporary CPLI
        /// for the client of an exception line (user guide §9, §13).
        var askLink: String?
    }

    struct Change: Sendable {
        var client: String
        var before: String
        var after: String
    }

    struct TimelineEvent: Sendable {
        var title: String
        var when: String
        var who: String
        var actingAs: String
        var reason: String?
        var changes: [String]
        var hasChanges: Bool
    }

    struct Message: Sendable {
        var author: String
        var when: String
        var body: String
    }

    struct Conversation: Sendable {
        var subject: String
        var team: String
        var status: String
        var messages: [Message]
    }

    struct Actions: Sendable {
        var invoiceID: String
        var version: String
        var canHold = false
        var canRelease = false
        var canApprove = false
        var canReturn = false
        var canSubmit = false
        var canCorrect = false
        /// An unsubmitted invoice's lines can be removed (R-INV-2).
        var canRemoveLines = false
        var reasonError: String?
        var reasonValue = ""
        var any = false
    }

    struct Model: Sendable {
        var chrome: PageChrome
        var caption: String
        var heading: String
        var statusLabel: String
        var statusClass: String
        var summary: [SummaryRow]
        var lines: [Line]
        var hasLines: Bool
        var plannedTotal: String
        var paidTotal: String
        var total: String
        var hasException: Bool
        var changes: [Change]
        var hasChanges: Bool
        var wasSubmitted: Bool
        var timeline: [TimelineEvent]
        var conversations: [Conversation]
        var hasConversations: Bool
        /// Council staff who write actions may start a conversation with the provider about the invoice.
        var canAsk: Bool
        var actions: Actions
    }

    // MARK: Reading

    func page(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let id = try context.identifier("invoiceID", as: InvoiceID.self)
        let done = request.uri.queryParameters.get("done").map { String($0) }
        let banner: PageChrome.Banner? = switch done {
        case "created"?: PageChrome.Banner(heading: "The invoice is created",
                                           text: "It is not submitted yet: review its lines, remove any over the 20% exception, then submit it.", isSuccess: true)
        case "removed"?: PageChrome.Banner(heading: "The line is removed from the invoice", isSuccess: true)
        default: done.flatMap(InvoiceStep.init(rawValue:)).map { PageChrome.Banner(heading: $0.doneMessage, isSuccess: true) }
        }
        return try await render(id, actor: actor, request, context, banner: banner)
    }

    func render(_ id: InvoiceID, actor: Actor, _ request: Request, _ context: PortalRequestContext, banner: PageChrome.Banner? = nil,
                errors: [PageChrome.ErrorLine] = [], reason: (value: String, error: String)? = nil,
                status: HTTPResponse.Status = .ok) async throws -> Response {
        let models = try await web.api.readModelsAtHead()
        guard let story = try InvoiceStory.load(id, web: web, models: models, actor: actor) else {
            throw Problem.notFound("There is no invoice \(id).")
        }
        let model = self.model(story, actor: actor, models: models, context: context, banner: banner, errors: errors, reason: reason)
        return try Page(template: "invoice", model: model, status: status).response(from: request, context: context)
    }

    func model(_ story: InvoiceStory, actor: Actor, models: PortalReadModels, context: PortalRequestContext, banner: PageChrome.Banner?,
               errors: [PageChrome.ErrorLine], reason: (value: String, error: String)?) -> Model {
        let invoice = story.invoice
        let people = web.people(models, actor)
        let zone = web.api.portal.configuration.time.timeZone
        let calendar = web.api.portal.configuration.calendar
        let isCouncil = actor.organisation == nil
        let back = isCouncil ? PageChrome.Link(href: WorklistPage.path, label: "Back to invoices to check")
            : PageChrome.Link(href: InvoiceListPage.path, label: "Back to invoices")

        var summary = [SummaryRow(key: "Provider", value: story.providerName)]
        if let service = invoice.serviceID { summary.append(SummaryRow(key: "Service", value: story.serviceName ?? service.rawValue)) }
        if let period = invoice.period, period.value >= 1 {
            let range = calendar.period(period)
            summary.append(SummaryRow(key: "Period", value: "Period \(period): \(Formatting.date(range.firstDay)) to \(Formatting.date(range.lastDay))"))
        }
        summary.append(SummaryRow(key: "Provider's reference", value: invoice.reference))
        if let date = invoice.invoiceDate { summary.append(SummaryRow(key: "Invoice date", value: Formatting.date(date))) }
        if let submitted = story.steps.last(where: { ["InvoiceSubmitted", "InvoiceResubmitted"].contains($0.type) }) {
            summary.append(SummaryRow(key: "Submitted", value: "\(Formatting.time(submitted.at, in: zone)) by \(people.name(of: submitted.who))"))
        }
        if invoice.status == .onHold, let held = story.steps.last(where: { $0.type == "InvoiceHeld" }) {
            summary.append(SummaryRow(key: "On hold", value: "Since \(Formatting.time(held.at, in: zone)), by \(people.name(of: held.who)): \(invoice.holdReason ?? "")"))
        }
        if invoice.status == .returned, let returned = invoice.returnReason {
            summary.append(SummaryRow(key: "Returned because", value: returned))
        }
        if let payment = invoice.payment {
            summary.append(SummaryRow(key: "Paid", value: "\(Formatting.date(payment.paymentDate)) in payment run \(payment.paymentRunID)"))
        }

        // Lines in the clients' natural order (RI0002 before RI0010).
        let ordered = invoice.lines.sorted {
            $0.clientReference.compare($1.clientReference, options: [.numeric, .caseInsensitive]) == .orderedAscending
        }
        var plannedTotal = Money.zero
        var paidTotal = Money.zero
        let lines = ordered.map { line -> Line in
            let actuals = story.actuals[line.cpliID]
            let planned = actuals?.planned
            if let planned { plannedTotal += planned.amount(at: line.rate) }
            paidTotal += line.amount
            let variance = planned.map { line.quantity - $0 }
            let exception = line.weeks.contains(where: \.overException) || (actuals?.exception ?? false)
            return Line(
                cpliID: line.cpliID.rawValue, clientName: line.clientName, clientReference: line.clientReference, unit: line.unit.rawValue,
                planned: planned.map(Formatting.quantity) ?? "–", paid: Formatting.quantity(line.quantity),
                variance: variance.map { $0 > .zero ? "+" + Formatting.quantity($0) : Formatting.quantity($0).replacingOccurrences(of: "-", with: "−") } ?? "–",
                rate: Formatting.rate(line.rate),
                amount: Formatting.money(line.amount), comments: actuals?.comments ?? [], hasComments: !(actuals?.comments.isEmpty ?? true),
                exception: exception, proRata: actuals?.proRata ?? false,
                askLink: exception && !isCouncil
                    ? NewConversationPage.link(relatedTo: .client, entityID: line.clientReference, team: .serviceBrokerage, type: .query,
                                               subject: "Temporary CPLI for \(line.clientName) (\(line.clientReference))") : nil)
        }

        // Changed since the first submission, by client.
        var changes: [Change] = []
        if let first = story.firstSubmitted, story.steps.count > 1 {
            let before = Dictionary(first.lines.map { ($0.cpliID, $0) }, uniquingKeysWith: { a, _ in a })
            let after = Dictionary(invoice.lines.map { ($0.cpliID, $0) }, uniquingKeysWith: { a, _ in a })
            for cpli in Set(before.keys).union(after.keys).sorted(by: { $0.rawValue < $1.rawValue }) {
                let old = before[cpli], new = after[cpli]
                guard old?.quantity != new?.quantity || old?.amount != new?.amount else { continue }
                let client = (new ?? old).map { "\($0.clientName) (\($0.clientReference))" } ?? cpli.rawValue
                func describe(_ line: ChargeLine?) -> String {
                    line.map { "\(Formatting.quantity($0.quantity)) \($0.unit.rawValue), \(Formatting.money($0.amount))" } ?? "not on the invoice"
                }
                changes.append(Change(client: client, before: describe(old), after: describe(new)))
            }
        }

        let timeline = story.steps.enumerated().reversed().map { index, step -> TimelineEvent in
            let previous = index > 0 ? story.steps[index - 1].state : nil
            let described = Self.describe(step, previous: previous)
            return TimelineEvent(
                title: described.title, when: Formatting.time(step.at, in: zone), who: people.name(of: step.who),
                actingAs: Self.actingAs(step.actingAs), reason: described.reason, changes: described.changes, hasChanges: !described.changes.isEmpty)
        }

        let conversations = story.conversations.map { entry -> Conversation in
            let messages = zip(entry.conversation.messages, entry.posted).map { message, posted in
                Message(author: people.author(posted.who, actingAs: posted.actingAs), when: Formatting.time(posted.at, in: zone),
                        body: message.body)
            }
            return Conversation(subject: entry.conversation.started?.subject ?? "", team: entry.conversation.team?.displayName ?? "",
                                status: entry.conversation.isClosed ? "Closed" : "Open", messages: messages)
        }

        var actions = Actions(invoiceID: invoice.invoiceID?.rawValue ?? "", version: String(story.version))
        let mayPay = Authorisation.allows(actor, .edit(.paymentProcessing), organisation: nil)
        let mayInvoice = Authorisation.allows(actor, .edit(.invoices), organisation: invoice.organisationID) && actor.organisation != nil
        actions.canHold = mayPay && invoice.status == .submitted
        actions.canRelease = mayPay && invoice.status == .onHold
        actions.canApprove = mayPay && invoice.status == .submitted
        actions.canReturn = mayPay && [.submitted, .onHold].contains(invoice.status)
        actions.canSubmit = mayInvoice && (invoice.status == .unsubmitted || (invoice.status == .returned && invoice.correctedSinceReturn))
        actions.canCorrect = mayInvoice && invoice.status == .returned
        actions.canRemoveLines = mayInvoice && invoice.status == .unsubmitted && invoice.kind == .invoice && invoice.lines.count > 1
        actions.any = actions.canHold || actions.canRelease || actions.canApprove || actions.canReturn || actions.canSubmit || actions.canCorrect
        if let reason {
            actions.reasonValue = reason.value
            actions.reasonError = reason.error
        }

        let status = Self.status(invoice.status)
        return Model(
            chrome: web.chrome(title: "Invoice \(invoice.reference)", context, current: isCouncil ? WorklistPage.path : nil, errors: errors,
                               banner: banner, backLink: back),
            caption: story.providerName, heading: "Invoice \(invoice.reference)", statusLabel: status.label, statusClass: status.tag,
            summary: summary, lines: lines, hasLines: !lines.isEmpty, plannedTotal: Formatting.money(plannedTotal),
            paidTotal: Formatting.money(paidTotal), total: Formatting.money(invoice.total), hasException: lines.contains(where: \.exception),
            changes: changes, hasChanges: !changes.isEmpty, wasSubmitted: story.firstSubmitted != nil,
            timeline: timeline, conversations: conversations, hasConversations: !conversations.isEmpty,
            canAsk: isCouncil && Authorisation.allows(actor, .edit(.actions), organisation: invoice.organisationID), actions: actions)
    }

    static func status(_ status: InvoiceStatus) -> (label: String, tag: String) {
        switch status {
        case .unsubmitted: ("Unsubmitted", "tag--grey")
        case .submitted: ("Submitted", "tag--blue")
        case .onHold: ("On hold", "tag--yellow")
        case .returned: ("Returned", "tag--red")
        case .approved: ("Approved", "tag--green")
        case .paid: ("Paid", "tag--purple")
        default: (status.rawValue, "tag--grey")
        }
    }

    /// How a timeline names who someone acted as.
    static func actingAs(_ text: String) -> String {
        if text.hasPrefix("team:"), let team = CouncilTeam(rawValue: String(text.dropFirst(5))) { return team.displayName }
        if let at = text.firstIndex(of: "@"), let role = ProviderRole(rawValue: String(text[..<at])) {
            return "\(role.displayName), \(text[text.index(after: at)...])"
        }
        if text == "auditor" { return "Auditor" }
        return text
    }

    /// A step of the story in a person's words: what happened, why, and what it changed.
    static func describe(_ step: StoryStep<Invoice.State>, previous: Invoice.State?) -> (title: String, reason: String?, changes: [String]) {
        let state = step.state
        var changes: [String] = []
        if let previous {
            if previous.total != state.total { changes.append("Total: \(Formatting.money(previous.total)) → \(Formatting.money(state.total))") }
            if previous.lines.count != state.lines.count { changes.append("Lines: \(previous.lines.count) → \(state.lines.count)") }
            let before = Dictionary(previous.lines.map { ($0.cpliID, $0) }, uniquingKeysWith: { a, _ in a })
            for line in state.lines {
                if let old = before[line.cpliID], old.quantity != line.quantity {
                    changes.append("\(line.clientName) (\(line.clientReference)): \(Formatting.quantity(old.quantity)) → \(Formatting.quantity(line.quantity)) \(line.unit.rawValue)")
                }
            }
        }
        switch step.type {
        case "InvoiceCreated", "ContractInvoiceCreated", "SupplementaryInvoiceRaised":
            return ("Created", nil, ["\(state.lines.count) line\(state.lines.count == 1 ? "" : "s"), total \(Formatting.money(state.total))"])
        case "InvoiceLineRemoved": return ("Line removed", nil, changes)
        case "InvoiceSubmitted": return ("Submitted to the Payments Team", nil, changes)
        case "InvoiceHeld": return ("Put on hold", state.holdReason, changes)
        case "InvoiceReleased": return ("Released from hold", nil, changes)
        case "InvoiceReturned": return ("Returned to the provider", state.returnReason, changes)
        case "InvoiceCorrected": return ("Corrected from the actuals", nil, changes)
        case "InvoiceResubmitted": return ("Resubmitted", nil, changes)
        case "InvoiceApproved": return ("Approved", nil, changes)
        case "InvoicePaid": return ("Paid", state.payment.map { "payment run \($0.paymentRunID), \(Formatting.date($0.paymentDate))" }, changes)
        case "PaidInvoiceAdjusted": return ("Adjusted after payment", nil, changes)
        default: return (step.type, nil, changes)
        }
    }

    // MARK: Steps

    func take(_ step: InvoiceStep, _ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let id = try context.identifier("invoiceID", as: InvoiceID.self)
        let form = try await FormPost.read(request)
        let reason = form.text("reason")
        if step.needsReason, reason.isEmpty {
            return try await render(id, actor: actor, request, context, errors: [PageChrome.ErrorLine(message: "Enter the reason", fieldID: "reason")],
                                    reason: (reason, "Enter the reason"), status: .unprocessableContent)
        }
        guard let version = form["version"].flatMap({ UInt64($0) }) else { throw WebError.badForm("the form has no version") }
        var command = CommandRequest(actor: actor, correlationID: context.correlationID)
        command.expectedVersions[Invoice.streamID(id.rawValue)] = version
        do {
            let portal = web.api.portal
            switch step {
            case .hold: _ = try await portal.holdInvoice(id, reason: reason, command)
            case .release: _ = try await portal.releaseInvoice(id, command)
            case .approve: _ = try await portal.approveInvoice(id, command)
            case .returnToProvider: _ = try await portal.returnInvoice(id, reason: reason, command)
            case .submit: _ = try await portal.submitInvoice(id, command)
            case .correct: _ = try await portal.correctInvoice(id, command)
            }
        } catch let error as PortalError where error.isVersionMismatch {
            return try await changedSinceOpened(id, actor: actor, readAt: version, request, context)
        } catch let error as DomainError {
            let field = step.needsReason && error.field == "reason" ? "reason" : nil
            return try await render(id, actor: actor, request, context, errors: [PageChrome.ErrorLine(message: error.description, fieldID: field)],
                                    reason: field == nil ? nil : (reason, error.message), status: .unprocessableContent)
        }
        return Response.redirect(to: Self.path(id) + "?done=\(step.rawValue)", type: .normal)
    }

    /// Removes a line from an unsubmitted invoice (R-INV-2): the form carries the invoice's version as read.
    func removeLine(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let id = try context.identifier("invoiceID", as: InvoiceID.self)
        let cpli = try context.identifier("cpliID", as: CPLIID.self)
        let form = try await FormPost.read(request)
        switch try await web.changing(Invoice.streamID(id.rawValue), form: form, actor: actor, context: context, { command in
            _ = try await web.api.portal.removeInvoiceLine(id, cpli: cpli, command)
        }) {
        case .done:
            return Response.redirect(to: Self.path(id) + "?done=removed#lines", type: .normal)
        case .changedSinceRead(let version):
            return try await changedSinceOpened(id, actor: actor, readAt: version, request, context)
        case .refused(let error):
            return try await render(id, actor: actor, request, context, errors: [PageChrome.ErrorLine(message: error.description, fieldID: nil)],
                                    status: .unprocessableContent)
        }
    }

    /// The invoice changed between the reading and the post (412 in the API): nothing was done; the page says
    /// what changed since, and shows the invoice as it is now.
    private func changedSinceOpened(_ id: InvoiceID, actor: Actor, readAt version: UInt64, _ request: Request,
                                    _ context: PortalRequestContext) async throws -> Response {
        let models = try await web.api.readModelsAtHead()
        let people = web.people(models, actor)
        let steps = try web.api.portal.invoiceStory(id, for: actor) ?? []
        let zone = web.api.portal.configuration.time.timeZone
        let since = steps.dropFirst(Int(min(version, UInt64(steps.count)))).map { step in
            "\(Self.describe(step, previous: nil).title) by \(people.name(of: step.who)), \(Formatting.time(step.at, in: zone))"
        }
        let banner = PageChrome.Banner(
            heading: "This invoice changed since you opened it, so nothing was done",
            text: since.isEmpty ? "Check the invoice as it is now and try again." : "Since then: " + since.joined(separator: "; ") + ". Check it as it is now and try again.",
            link: PageChrome.Link(href: Self.path(id), label: "Reload the invoice"))
        return try await render(id, actor: actor, request, context, banner: banner, status: .preconditionFailed)
    }
}

/// The steps of an invoice a page can take.
enum InvoiceStep: String, CaseIterable, Sendable {
    case hold, release, approve
    case returnToProvider = "return"
    case submit, correct

    var needsReason: Bool { self == .hold || self == .returnToProvider }

    var doneMessage: String {
        switch self {
        case .hold: "The invoice is on hold"
        case .release: "The invoice is released from hold"
        case .approve: "The invoice is approved"
        case .returnToProvider: "The invoice is returned to the provider"
        case .submit: "The invoice is submitted to the Payments Team"
        case .correct: "The invoice is corrected from the actuals"
        }
    }
}

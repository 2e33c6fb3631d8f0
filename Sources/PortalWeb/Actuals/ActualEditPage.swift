import Chronology
import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections

/// One CPLI's week, edited (the guide's *Add/Edit*, §5–6): Actual, Frustrated, Missed, Extra, Visits and the
/// comment, and the aborted visits entered as visits (date, length, notice, day or night, cause) from which the
/// application computes Frustrated (R-ABT), shown with its basis. The post changes only the fields the form sends
/// (``ActualChanges``, the JSON API's `PATCH`), at the version of the actuals the form was read at.
struct ActualEditPage: Sendable {
    let web: WebPortal

    static func path(_ service: ServiceID, _ week: Week, _ cpli: CPLIID) -> String {
        "\(ActualsCalendarPage.weekPath(service, week))/lines/\(WebPortal.escapeQuery(cpli.rawValue))"
    }

    /// Most aborted visits a form takes for one week (a visit a day and a night a day, twice over).
    static let maximumVisits = 28
    /// Blank visit rows a form offers for new visits.
    static let blankVisitRows = 2

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("actuals/services/{serviceID}/weeks/{week}/lines/{cpliID}") { request, context in try await page(request, context) }
        pages.post("actuals/services/{serviceID}/weeks/{week}/lines/{cpliID}") { request, context in try await save(request, context) }
    }

    // MARK: The model

    struct VisitRow: Sendable {
        var index: String
        var number: String
        var date: FormField
        var length: FormField
        var notice: FormField
        var time: SelectField
        var cause: SelectField
    }

    struct Claim: Sendable {
        var date: String
        var visit: String
        var claimable: String
        var basis: String
    }

    struct Model: Sendable {
        var chrome: PageChrome
        var caption: String
        var heading: String
        var action: String
        var version: String
        var summary: [InvoicePage.SummaryRow]
        var actual: FormField
        var frustrated: FormField
        /// Frustrated as the form shows it: sent back, so that a value left as shown is known to be untouched.
        var frustratedShown: String
        var missed: FormField
        var extra: FormField
        var visits: FormField
        var comment: String
        var commentError: String?
        var commentHint: String
        var visitRows: [VisitRow]
        var visitRowCount: String
        var visitsError: String?
        var claims: [Claim]
        var hasClaims: Bool
        var frustratedComputed: String?
        var contractRule: String
        var exception: Bool
        var ruleBroken: String?
        var weekHref: String
    }

    /// What the form holds: the line's values, or what the user sent.
    struct Values {
        var actual: String
        var frustrated: String
        var missed: String
        var extra: String
        var visits: String
        var comment: String
        var abortedVisits: [(date: String, length: String, notice: String, time: String, cause: String)]

        init(_ line: ActualRecorded) {
            actual = Formatting.quantity(line.actual)
            // With aborted visits listed, Frustrated is computed from them: left empty.
            frustrated = line.abortedVisits.isEmpty ? Formatting.quantity(line.frustrated) : ""
            missed = Formatting.quantity(line.missed)
            extra = Formatting.quantity(line.extra)
            visits = String(line.visits)
            comment = line.comment
            abortedVisits = line.abortedVisits.map {
                (ActualEditPage.ukDate($0.visit.date), Formatting.quantity($0.visit.length), Formatting.quantity($0.visit.noticeHours),
                 $0.visit.time.rawValue, $0.visit.cause.rawValue)
            }
        }

        init(_ form: FormPost, line: ActualRecorded) {
            self.init(line)
            if form["actual"] != nil { actual = form.text("actual") }
            if form["frustrated"] != nil { frustrated = form.text("frustrated") }
            if form["missed"] != nil { missed = form.text("missed") }
            if form["extra"] != nil { extra = form.text("extra") }
            if form["visits"] != nil { visits = form.text("visits") }
            if form["comment"] != nil { comment = form.text("comment") }
            if let rows = ActualEditPage.visitRowCount(form) {
                abortedVisits = (0..<rows).map { index in
                    let at = "visit-\(index)-"
                    return (form.text(at + "date"), form.text(at + "length"), form.text(at + "notice"), form.text(at + "time"), form.text(at + "cause"))
                }.filter { !($0.date.isEmpty && $0.length.isEmpty && $0.notice.isEmpty) }
            }
        }
    }

    // MARK: Reading

    func page(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let (service, week, cpli) = try address(context)
        return try await render(service, week, cpli, actor: actor, values: nil, request, context)
    }

    func address(_ context: PortalRequestContext) throws -> (ServiceID, Week, CPLIID) {
        (try context.identifier("serviceID", as: ServiceID.self), try context.week(), try context.identifier("cpliID", as: CPLIID.self))
    }

    func render(_ service: ServiceID, _ week: Week, _ cpli: CPLIID, actor: Actor, values: Values?, _ request: Request, _ context: PortalRequestContext,
                banner: PageChrome.Banner? = nil, errors: [PageChrome.ErrorLine] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let calendarPage = ActualsCalendarPage(web: web)
        let read = try await calendarPage.read(service, week, actor: actor)
        guard let line = read.week.lines.first(where: { $0.cpliID == cpli }) else {
            throw Problem.notFound("there is no line of CPLI \(cpli) in the week of \(week.monday)")
        }
        if let reason = calendarPage.readOnlyReason(read, actor: actor) {
            // Read-only: the week's page says why; there is no form to show.
            return try await calendarPage.render(service, week, actor: actor, request, context,
                                                 errors: [PageChrome.ErrorLine(message: reason, fieldID: nil)], status: .forbidden)
        }
        let values = values ?? Values(line.values)
        func error(_ field: String) -> String? { errors.first { $0.fieldID == field }?.message }
        func field(_ id: String, _ label: String, _ value: String, hint: String? = nil, inputMode: String = "decimal") -> FormField {
            let field = FormField(id: id, label: label, value: value, hint: hint, inputMode: inputMode, width: "5", spellcheckOff: true)
            return error(id).map(field.failing) ?? field
        }
        let unit = line.unit.rawValue
        var rows = values.abortedVisits
        rows += Array(repeating: ("", "", "", VisitTime.day.rawValue, AbortCause.cancelled.rawValue), count: Self.blankVisitRows)
        let visitRows = rows.prefix(Self.maximumVisits).enumerated().map { index, visit -> VisitRow in
            let at = "visit-\(index)-"
            return VisitRow(
                index: String(index), number: String(index + 1),
                date: field(at + "date", "Date", visit.date, hint: "For example, 19/10/2026", inputMode: "text"),
                length: field(at + "length", "Length (\(unit))", visit.length),
                notice: field(at + "notice", "Notice given (hours)", visit.notice),
                time: SelectField(id: at + "time", label: "Day or night", choices: [("day", "Day visit"), ("night", "Night sit or sleep")],
                                  selected: visit.time),
                cause: SelectField(id: at + "cause", label: "Cause", choices: [("cancelled", "Cancelled"), ("no-entry", "No entry"),
                                                                              ("hospitalisation", "Hospitalisation"), ("death", "Death")],
                                   selected: visit.cause))
        }
        let v = line.values
        let claims = v.abortedVisits.map { claim in
            Claim(date: Formatting.shortDate(claim.visit.date),
                  visit: "\(claim.visit.time == .night ? "Night" : "Day"), \(Formatting.quantity(claim.visit.length)) \(unit), "
                      + "\(Formatting.quantity(claim.visit.noticeHours)) hours' notice, \(claim.visit.cause.rawValue)",
                  claimable: Formatting.quantity(claim.claimable), basis: claim.basis)
        }
        let policy = web.api.portal.configuration.policy
        var summary = [
            InvoicePage.SummaryRow(key: "Client", value: "\(line.clientName) (\(line.clientReference))"),
            InvoicePage.SummaryRow(key: "Week", value: "\(Formatting.date(week.monday)) to \(Formatting.date(week.sunday))"),
            InvoicePage.SummaryRow(key: "Planned", value: "\(Formatting.quantity(v.planned)) \(unit)\(v.isProRata ? " (pro-rata: the CPLI runs only part of this week)" : "")"),
            InvoicePage.SummaryRow(key: "Rate", value: Formatting.rate(line.rate) + " per " + unit.trimmingCharacters(in: CharacterSet(charactersIn: "s"))),
            InvoicePage.SummaryRow(key: "Paid for the week", value: "\(Formatting.quantity(v.paidQuantity)) \(unit), \(Formatting.money(line.amount))"),
        ]
        if let reference = v.invoiceReference { summary.append(.init(key: "Your invoice reference", value: reference)) }
        let commentHint = policy.varianceNeedsReason
            ? "Needed when Actual is 0, when Frustrated is above 0 (name the dates of the aborted visits, like 17/11/2026), and for any line that differs from Planned. Text after | is your own invoice reference."
            : "Needed when Actual is 0 (why no care was given), and when Frustrated is above 0: name the dates of the aborted visits, like 17/11/2026."
        let model = Model(
            chrome: web.chrome(title: "Edit the actual of \(line.clientName)", context, current: ActualsCalendarPage.path, errors: errors, banner: banner,
                               backLink: PageChrome.Link(href: ActualsCalendarPage.weekPath(service, week), label: "Back to the week")),
            caption: "\(read.serviceName), week of \(Formatting.date(week.monday))",
            heading: "\(line.clientName) (\(line.clientReference))",
            action: Self.path(service, week, cpli), version: String(read.period.version), summary: summary,
            actual: field("actual", "Actual (\(unit))", values.actual, hint: "The care given this week, as a decimal: 7.5 for seven and a half hours"),
            frustrated: field("frustrated", "Frustrated (\(unit))", values.frustrated,
                              hint: "Leave empty, or as it is, to have it computed from the aborted visits below (user guide §7)"),
            frustratedShown: values.frustrated,
            missed: field("missed", "Missed (\(unit))", values.missed, hint: policy.lineMustBalanceToPlanned ? "Planned care not given: Actual + Frustrated + Missed must equal Planned" : "Not used for payment"),
            extra: field("extra", "Extra (\(unit))", values.extra, hint: policy.extraIsPaid ? "Care given beyond Planned, paid" : "Not used for payment"),
            visits: field("visits", "Visits", values.visits, hint: policy.lineMustBalanceToPlanned ? nil : "Not used for payment", inputMode: "numeric"),
            comment: values.comment, commentError: error("comment"), commentHint: commentHint,
            visitRows: Array(visitRows), visitRowCount: String(visitRows.count), visitsError: error("aborted-visits"),
            claims: claims, hasClaims: !claims.isEmpty,
            frustratedComputed: claims.isEmpty ? nil : "\(Formatting.quantity(v.frustrated)) \(unit)",
            contractRule: Self.contractRule(read.contractType),
            exception: line.flags.exception, ruleBroken: ActualsCalendarPage.lineTotalRuleBroken(v, policy: policy),
            weekHref: ActualsCalendarPage.weekPath(service, week))
        return try Page(template: "actual-edit", model: model, status: status).response(from: request, context: context)
    }

    /// The aborted-visit guide's rule for the contract (user guide §7, R-ABT).
    static func contractRule(_ type: ContractType) -> String {
        let day = switch type {
        case .spotOldBlock: "Spot/old block contract: a day visit pays its length, at most 30 minutes (R-ABT-1)."
        case .block2013: "2013 block contract: a day visit pays its length, at most 30 minutes (R-ABT-1)."
        case .block2015Framework: "2015 block and framework contract: a day visit pays 50% of its length (R-ABT-2)."
        }
        return day + " A night sit or sleep pays 25%, or 100% when interrupted by hospitalisation or death (R-ABT-3). "
            + "Only a visit cancelled with less than 24 hours' notice is claimable."
    }

    // MARK: Saving

    func save(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let (service, week, cpli) = try address(context)
        let form = try await FormPost.read(request)
        guard let version = form["version"].flatMap({ UInt64($0) }) else { throw WebError.badForm("the form has no version") }
        var errors: [PageChrome.ErrorLine] = []
        let changes = Self.changes(form, errors: &errors)
        func again(_ errors: [PageChrome.ErrorLine], status: HTTPResponse.Status) async throws -> Response {
            let line = try web.api.portal.actualLine(service: service, cpli: cpli, week: week, for: actor).line
            return try await render(service, week, cpli, actor: actor, values: Values(form, line: line), request, context, errors: errors, status: status)
        }
        guard errors.isEmpty, let changes else { return try await again(errors, status: .unprocessableContent) }
        let period = try web.api.portal.configuration.calendar.requirePeriod(containing: week.monday, field: "week")
        var command = CommandRequest(actor: actor, correlationID: context.correlationID)
        command.expectedVersions[Actuals.Key(serviceID: service, period: period.number).streamID] = version
        let outcome: CommandOutcome<ActualChange>
        do {
            outcome = try await web.api.portal.changeActual(service: service, cpli: cpli, week: week, changes, command)
        } catch let error as PortalError where error.isVersionMismatch {
            // Shown as it is now, with the new version: what the user typed is not kept over someone else's edit.
            return try await render(service, week, cpli, actor: actor, values: nil, request, context, banner: ActualsCalendarPage.changedSinceOpened,
                                    status: .preconditionFailed)
        } catch let error as DomainError {
            return try await again([PageChrome.ErrorLine(message: error.description, fieldID: Self.fieldID(error.field))], status: .unprocessableContent)
        }
        let done = outcome.value?.changed == false ? "unchanged" : "saved"
        return Response.redirect(to: ActualsCalendarPage.weekPath(service, week) + "?done=\(done)#line-\(WebPortal.escapeQuery(cpli.rawValue))", type: .normal)
    }

    /// The field of the form a domain error names.
    static func fieldID(_ field: String?) -> String? {
        switch field {
        case "actual", "frustrated", "missed", "extra", "visits", "comment": field
        case "abortedVisits": "aborted-visits"
        default: nil
        }
    }

    /// How many visit rows the form sent; nil when it has no visit rows (the visits are then kept).
    static func visitRowCount(_ form: FormPost) -> Int? {
        guard let text = form["visitRows"], let count = Int(text), (0...maximumVisits).contains(count) else { return nil }
        return count
    }

    /// The fields the form sends, parsed; every bad value is an error line naming its field.
    static func changes(_ form: FormPost, errors: inout [PageChrome.ErrorLine]) -> ActualChanges? {
        var changes = ActualChanges()
        func quantity(_ name: String, _ label: String) -> Quantity? {
            guard form[name] != nil else { return nil }
            let text = form.text(name)
            if text.isEmpty { return .zero }
            do {
                return try Quantity.parse(text, field: name)
            } catch {
                errors.append(PageChrome.ErrorLine(message: "\(label) must be a quantity of 0 or more with at most 4 decimal places, like 7.5", fieldID: name))
                return nil
            }
        }
        changes.actual = quantity("actual", "Actual")
        if form["actual"] != nil, form.text("actual").isEmpty {
            errors.append(PageChrome.ErrorLine(message: "Enter the Actual, or 0 with a comment saying why no care was given", fieldID: "actual"))
        }
        if form["frustrated"] != nil {
            // Left empty, or left as the form showed it while aborted visits are listed: computed from the visits
            // (a person adding a visit to a line without any need not clear the 0 the form showed).
            let text = form.text("frustrated")
            let visitsListed = (0..<(visitRowCount(form) ?? 0)).contains { !form.text("visit-\($0)-date").isEmpty || !form.text("visit-\($0)-length").isEmpty }
            let untouched = form["frustratedShown"].map { $0 == text } ?? false
            changes.frustrated = text.isEmpty || (visitsListed && untouched) ? .computed : quantity("frustrated", "Frustrated").map(ActualChanges.Frustrated.given)
        }
        changes.missed = quantity("missed", "Missed")
        changes.extra = quantity("extra", "Extra")
        if form["visits"] != nil {
            let text = form.text("visits")
            if text.isEmpty {
                changes.visits = 0
            } else if text.count <= 4, let count = Int(text), count >= 0 {
                changes.visits = count
            } else {
                errors.append(PageChrome.ErrorLine(message: "Visits must be a whole number of 0 or more", fieldID: "visits"))
            }
        }
        if form["comment"] != nil { changes.comment = form.text("comment") }
        if let rows = visitRowCount(form) {
            var visits: [AbortedVisit] = []
            for index in 0..<rows {
                let at = "visit-\(index)-"
                let date = form.text(at + "date"), length = form.text(at + "length"), notice = form.text(at + "notice")
                if date.isEmpty && length.isEmpty && notice.isEmpty { continue }
                let number = index + 1
                let parsedDate = BusinessDate(spreadsheet: date)
                if parsedDate == nil {
                    errors.append(PageChrome.ErrorLine(message: "Aborted visit \(number): enter its date, like 19/10/2026", fieldID: at + "date"))
                }
                let parsedLength = try? Quantity.parse(length, field: at + "length")
                if parsedLength == nil || parsedLength == .zero {
                    errors.append(PageChrome.ErrorLine(message: "Aborted visit \(number): enter its length, like 0.5", fieldID: at + "length"))
                }
                let parsedNotice = try? Quantity.parse(notice, field: at + "notice")
                if parsedNotice == nil {
                    errors.append(PageChrome.ErrorLine(message: "Aborted visit \(number): enter the hours of notice given, like 2", fieldID: at + "notice"))
                }
                guard let time = VisitTime(rawValue: form.text(at + "time")), let cause = AbortCause(rawValue: form.text(at + "cause")) else {
                    errors.append(PageChrome.ErrorLine(message: "Aborted visit \(number): choose day or night and a cause", fieldID: at + "time"))
                    continue
                }
                if let parsedDate, let parsedLength, let parsedNotice {
                    visits.append(AbortedVisit(date: parsedDate, length: parsedLength, noticeHours: parsedNotice, time: time, cause: cause))
                }
            }
            changes.abortedVisits = visits
        }
        return errors.isEmpty ? changes : nil
    }

    /// `19/10/2026`.
    static func ukDate(_ date: BusinessDate) -> String {
        String(format: "%02d/%02d/%04d", date.day, date.month, date.year)
    }
}

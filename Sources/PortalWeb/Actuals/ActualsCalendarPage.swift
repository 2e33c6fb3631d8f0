import Chronology
import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections

/// The actuals calendar (user guide §5–7): the services whose actuals the user may read; a service's week with
/// one row per CPLI (client, Planned, Actual, Frustrated, Missed, Extra, Visits, comment), the exception and
/// pro-rata marks and the week's money; moving by week and by period; the week's confirmation (R-ACT-9); the
/// period's CSV. A period that may not be edited is shown read-only with the reason (R-PER-2, R-PER-3). The data
/// is the JSON API's `GET /services/{id}/weeks/{monday}/actuals`, from the same application and read model.
struct ActualsCalendarPage: Sendable {
    let web: WebPortal

    static let path = "/portal/actuals"

    static func servicePath(_ service: ServiceID) -> String { "\(path)/services/\(WebPortal.escapeQuery(service.rawValue))" }
    static func weekPath(_ service: ServiceID, _ week: Week) -> String { "\(servicePath(service))/weeks/\(week)" }
    static func csvPath(_ service: ServiceID, _ period: PeriodNumber) -> String { "\(servicePath(service))/periods/\(period)/actuals.csv" }

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("actuals") { request, context in try await services(request, context) }
        pages.get("actuals/services/{serviceID}") { request, context in try await serviceHome(request, context) }
        pages.get("actuals/services/{serviceID}/weeks/{week}") { request, context in try await weekPage(request, context) }
        pages.post("actuals/services/{serviceID}/weeks/{week}/confirmation") { request, context in try await confirm(request, context) }
        pages.get("actuals/services/{serviceID}/periods/{period}/actuals.csv") { request, context in try exportCSV(request, context) }
    }

    // MARK: The services

    struct ServiceRow: Sendable {
        var name: String
        var providerName: String
        var contract: String
        var openPeriod: String
        var href: String
    }

    struct ServicesModel: Sendable {
        var chrome: PageChrome
        var isCouncil: Bool
        var provider: SelectField?
        var rows: [ServiceRow]
        var hasRows: Bool
        var emptyText: String
    }

    /// `/portal/actuals`: a provider's services; council staff choose a provider first (`?organisationID=`).
    func services(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let query = try QueryParameters(request, allowing: ["organisationID"])
        try web.api.requireReadable(actor, .actuals, organisation: actor.organisation, "actuals")
        let models = try await web.api.readModelsAtHead()
        let scope = ReadScope(actor)
        let isCouncil = actor.organisation == nil
        var chosen = actor.organisation ?? query["organisationID"].map(OrganisationID.init)
        var provider: SelectField?
        if isCouncil {
            let providers = try models.providers.organisations(scope).sorted { $0.details.name < $1.details.name }
            if let picked = chosen, !providers.contains(where: { $0.organisationID == picked }) { chosen = nil }
            provider = SelectField(id: "organisationID", label: "Provider",
                                   choices: [("", "Choose a provider")] + providers.map { ($0.organisationID.rawValue, $0.details.name) },
                                   selected: chosen?.rawValue)
        }
        var rows: [ServiceRow] = []
        if let organisation = chosen {
            let providerName = try models.providers.organisation(organisation, scope)?.details.name ?? organisation.rawValue
            let calendar = web.api.portal.configuration.calendar
            let today = web.api.today
            for service in try models.providers.services(of: organisation, scope) {
                let open = try models.periodLocks.openPeriod(service.serviceID, today: today, calendar: calendar, scope)
                rows.append(ServiceRow(
                    name: service.details.name, providerName: providerName, contract: service.contractName,
                    openPeriod: open.map { Self.describePeriod(calendar.period($0)) } ?? "None open",
                    href: Self.servicePath(service.serviceID)))
            }
        }
        let model = ServicesModel(
            chrome: web.chrome(title: "Actuals", context, current: Self.path), isCouncil: isCouncil, provider: provider, rows: rows,
            hasRows: !rows.isEmpty,
            emptyText: chosen == nil ? "Choose a provider to see its services." : "This provider has no services.")
        return try Page(template: "actuals-services", model: model).response(from: request, context: context)
    }

    /// `/portal/actuals/services/{id}`: the week to start from: the first week of the period open for edits, or
    /// this week when none is open.
    func serviceHome(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let service = try context.identifier("serviceID", as: ServiceID.self)
        let locks = try web.api.portal.periodLocks(of: service, for: actor)
        let calendar = web.api.portal.configuration.calendar
        let week = locks.openPeriod.map { calendar.period($0).weeks[0] } ?? Week(containing: web.api.today)
        return Response.redirect(to: Self.weekPath(service, week), type: .found)
    }

    // MARK: A week

    struct Line: Sendable {
        struct Visit: Sendable {
            var date: String
            var claim: String
        }

        var cpliID: String
        var clientName: String
        var clientReference: String
        var unit: String
        var planned: String
        var actual: String
        var frustrated: String
        var missed: String
        var extra: String
        var visits: String
        var comment: String
        var amount: String
        var abortedVisits: [Visit]
        var hasAbortedVisits: Bool
        var exception: Bool
        var proRata: Bool
        var needsComment: Bool
        /// Under a policy whose lines balance to Planned (R-ACT-7): why this line breaks the rule.
        var ruleBroken: String?
        var editHref: String?
        var rowClass: String
    }

    struct Link: Sendable {
        var href: String
        var label: String
    }

    struct WeekTab: Sendable {
        var href: String
        var label: String
        var isCurrent: Bool
        var confirmed: Bool
    }

    struct Confirmation: Sendable {
        var text: String
        var canConfirm: Bool
        var isConfirmed: Bool
        var version: String
        var action: String
    }

    struct WeekModel: Sendable {
        var chrome: PageChrome
        var caption: String
        var heading: String
        var periodText: String
        var weekTabs: [WeekTab]
        var previousWeek: Link?
        var nextWeek: Link?
        var previousPeriod: Link?
        var nextPeriod: Link?
        var readOnlyReason: String?
        var lines: [Line]
        var hasLines: Bool
        var hasException: Bool
        var totalText: String
        var plannedTotal: String
        var total: String
        var confirmation: Confirmation
        var csvHref: String
        var importHref: String?
        var servicesHref: String
        var policyNote: String?
    }

    func weekPage(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let service = try context.identifier("serviceID", as: ServiceID.self)
        let week = try context.week()
        let done = request.uri.queryParameters.get("done").flatMap { Self.done[String($0)] }
        return try await render(service, week, actor: actor, request, context, banner: done.map { PageChrome.Banner(heading: $0, isSuccess: true) })
    }

    static let done: [String: String] = [
        "confirmed": "The week is confirmed",
        "saved": "The line is saved",
        "unchanged": "Nothing changed: the line already had these values",
    ]

    /// What the page shows of a service's week: authorised by the application (``Portal/actualsPeriod(service:week:for:)``),
    /// then read from the actuals calendar read model at the log's head.
    struct WeekRead {
        var period: ActualsPeriod
        var week: CalendarWeek
        /// The weeks of the period confirmed and not changed since (R-ACT-9).
        var confirmedWeeks: Set<Week>
        var serviceName: String
        var providerName: String
        var contractType: ContractType
        var lock: PeriodLockEntry?
        var models: PortalReadModels
    }

    func read(_ service: ServiceID, _ week: Week, actor: Actor) async throws -> WeekRead {
        let configuration = web.api.portal.configuration
        // The version first, then the read model at the log's head: the lines are never older than the version
        // a form carries.
        let period = try web.api.portal.actualsPeriod(service: service, week: week, for: actor)
        let models = try await web.api.readModelsAtHead()
        let scope = ReadScope(actor)
        // The period's four weeks in one read: the week shown, and which weeks are confirmed.
        let weeks = try models.actualsCalendar.period(service, period.key.period, policy: configuration.policy, calendar: configuration.calendar, scope)
        guard let calendarWeek = weeks.first(where: { $0.week == week }), let entry = try models.providers.service(service, scope) else {
            throw Problem.notFound("there is no service \(service)")
        }
        let provider = try models.providers.organisation(entry.organisationID, scope)?.details.name ?? entry.organisationID.rawValue
        let lock = try models.periodLocks.lock(service, period.key.period, scope)
        let confirmed = Set(weeks.filter { $0.confirmation != nil && !$0.changedSinceConfirmation }.map(\.week))
        return WeekRead(period: period, week: calendarWeek, confirmedWeeks: confirmed, serviceName: entry.details.name, providerName: provider, contractType: entry.contractType, lock: lock, models: models)
    }

    /// Why the week's lines may not be changed by `actor`, nil when they may (R-PER-2, R-PER-3, the role).
    func readOnlyReason(_ read: WeekRead, actor: Actor) -> String? {
        let calendar = web.api.portal.configuration.calendar
        let number = read.period.key.period
        if !Authorisation.allows(actor, .edit(.actuals), organisation: read.period.service.organisationID) || actor.organisation == nil {
            let role = actor.organisation == nil ? WebPortal.describe(actor) : (actor.providerRole?.displayName ?? "your role")
            return "You can read these actuals but not change them: \(role) may not edit actuals (user guide §2)."
        }
        if let lock = read.lock, lock.lock != nil {
            let invoice = lock.invoiceID.map { " by invoice \($0)" } ?? ""
            return "Period \(number) is locked\(invoice), submitted to the Payments Team, so its actuals cannot be changed (R-PER-3). "
                + "It opens again only if the Payments Team returns the invoice."
        }
        guard let open = read.period.openPeriod else {
            return "No period of this service is open for edits today (R-PER-2)."
        }
        if open == number { return nil }
        if number < open {
            return "Period \(number) is closed: only \(Self.describePeriod(calendar.period(open))) is open for edits (R-PER-2)."
        }
        return "Period \(number) is not open for edits yet: \(Self.describePeriod(calendar.period(open))) is, until its invoice is submitted (R-PER-2, R-PER-3)."
    }

    func render(_ service: ServiceID, _ week: Week, actor: Actor, _ request: Request, _ context: PortalRequestContext,
                banner: PageChrome.Banner? = nil, errors: [PageChrome.ErrorLine] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let read = try await read(service, week, actor: actor)
        let configuration = web.api.portal.configuration
        let calendar = configuration.calendar
        let policy = configuration.policy
        let period = calendar.period(read.period.key.period)
        let readOnly = readOnlyReason(read, actor: actor)
        let today = web.api.today

        let lines = read.week.lines.sorted {
            $0.clientReference.compare($1.clientReference, options: [.numeric, .caseInsensitive]) == .orderedAscending
        }.map { line -> Line in
            let v = line.values
            let unit = line.unit.rawValue
            return Line(
                cpliID: line.cpliID.rawValue, clientName: line.clientName, clientReference: line.clientReference, unit: unit,
                planned: Formatting.quantity(v.planned), actual: Formatting.quantity(v.actual), frustrated: Formatting.quantity(v.frustrated),
                missed: Formatting.quantity(v.missed), extra: Formatting.quantity(v.extra), visits: String(v.visits), comment: v.comment,
                amount: Formatting.money(line.amount),
                abortedVisits: v.abortedVisits.map { Line.Visit(date: Formatting.shortDate($0.visit.date), claim: Formatting.quantity($0.claimable)) },
                hasAbortedVisits: !v.abortedVisits.isEmpty, exception: line.flags.exception, proRata: line.flags.proRata,
                needsComment: line.flags.needsComment && v.comment.isEmpty, ruleBroken: Self.lineTotalRuleBroken(v, policy: policy),
                editHref: readOnly == nil ? ActualEditPage.path(service, week, line.cpliID) : nil,
                rowClass: line.flags.exception ? "row--flagged" : "")
        }

        let weeks = period.weeks
        let confirmed = read.confirmedWeeks
        let tabs = weeks.enumerated().map { index, tab in
            WeekTab(href: Self.weekPath(service, tab), label: "Week \(index + 1): \(Formatting.shortDate(tab.monday))", isCurrent: tab == week,
                    confirmed: confirmed.contains(tab))
        }
        let firstWeek = calendar.period(PeriodLocks.ServiceFacts(startDate: read.period.service.startDate, calendar: calendar).firstPeriod).weeks[0]
        let lastWeek = Week(containing: calendar.period(containing: today).map(\.lastDay) ?? today)
        func link(_ target: Week, _ label: String) -> Link? {
            target >= firstWeek && target <= lastWeek ? Link(href: Self.weekPath(service, target), label: label) : nil
        }
        let number = period.number

        let isConfirmed = read.week.confirmation != nil && !read.week.changedSinceConfirmation
        let people = web.people(read.models, actor)
        let zone = configuration.time.timeZone
        var confirmationText: String
        if let step = read.week.confirmation {
            confirmationText = "Confirmed \(Formatting.time(step.at, in: zone)) by \(people.name(of: step.who))."
            if read.week.changedSinceConfirmation { confirmationText += " A line has changed since, so the week needs confirming again." }
        } else {
            confirmationText = "Not confirmed yet."
        }
        let canConfirm = readOnly == nil && week.monday <= today && !isConfirmed

        let mayImport = Authorisation.allows(actor, .edit(.actuals), organisation: read.period.service.organisationID) && actor.organisation != nil
        let model = WeekModel(
            chrome: web.chrome(title: "Actuals of \(read.serviceName), week of \(Formatting.date(week.monday))", context, current: Self.path,
                               errors: errors, banner: banner,
                               backLink: PageChrome.Link(href: Self.path + (actor.organisation == nil ? "?organisationID=\(read.period.service.organisationID)" : ""),
                                                         label: "Back to services")),
            caption: read.providerName == read.serviceName ? read.serviceName : "\(read.providerName), \(read.serviceName)",
            heading: "Week of \(Formatting.date(week.monday))",
            periodText: "\(Self.describePeriod(period)). The week runs \(Formatting.date(week.monday)) to \(Formatting.date(week.sunday)).",
            weekTabs: tabs,
            previousWeek: link(week.adding(weeks: -1), "Previous week"), nextWeek: link(week.adding(weeks: 1), "Next week"),
            previousPeriod: number.value > 1 ? link(calendar.period(number.previous).weeks[0], "Previous period") : nil,
            nextPeriod: link(calendar.period(number.next).weeks[0], "Next period"),
            readOnlyReason: readOnly, lines: lines, hasLines: !lines.isEmpty, hasException: lines.contains(where: \.exception),
            totalText: "Total: \(Formatting.money(read.week.total)) of \(Formatting.money(read.week.plannedTotal))",
            plannedTotal: Formatting.money(read.week.plannedTotal), total: Formatting.money(read.week.total),
            confirmation: Confirmation(text: confirmationText, canConfirm: canConfirm, isConfirmed: isConfirmed, version: String(read.period.version),
                                       action: Self.weekPath(service, week) + "/confirmation"),
            csvHref: Self.csvPath(service, number),
            importHref: mayImport && readOnly == nil ? ActualsImportPage.path(service, number) : nil,
            servicesHref: Self.path,
            policyNote: policy.lineMustBalanceToPlanned
                ? "Under the council's rules every line's Actual + Frustrated + Missed must equal Planned, except in a pro-rata week, and a line that differs from Planned needs a reason in its comment (R-ACT-7)."
                : nil)
        return try Page(template: "actuals-week", model: model, status: status).response(from: request, context: context)
    }

    /// Under a policy whose lines balance to Planned (R-ACT-7), why a line does not, in words; nil when it does,
    /// when the week is pro-rata, or under another policy.
    static func lineTotalRuleBroken(_ v: ActualRecorded, policy: PolicyProfile) -> String? {
        guard policy.lineMustBalanceToPlanned, !v.isProRata else { return nil }
        let sum = v.actual + v.frustrated + v.missed
        guard sum != v.planned else { return nil }
        return "Actual \(Formatting.quantity(v.actual)) + Frustrated \(Formatting.quantity(v.frustrated)) + Missed \(Formatting.quantity(v.missed)) = "
            + "\(Formatting.quantity(sum)), but the three must add up to Planned \(Formatting.quantity(v.planned)) (R-ACT-7): "
            + (sum < v.planned ? "record the care not given as Missed." : "lower Missed, or record the extra care as Extra.")
    }

    static func describePeriod(_ period: Period) -> String {
        "Period \(period.number), \(Formatting.shortDate(period.firstDay)) to \(Formatting.shortDate(period.lastDay))"
    }

    // MARK: Confirming the week

    /// The provider confirms the week, changed or not (R-ACT-9), at the version of the actuals it read.
    func confirm(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let service = try context.identifier("serviceID", as: ServiceID.self)
        let week = try context.week()
        let form = try await FormPost.read(request)
        guard let version = form["version"].flatMap({ UInt64($0) }) else { throw WebError.badForm("the form has no version") }
        let period = try web.api.portal.configuration.calendar.requirePeriod(containing: week.monday, field: "week")
        let key = Actuals.Key(serviceID: service, period: period.number)
        var command = CommandRequest(actor: actor, correlationID: context.correlationID)
        command.expectedVersions[key.streamID] = version
        do {
            _ = try await web.api.portal.confirmWeek(key, week, command)
        } catch let error as PortalError where error.isVersionMismatch {
            return try await render(service, week, actor: actor, request, context, banner: Self.changedSinceOpened, status: .preconditionFailed)
        } catch let error as DomainError {
            return try await render(service, week, actor: actor, request, context, errors: [PageChrome.ErrorLine(message: error.description, fieldID: nil)],
                                    status: .unprocessableContent)
        }
        return Response.redirect(to: Self.weekPath(service, week) + "?done=confirmed", type: .normal)
    }

    /// The actuals changed between the reading and the post: nothing was done.
    static let changedSinceOpened = PageChrome.Banner(
        heading: "These actuals changed since you opened them, so nothing was done",
        text: "Someone recorded a line or confirmed a week of this period meanwhile. The page shows the week as it is now: check it and try again.")

    // MARK: The period's CSV

    /// The period's actuals as the CSV file the import reads back (the JSON API's `GET …/actuals/csv`).
    func exportCSV(_ request: Request, _ context: PortalRequestContext) throws -> Response {
        let actor = try context.requireActor()
        let service = try context.identifier("serviceID", as: ServiceID.self)
        let number = try context.period(in: web.api.portal.configuration.calendar)
        let period = try web.api.portal.actualsPeriod(service: service, period: number, for: actor)
        let csv = try web.api.portal.exportActuals(period)
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8",
                      .contentDisposition: "attachment; filename=\"actuals-\(period.key.serviceID)-\(number).csv\""],
            body: .init(byteBuffer: ByteBuffer(string: csv)))
    }
}

extension Actor {
    /// The provider role acted in, nil for anyone else.
    var providerRole: ProviderRole? {
        if case .provider(_, _, let role) = self { return role }
        return nil
    }
}

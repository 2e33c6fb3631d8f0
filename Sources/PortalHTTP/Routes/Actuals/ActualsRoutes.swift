import Chronology
import EventLog
import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalProjections

/// Actuals (R-ACT, R-ABT, R-PER): the week view and one CPLI's week edit, the weekly confirmation, the
/// period's CSV export and its all-or-nothing CSV import, and the service's period locks.
struct ActualsRoutes {
    let api: PortalAPI

    struct ActualEdit: Decodable {
        struct Visit: Decodable {
            var date: String
            var length: String
            var noticeHours: String
            var time: String
            var cause: String
        }

        var actual: String
        /// Absent: computed from `abortedVisits` (R-ABT).
        var frustrated: String?
        var missed: String?
        var extra: String?
        var visits: Int?
        var comment: String?
        var abortedVisits: [Visit]?
    }

    func register(on router: Router<PortalRequestContext>) {
        router.get("/services/{serviceID}/periods") { _, context in try periods(context) }
        router.get("/services/{serviceID}/period-board") { _, context in try await periodBoard(context) }
        router.get("/services/{serviceID}/periods/{period}/actuals") { _, context in try await periodActuals(context) }
        router.get("/services/{serviceID}/periods/{period}/actuals/csv") { _, context in try exportCSV(context) }
        router.get("/services/{serviceID}/weeks/{week}/actuals") { _, context in try await weekActuals(context) }
        router.put("/services/{serviceID}/weeks/{week}/actuals/{cpliID}") { request, context in try await edit(request, context) }
        router.post("/services/{serviceID}/weeks/{week}/confirmation") { request, context in try await confirm(request, context) }
        router.post("/organisations/{organisationID}/periods/{period}/actuals-imports") { request, context in
            try await importCSV(request, context)
        }
    }

    /// The service of the path, visible to the actor; its facts for the open-period rule.
    func visibleService(_ actor: Actor, _ context: PortalRequestContext) throws -> ServiceRegistered {
        let id = try context.identifier("serviceID", as: ServiceID.self)
        let snapshot = try api.existing(Service.self, id.rawValue, "service \(id)")
        try api.requireReadable(actor, .actuals, organisation: snapshot.state.organisationID, "service \(id)")
        guard let registration = snapshot.state.registration else { throw Problem.notFound("there is no service \(id)") }
        return registration
    }

    func openPeriod(_ service: ServiceRegistered, locks: PeriodLocks.State) -> PeriodNumber? {
        let calendar = api.portal.configuration.calendar
        return PeriodLocks.openPeriod(locks, service: .init(startDate: service.startDate, calendar: calendar), today: api.today, calendar: calendar)
    }

    func periods(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let service = try visibleService(actor, context)
        let snapshot = try api.portal.snapshot(of: PeriodLocks.self, service.serviceID.rawValue)
        let locks = snapshot.state.locks.compactMap { key, lock in
            Int(key).map { PeriodLocksView.Lock(period: PeriodNumber($0), invoiceID: lock.invoiceID, release: lock.release) }
        }.sorted { $0.period < $1.period }
        return try api.json(PeriodLocksView(serviceID: service.serviceID, openPeriod: openPeriod(service, locks: snapshot.state),
                                            locks: locks, version: snapshot.version), etag: snapshot.version)
    }

    /// The service's periods from its first through today's, each with its lock status, whether it is the one
    /// open for edits, and every lock step with its invoice, who and when (R-PER-2, R-PER-3); from the period
    /// locks read model.
    func periodBoard(_ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let service = try visibleService(actor, context)
        let models = try await api.readModelsAtHead()
        let today = api.today
        let board = try models.periodLocks.board(service.serviceID, today: today, calendar: api.portal.configuration.calendar, ReadScope(actor))
        return try api.json(PeriodBoardView(
            serviceID: service.serviceID, today: today, openPeriod: board.first { $0.isOpenForEdits }?.period,
            periods: board.map(PeriodBoardView.Period.init)))
    }

    /// The actuals of the period (or of one week of it), with the actuals stream's version as ETag. Served from
    /// the actuals calendar read model when the server keeps one: the version is read first, then the model is
    /// awaited up to the log's head, so the lines are never older than the ETag (an ETag older than the lines
    /// only makes a later `If-Match` fail safely). Without read models, folded from the log.
    func actuals(_ actor: Actor, _ service: ServiceRegistered, period: PeriodNumber, week: Week?) async throws -> (ActualsView, UInt64) {
        let key = Actuals.Key(serviceID: service.serviceID, period: period)
        let locks = try api.portal.state(of: PeriodLocks.self, service.serviceID.rawValue)
        let dates = api.portal.configuration.calendar.period(period)
        var view = ActualsView(
            serviceID: service.serviceID, period: period, firstDay: dates.firstDay, lastDay: dates.lastDay, week: week,
            openPeriod: openPeriod(service, locks: locks), isLocked: locks.lock(of: period) != nil, confirmedWeeks: [], lines: [], version: 0)
        if let models = api.readModels {
            let version = try api.log.streamVersion(key.streamID)
            let head = try api.log.head().position
            if await models.engine.waitUntilApplied(head, timeout: .seconds(2)) {
                let configuration = api.portal.configuration
                let weeks = try week.map {
                    try models.actualsCalendar.week(service.serviceID, $0, policy: configuration.policy, calendar: configuration.calendar, ReadScope(actor))
                        .map { [$0] } ?? []
                } ?? models.actualsCalendar.period(service.serviceID, period, policy: configuration.policy, calendar: configuration.calendar, ReadScope(actor))
                view.lines = weeks.flatMap { calendarWeek in calendarWeek.lines.map { ActualLineView($0.values, isRecorded: $0.recorded != nil) } }
                view.confirmedWeeks = weeks.filter { $0.confirmation != nil && !$0.changedSinceConfirmation }.map(\.week)
                view.version = version
                return (view, version)
            }
        }
        let snapshot = try api.portal.snapshot(of: Actuals.self, key.id)
        let lines = try api.portal.actualLines(key, for: actor).filter { week == nil || $0.week == week }
        view.confirmedWeeks = snapshot.state.confirmations.compactMap { monday, confirmation in
            confirmation.changedSinceConfirmation ? nil : BusinessDate(iso8601: monday).map(Week.init(containing:))
        }.filter { week == nil || $0 == week }.sorted()
        view.lines = lines.map { ActualLineView($0, isRecorded: snapshot.state.recorded($0.cpliID, $0.week) != nil) }
        view.version = snapshot.version
        return (view, snapshot.version)
    }

    func periodActuals(_ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let service = try visibleService(actor, context)
        let (view, version) = try await actuals(actor, service, period: try context.period(in: api.portal.configuration.calendar), week: nil)
        return try api.json(view, etag: version)
    }

    func weekActuals(_ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let service = try visibleService(actor, context)
        let week = try context.week()
        let period = try parsed { try api.portal.configuration.calendar.requirePeriod(containing: week.monday, field: "week") }
        let (view, version) = try await actuals(actor, service, period: period.number, week: week)
        return try api.json(view, etag: version)
    }

    func exportCSV(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let service = try visibleService(actor, context)
        let period = try context.period(in: api.portal.configuration.calendar)
        let key = Actuals.Key(serviceID: service.serviceID, period: period)
        let version = try api.log.streamVersion(key.streamID)
        let csv = try api.portal.exportActuals(key, for: actor)
        return api.text(csv, mediaType: "text/csv; charset=utf-8", fileName: "actuals-\(service.serviceID)-\(period).csv", etag: version)
    }

    func entry(_ body: ActualEdit, cpli: CPLIID, week: Week) throws -> ActualEntry {
        try parsed {
            let visits = try (body.abortedVisits ?? []).enumerated().map { index, visit in
                let at = "abortedVisits[\(index)]."
                return AbortedVisit(
                    date: try Parse.date(visit.date, field: at + "date"), length: try Quantity.parse(visit.length, field: at + "length"),
                    noticeHours: try Quantity.parse(visit.noticeHours, field: at + "noticeHours"),
                    time: try Parse.choice(visit.time, VisitTime.self, field: at + "time"),
                    cause: try Parse.choice(visit.cause, AbortCause.self, field: at + "cause"))
            }
            if let count = body.visits, count < 0 {
                throw DomainError.invalidValue(field: "visits", "visits is \(count); give a whole number of 0 or more", rule: "R-ACT-2")
            }
            return ActualEntry(
                cpliID: cpli, week: week, actual: try Quantity.parse(body.actual, field: "actual"),
                frustrated: try body.frustrated.map { try Quantity.parse($0, field: "frustrated") },
                missed: try body.missed.map { try Quantity.parse($0, field: "missed") } ?? .zero,
                extra: try body.extra.map { try Quantity.parse($0, field: "extra") } ?? .zero,
                visits: body.visits ?? 0, comment: body.comment ?? "", abortedVisits: visits)
        }
    }

    /// One CPLI's week (calendar edit). `If-Match` is the period's actuals version (the week view's ETag).
    func edit(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "record-actual") { write in
            let service = try visibleService(write.actor, context)
            let week = try context.week()
            let cpli = try context.identifier("cpliID", as: CPLIID.self)
            let period = try parsed { try api.portal.configuration.calendar.requirePeriod(containing: week.monday, field: "week") }
            let key = Actuals.Key(serviceID: service.serviceID, period: period.number)
            let entry = try entry(try write.decode(ActualEdit.self), cpli: cpli, week: week)
            let command = try write.command(changing: key.streamID, resource: "the actuals of service \(service.serviceID) in period \(period.number)")
            let outcome = try await api.portal.recordActual(key, entry, command)
            // The event just recorded gives the line and the stream's new version without folding the stream again.
            if case .recorded(let recorded)? = outcome.value?.first, let position = outcome.positions.last,
               let stored = try api.log.event(at: position) {
                return try api.json(ActualEditView(line: ActualLineView(recorded, isRecorded: true), changed: true, version: stored.streamVersion),
                                    etag: stored.streamVersion)
            }
            // Nothing changed (or a retried request): the line as it stands.
            let snapshot = try api.portal.snapshot(of: Actuals.self, key.id)
            let line = try snapshot.state.recorded(cpli, week).map { ActualLineView($0, isRecorded: true) }
                ?? api.portal.actualLines(key, for: write.actor).first { $0.cpliID == cpli && $0.week == week }.map { ActualLineView($0, isRecorded: false) }
            guard let line else { throw Problem.notFound("there is no line of CPLI \(cpli) in week \(week)") }
            return try api.json(ActualEditView(line: line, changed: false, version: snapshot.version), etag: snapshot.version)
        }
    }

    /// The provider confirms a week, changed or not (R-ACT-9).
    func confirm(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "confirm-week") { write in
            let service = try visibleService(write.actor, context)
            let week = try context.week()
            let period = try parsed { try api.portal.configuration.calendar.requirePeriod(containing: week.monday, field: "week") }
            let key = Actuals.Key(serviceID: service.serviceID, period: period.number)
            let command = try write.command(changing: key.streamID, resource: "the actuals of service \(service.serviceID) in period \(period.number)")
            _ = try await api.portal.confirmWeek(key, week, command)
            let (view, version) = try await actuals(write.actor, service, period: period.number, week: week)
            return try api.json(view, etag: version)
        }
    }

    /// An actuals CSV for one period of the organisation's services, all or nothing (R-ACT-2, R-ACT-10).
    func importCSV(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "import-actuals") { write in
            let organisation = try context.identifier("organisationID", as: OrganisationID.self)
            try api.requireVisible(write.actor, organisation: organisation, "organisation \(organisation)")
            _ = try api.existing(Organisation.self, organisation.rawValue, "organisation \(organisation)")
            let period = try context.period(in: api.portal.configuration.calendar)
            guard write.body.readableBytes > 0 else {
                throw Problem.invalid("send the CSV file as the request body (Content-Type: text/csv)", field: "file")
            }
            let outcome = try await api.portal.importActuals(
                organisation: organisation, period: period, fileName: request.query("fileName"), content: Data(bufferBytes: write.body), write.command())
            guard let imported = outcome.value else {
                return try api.json(ActualsImportView(imported: nil, replayed: true), status: .ok)
            }
            return try api.json(ActualsImportView(imported: imported, replayed: false), status: .created)
        }
    }
}

/// The answer to an actual edit.
struct ActualEditView: Encodable {
    var line: ActualLineView
    /// False when the entry equalled the line as it stood (nothing was recorded).
    var changed: Bool
    var version: UInt64
}

/// The answer to an actuals import.
struct ActualsImportView: Encodable {
    var imported: ActualsFileImported?
    /// True when the request was a retry of one already applied.
    var replayed: Bool
}

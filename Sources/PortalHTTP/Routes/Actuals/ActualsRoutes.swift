import Chronology
import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalProjections

/// Actuals (R-ACT, R-ABT, R-PER): the week view and one CPLI's week edit (`PATCH` for the fields given, `PUT`
/// with every field), the weekly confirmation, the period's CSV export and its all-or-nothing CSV import (or
/// its preview), and the service's period locks. Every read and write goes through the application, which
/// authorises it once.
struct ActualsRoutes {
    let api: PortalAPI

    func register(on router: Router<PortalRequestContext>) {
        router.get("/services/{serviceID}/periods") { _, context in try periods(context) }
        router.get("/services/{serviceID}/period-board") { _, context in try await periodBoard(context) }
        router.get("/services/{serviceID}/periods/{period}/actuals") { _, context in try await periodActuals(context) }
        router.get("/services/{serviceID}/periods/{period}/actuals/csv") { _, context in try exportCSV(context) }
        router.get("/services/{serviceID}/weeks/{week}/actuals") { _, context in try await weekActuals(context) }
        router.patch("/services/{serviceID}/weeks/{week}/actuals/{cpliID}") { request, context in try await edit(request, context, replacing: false) }
        router.put("/services/{serviceID}/weeks/{week}/actuals/{cpliID}") { request, context in try await edit(request, context, replacing: true) }
        router.post("/services/{serviceID}/weeks/{week}/confirmation") { request, context in try await confirm(request, context) }
        router.post("/organisations/{organisationID}/periods/{period}/actuals-imports") { request, context in
            try await importCSV(request, context, apply: true)
        }
        router.post("/organisations/{organisationID}/periods/{period}/actuals-import-previews") { request, context in
            try await importCSV(request, context, apply: false)
        }
    }

    /// The service's period of the path (or of the week of the path), authorised by the application.
    func actualsPeriod(_ actor: Actor, _ context: PortalRequestContext, week: Week? = nil) throws -> ActualsPeriod {
        let service = try context.identifier("serviceID", as: ServiceID.self)
        if let week { return try parsed { try api.portal.actualsPeriod(service: service, week: week, for: actor) } }
        return try api.portal.actualsPeriod(service: service, period: try context.period(in: api.portal.configuration.calendar), for: actor)
    }

    func periods(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let service = try context.identifier("serviceID", as: ServiceID.self)
        let snapshot = try api.portal.periodLocks(of: service, for: actor)
        let locks = snapshot.state.locks.compactMap { key, lock in
            Int(key).map { PeriodLocksView.Lock(period: PeriodNumber($0), invoiceID: lock.invoiceID, release: lock.release) }
        }.sorted { $0.period < $1.period }
        return try api.json(PeriodLocksView(serviceID: service, openPeriod: snapshot.openPeriod, locks: locks, version: snapshot.version),
                            etag: snapshot.version)
    }

    /// The service's periods from its first through today's, each with its lock status, whether it is the one
    /// open for edits, and every lock step with its invoice, who and when (R-PER-2, R-PER-3); from the period
    /// locks read model.
    func periodBoard(_ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let service = try context.identifier("serviceID", as: ServiceID.self)
        _ = try api.portal.periodLocks(of: service, for: actor)
        let models = try await api.readModelsAtHead()
        let today = api.today
        let board = try models.periodLocks.board(service, today: today, calendar: api.portal.configuration.calendar, ReadScope(actor))
        return try api.json(PeriodBoardView(
            serviceID: service, today: today, openPeriod: board.first { $0.isOpenForEdits }?.period,
            periods: board.map(PeriodBoardView.Period.init)))
    }

    /// The actuals of the period (or of one week of it), with the actuals stream's version as ETag. Served from
    /// the actuals calendar read model when the server keeps one: the version is read first, then the model is
    /// awaited up to the log's head, so the lines are never older than the ETag (an ETag older than the lines
    /// only makes a later `If-Match` fail safely). Without read models, folded from the log.
    func actuals(_ period: ActualsPeriod, week: Week?) async throws -> (ActualsView, UInt64) {
        let dates = api.portal.configuration.calendar.period(period.key.period)
        var view = ActualsView(
            serviceID: period.key.serviceID, period: period.key.period, firstDay: dates.firstDay, lastDay: dates.lastDay, week: week,
            openPeriod: period.openPeriod, isLocked: period.isLocked, confirmedWeeks: [], lines: [], version: period.version)
        if let models = try await api.readModelsCaughtUp() {
            let configuration = api.portal.configuration
            let scope = ReadScope(period.actor)
            let weeks = try week.map {
                try models.actualsCalendar.week(period.key.serviceID, $0, policy: configuration.policy, calendar: configuration.calendar, scope)
                    .map { [$0] } ?? []
            } ?? models.actualsCalendar.period(period.key.serviceID, period.key.period, policy: configuration.policy, calendar: configuration.calendar, scope)
            view.lines = weeks.flatMap { calendarWeek in calendarWeek.lines.map { ActualLineView($0.values, isRecorded: $0.recorded != nil) } }
            view.confirmedWeeks = weeks.filter { $0.confirmation != nil && !$0.changedSinceConfirmation }.map(\.week)
            return (view, period.version)
        }
        let folded = try api.portal.actualLines(period, week: week)
        view.lines = folded.lines.map { ActualLineView($0.line, isRecorded: $0.isRecorded) }
        view.confirmedWeeks = folded.confirmedWeeks
        view.version = folded.version
        return (view, folded.version)
    }

    func periodActuals(_ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let (view, version) = try await actuals(try actualsPeriod(actor, context), week: nil)
        return try api.json(view, etag: version)
    }

    func weekActuals(_ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let week = try context.week()
        let (view, version) = try await actuals(try actualsPeriod(actor, context, week: week), week: week)
        return try api.json(view, etag: version)
    }

    func exportCSV(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let period = try actualsPeriod(actor, context)
        let csv = try api.portal.exportActuals(period)
        return api.text(csv, mediaType: "text/csv; charset=utf-8", fileName: "actuals-\(period.key.serviceID)-\(period.key.period).csv",
                        etag: period.version)
    }

    /// One CPLI's week (calendar edit). `PATCH` changes the fields given and keeps the others (JSON merge patch);
    /// `PUT` gives every field and is refused (400, naming them) when one is missing. `If-Match` is the period's
    /// actuals version (the week view's ETag); the answer's ETag is the version after the edit.
    func edit(_ request: Request, _ context: PortalRequestContext, replacing: Bool) async throws -> Reply {
        try await api.write(request, context, command: "record-actual") { write in
            let service = try context.identifier("serviceID", as: ServiceID.self)
            let week = try context.week()
            let cpli = try context.identifier("cpliID", as: CPLIID.self)
            let body = try write.decode(ActualEdit.self)
            try body.refuseUnknownMembers()
            let changes = try body.changes()
            if replacing {
                let missing = changes.missingFields
                guard missing.isEmpty else { throw Problem.missingFields(missing, method: "PUT", alternative: "PATCH") }
            }
            let period = try parsed { try api.portal.configuration.calendar.requirePeriod(containing: week.monday, field: "week") }
            let streamID = Actuals.Key(serviceID: service, period: period.number).streamID
            let command = try write.command(changing: streamID, resource: "the actuals of service \(service) in period \(period.number)")
            let outcome = try await api.portal.changeActual(service: service, cpli: cpli, week: week, changes, command)
            if let change = outcome.value, let version = outcome.version(of: streamID) {
                return try api.json(ActualEditView(line: ActualLineView(change.line, isRecorded: change.isRecorded), changed: change.changed,
                                                   version: version), etag: version)
            }
            // A retried request: the line as it stands now.
            let current = try api.portal.actualLine(service: service, cpli: cpli, week: week, for: write.actor)
            return try api.json(ActualEditView(line: ActualLineView(current.line, isRecorded: current.isRecorded), changed: false,
                                               version: current.version), etag: current.version)
        }
    }

    /// The provider confirms a week, changed or not (R-ACT-9).
    func confirm(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "confirm-week") { write in
            let service = try context.identifier("serviceID", as: ServiceID.self)
            let week = try context.week()
            let period = try parsed { try api.portal.configuration.calendar.requirePeriod(containing: week.monday, field: "week") }
            let key = Actuals.Key(serviceID: service, period: period.number)
            let command = try write.command(changing: key.streamID, resource: "the actuals of service \(service) in period \(period.number)")
            _ = try await api.portal.confirmWeek(key, week, command)
            let (view, version) = try await actuals(try actualsPeriod(write.actor, context, week: week), week: week)
            return try api.json(view, etag: version)
        }
    }

    /// An actuals CSV for one period of the organisation's services, all or nothing (R-ACT-2, R-ACT-10); or, as
    /// a preview, what importing it would do, writing nothing.
    func importCSV(_ request: Request, _ context: PortalRequestContext, apply: Bool) async throws -> Reply {
        try await api.write(request, context, command: apply ? "import-actuals" : "preview-actuals-import", storesResponse: apply) { write in
            let organisation = try context.identifier("organisationID", as: OrganisationID.self)
            let period = try context.period(in: api.portal.configuration.calendar)
            guard write.body.readableBytes > 0 else {
                throw Problem.invalid("send the CSV file as the request body (Content-Type: text/csv)", field: "file")
            }
            var command = write.command()
            if !apply { command.idempotencyKey = nil }
            let outcome = try await api.portal.importActuals(
                organisation: organisation, period: period, fileName: request.query("fileName"), content: Data(bufferBytes: write.body),
                apply: apply, command)
            guard let result = outcome.value else {
                return try api.json(ActualsImportView(result: nil, replayed: true), status: .ok)
            }
            return try api.json(ActualsImportView(result: result, replayed: false), status: result.applied ? .created : .ok)
        }
    }
}

/// The JSON body of an actual edit. `PATCH` is a JSON merge patch (RFC 7396): the members given change, the
/// others keep the line's values; `null` resets a member to its default (0, an empty comment, no aborted
/// visits; `frustrated` computed from the aborted visits, R-ABT); `actual` may not be null. `PUT` gives all
/// seven members (`frustrated` may be null). Quantities are decimal strings.
struct ActualEdit: Decodable {
    struct Visit: Decodable {
        var date: String
        var length: String
        var noticeHours: String
        var time: String
        var cause: String
    }

    /// A member of the body: absent, null, or a value.
    enum Member<Value> {
        case absent
        case null
        case value(Value)
    }

    var actual: Member<String> = .absent
    var frustrated: Member<String> = .absent
    var missed: Member<String> = .absent
    var extra: Member<String> = .absent
    var visits: Member<Int> = .absent
    var comment: Member<String> = .absent
    var abortedVisits: Member<[Visit]> = .absent
    /// Members of the body that are not an actual's, which a route that shares the body may allow.
    var otherMembers: [String] = []

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        func member<T: Decodable>(_ name: String) throws -> Member<T> {
            let key = Key(stringValue: name)
            guard container.contains(key) else { return .absent }
            if try container.decodeNil(forKey: key) { return .null }
            return .value(try container.decode(T.self, forKey: key))
        }
        actual = try member("actual")
        frustrated = try member("frustrated")
        missed = try member("missed")
        extra = try member("extra")
        visits = try member("visits")
        comment = try member("comment")
        abortedVisits = try member("abortedVisits")
        otherMembers = container.allKeys.map(\.stringValue).filter { !ActualChanges.fieldNames.contains($0) }.sorted()
    }

    /// 400 naming the members that are not an actual's (nor one of `allowed`): a misspelt member would
    /// otherwise change nothing without a word.
    func refuseUnknownMembers(allowing allowed: Set<String> = []) throws {
        let unknown = otherMembers.filter { !allowed.contains($0) }
        guard unknown.isEmpty else {
            let known = (ActualChanges.fieldNames + allowed.sorted()).joined(separator: ", ")
            throw Problem(.badRequest, kind: "malformed-request", title: "Malformed request",
                          detail: "the body has member\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")), which an actual edit does not have; its members are \(known)",
                          errors: unknown.map { ProblemField(field: $0, message: "\($0) is not a member of an actual edit") })
        }
    }

    /// The fields given, parsed (422 naming the field for a bad value, R-ACT-2).
    func changes() throws -> ActualChanges {
        try parsed {
            var changes = ActualChanges()
            switch actual {
            case .absent: break
            case .null: throw DomainError.invalidValue(field: "actual", "actual may not be null; give a quantity like 10.5", rule: "R-ACT-2")
            case .value(let text): changes.actual = try Quantity.parse(text, field: "actual")
            }
            switch frustrated {
            case .absent: break
            case .null: changes.frustrated = .computed
            case .value(let text): changes.frustrated = .given(try Quantity.parse(text, field: "frustrated"))
            }
            changes.missed = try quantity(missed, field: "missed")
            changes.extra = try quantity(extra, field: "extra")
            switch visits {
            case .absent: break
            case .null: changes.visits = 0
            case .value(let count):
                guard count >= 0 else {
                    throw DomainError.invalidValue(field: "visits", "visits is \(count); give a whole number of 0 or more", rule: "R-ACT-2")
                }
                changes.visits = count
            }
            switch comment {
            case .absent: break
            case .null: changes.comment = ""
            case .value(let text): changes.comment = text
            }
            switch abortedVisits {
            case .absent: break
            case .null: changes.abortedVisits = []
            case .value(let visits):
                changes.abortedVisits = try visits.enumerated().map { index, visit in
                    let at = "abortedVisits[\(index)]."
                    return AbortedVisit(
                        date: try Parse.date(visit.date, field: at + "date"), length: try Quantity.parse(visit.length, field: at + "length"),
                        noticeHours: try Quantity.parse(visit.noticeHours, field: at + "noticeHours"),
                        time: try Parse.choice(visit.time, VisitTime.self, field: at + "time"),
                        cause: try Parse.choice(visit.cause, AbortCause.self, field: at + "cause"))
                }
            }
            return changes
        }
    }

    private func quantity(_ member: Member<String>, field: String) throws(DomainError) -> Quantity? {
        switch member {
        case .absent: nil
        case .null: .zero
        case .value(let text): try Quantity.parse(text, field: field)
        }
    }
}

extension Problem {
    /// A request that must give every field and left some out (400), naming each.
    static func missingFields(_ fields: [String], method: String, alternative: String) -> Problem {
        Problem(.badRequest, kind: "malformed-request", title: "Malformed request",
                detail: "\(method) gives every field of the line; missing: \(fields.joined(separator: ", ")). "
                    + "Give them (frustrated may be null: computed from abortedVisits), or send \(alternative) with the fields to change",
                errors: fields.map { ProblemField(field: $0, message: "\($0) is required by \(method)") })
    }
}

/// The answer to an actual edit.
struct ActualEditView: Encodable {
    var line: ActualLineView
    /// False when the entry equalled the line as it stood (nothing was recorded).
    var changed: Bool
    var version: UInt64
}

/// The answer to an actuals import or its preview.
struct ActualsImportView: Encodable {
    var imported: ActualsFileImported?
    /// True when the request was a retry of one already applied.
    var replayed: Bool
    /// False for a preview, and for a file that changes no line (nothing was recorded).
    var applied: Bool?
    var rows: Int?
    var linesNew: Int?
    var linesChanged: Int?
    var linesUnchanged: Int?
    /// The earlier import of the same content, when this file changes nothing (R-ACT-10).
    var duplicateOf: ImportID?

    init(result: ActualsImportResult?, replayed: Bool) {
        self.replayed = replayed
        guard let result else { return }
        imported = result.imported
        applied = result.applied
        rows = result.rows
        linesNew = result.linesNew
        linesChanged = result.linesChanged
        linesUnchanged = result.linesUnchanged
        duplicateOf = result.duplicateOf
    }
}

import Chronology
import Crypto
import EventLog
import Foundation
import PortalDomain

/// Actuals, their weekly confirmation, CSV import and export, and the period locks (R-ACT, R-ABT, R-PER).
extension Portal {
    /// The facts of a service that actual edits are checked against, loaded (and so made conditions of the
    /// append) in `attempt`.
    struct ServiceFacts {
        var registration: ServiceRegistered
        var contractType: ContractType
        var firstPeriod: PeriodLocks.ServiceFacts
        var locks: PeriodLocks.State
    }

    /// The facts of the service a command is about (named by the caller, as a URL path names it): an unknown
    /// service is not found, rather than an unknown reference.
    func loadSubjectService(_ service: ServiceID, in attempt: CommandAttempt) throws -> ServiceFacts {
        guard try attempt.load(Service.self, service.rawValue).registration != nil else { throw PortalError.notFound("service \(service)") }
        return try loadService(service, in: attempt)
    }

    func loadService(_ service: ServiceID, in attempt: CommandAttempt) throws -> ServiceFacts {
        guard let registration = try attempt.load(Service.self, service.rawValue).registration else {
            throw DomainError.notFound(field: "service", "there is no service \(service)")
        }
        guard let contract = try attempt.load(Contract.self, registration.contractID.rawValue).registration else {
            throw DomainError.notFound(field: "contractID", "there is no contract \(registration.contractID)")
        }
        return ServiceFacts(
            registration: registration, contractType: contract.contractType,
            firstPeriod: PeriodLocks.ServiceFacts(startDate: registration.startDate, calendar: configuration.calendar),
            locks: try attempt.load(PeriodLocks.self, service.rawValue))
    }

    /// Records one CPLI's week, every field given. The append is conditional on the CPLI's, the service's and
    /// the period locks' streams as read, so an edit racing a lock of its period never lands in the locked period.
    public func recordActual(_ key: Actuals.Key, _ entry: ActualEntry, _ request: CommandRequest) async throws -> CommandOutcome<[ActualsEvent]> {
        try await perform(request) { attempt, context in
            let service = try loadService(key.serviceID, in: attempt)
            try authorise(request.actor, .edit(.actuals), organisation: service.registration.organisationID)
            let facts = ActualFacts(
                cpli: try attempt.load(CPLI.self, entry.cpliID.rawValue), contractType: service.contractType,
                service: service.firstPeriod, periodLocks: service.locks)
            return try attempt.decide(Actuals.self, key.id, .record(key, entry, facts: facts, source: .calendar, importID: nil), context)
        }
    }

    /// Changes the fields given of one CPLI's week and keeps the others as the line stands (``ActualChanges``):
    /// the calendar's `PATCH`, and its `PUT` with every field given. The line is read in the same attempt as the
    /// append is conditional on, so no edit made meanwhile is overwritten with values it did not see. Answers the
    /// line as it stands after the edit, and the actuals stream's version in the outcome.
    public func changeActual(
        service serviceID: ServiceID, cpli: CPLIID, week: Week, _ changes: ActualChanges, _ request: CommandRequest
    ) async throws -> CommandOutcome<ActualChange> {
        let period = try configuration.calendar.requirePeriod(containing: week.monday, field: "week")
        let key = Actuals.Key(serviceID: serviceID, period: period.number)
        return try await perform(request) { attempt, context in
            let service = try loadSubjectService(key.serviceID, in: attempt)
            try authorise(request.actor, .edit(.actuals), organisation: service.registration.organisationID)
            let cplState = try attempt.load(CPLI.self, cpli.rawValue)
            let facts = ActualFacts(cpli: cplState, contractType: service.contractType, service: service.firstPeriod, periodLocks: service.locks)
            let events = try attempt.decide(Actuals.self, key.id, .change(key, cpli, week, changes, facts: facts, source: .calendar, importID: nil), context)
            let state = try attempt.load(Actuals.self, key.id)
            guard let line = Actuals.line(cpli, week, definition: cplState.definition, key: key, state: state, policy: context.policy) else {
                throw DomainError.notFound(field: "cpli", "there is no line of CPLI \(cpli) in week \(week)")
            }
            return ActualChange(key: key, line: line, isRecorded: state.recorded(cpli, week) != nil, changed: !events.isEmpty)
        }
    }

    /// Confirms a week's actuals of a service, changed or not (R-ACT-9).
    public func confirmWeek(_ key: Actuals.Key, _ week: Week, _ request: CommandRequest) async throws -> CommandOutcome<[ActualsEvent]> {
        try await perform(request) { attempt, context in
            let service = try loadSubjectService(key.serviceID, in: attempt)
            try authorise(request.actor, .edit(.actuals), organisation: service.registration.organisationID)
            return try attempt.decide(Actuals.self, key.id, .confirmWeek(key, week, service: service.firstPeriod, periodLocks: service.locks), context)
        }
    }

    /// Imports an actuals CSV file for `period`, all or nothing (R-ACT-2): every row is checked, every problem
    /// is thrown in one `ImportRejected` by row and column, and a file without problems that changes lines is
    /// applied in one atomic append (the imports stream, every actuals stream it changes, conditions on the
    /// streams read). A file that changes nothing records nothing. A file identical to one applied — the same
    /// content as read, or the same bytes — is a duplicate (R-ACT-10, ``ActualsImport``). With `apply` false,
    /// the import is only previewed: decided the same way, answered the same way, and nothing is written.
    public func importActuals(
        organisation: OrganisationID, period: PeriodNumber, fileName: String?, content: Data, apply: Bool = true, _ request: CommandRequest
    ) async throws -> CommandOutcome<ActualsImportResult> {
        let sha256 = Self.sha256(content)
        guard let text = String(data: content, encoding: .utf8) else {
            throw ImportRejected(problems: [ImportProblem(row: 1, column: "file", message: "the file is not UTF-8 text (save it as CSV UTF-8)", rule: "R-ACT-2")])
        }
        let file = try ActualsFile.parseListingProblems(text)
        let contentSHA256 = Self.sha256(Data(file.canonicalContent.utf8))
        let requestToImport = ActualsImport.Request(
            importID: ImportID("imp-\(contentSHA256.prefix(24))"), organisationID: organisation, period: period,
            sha256: sha256, contentSHA256: contentSHA256, fileName: try TextInput.optional(fileName, field: "fileName"), file: file)
        return try await perform(request) { attempt, context in
            try authorise(request.actor, .edit(.actuals), organisation: organisation)
            guard try attempt.load(Organisation.self, organisation.rawValue).isRegistered else {
                throw DomainError.notFound(field: "organisationID", "there is no organisation \(organisation)")
            }
            let imports = try attempt.load(Imports.self, organisation.rawValue)
            var services: [ServiceID: ActualsImport.ServiceFacts] = [:]
            for serviceID in Set(file.rows.map(\.serviceID)).sorted() {
                guard let registration = try attempt.load(Service.self, serviceID.rawValue).registration,
                      registration.organisationID == organisation else { continue }
                let service = try loadService(serviceID, in: attempt)
                let key = Actuals.Key(serviceID: serviceID, period: period)
                services[serviceID] = ActualsImport.ServiceFacts(
                    organisationID: organisation, contractType: service.contractType, service: service.firstPeriod,
                    periodLocks: service.locks, actuals: try attempt.load(Actuals.self, key.id))
            }
            var cplis: [CPLIID: CPLI.State] = [:]
            for cpli in Set(file.rows.map(\.cpliID)).sorted() {
                cplis[cpli] = try attempt.load(CPLI.self, cpli.rawValue)
            }
            let decision = try ActualsImport.decide(requestToImport, imports: imports, services: services, cplis: cplis, context: context)
            if apply, let imported = decision.imported {
                attempt.append(Imports.self, organisation.rawValue, [.fileImported(imported)])
                for (serviceID, recorded) in decision.recorded.sorted(by: { $0.key < $1.key }) {
                    attempt.append(Actuals.self, Actuals.Key(serviceID: serviceID, period: period).id, recorded.map(ActualsEvent.recorded))
                }
            }
            return ActualsImportResult(decision, applied: apply && decision.imported != nil)
        }
    }

    // MARK: Reads

    /// A service's period of actuals, for an actor who may read the service's actuals: authorised here once;
    /// the lines, the CSV and the read model's calendar are read through it.
    public func actualsPeriod(service serviceID: ServiceID, period: PeriodNumber, for actor: Actor) throws -> ActualsPeriod {
        let service = try readable(Service.self, serviceID.rawValue, .actuals, for: actor, "service \(serviceID)",
                                   exists: { $0.registration != nil }, organisation: \.organisationID)
        guard let registration = service.state.registration else { throw PortalError.notFound("service \(serviceID)") }
        let key = Actuals.Key(serviceID: serviceID, period: try configuration.calendar.requirePeriod(period).number)
        let locks = try state(of: PeriodLocks.self, serviceID.rawValue)
        let today = context(for: actor).today
        let open = PeriodLocks.openPeriod(locks, service: .init(startDate: registration.startDate, calendar: configuration.calendar),
                                          today: today, calendar: configuration.calendar)
        return ActualsPeriod(actor: actor, service: registration, key: key, locks: locks, openPeriod: open, version: try log.streamVersion(key.streamID))
    }

    /// A service's period locks with the period open for edits today (R-PER-2, R-PER-3), for an actor who may
    /// read the service's actuals.
    public func periodLocks(of serviceID: ServiceID, for actor: Actor) throws -> PeriodLocksRead {
        let service = try readable(Service.self, serviceID.rawValue, .actuals, for: actor, "service \(serviceID)",
                                   exists: { $0.registration != nil }, organisation: \.organisationID)
        guard let registration = service.state.registration else { throw PortalError.notFound("service \(serviceID)") }
        let locks = try snapshot(of: PeriodLocks.self, serviceID.rawValue)
        let open = PeriodLocks.openPeriod(locks.state, service: .init(startDate: registration.startDate, calendar: configuration.calendar),
                                          today: context(for: actor).today, calendar: configuration.calendar)
        return PeriodLocksRead(state: locks.state, version: locks.version, openPeriod: open)
    }

    /// The period of actuals of the week `week` falls in (``actualsPeriod(service:period:for:)``).
    public func actualsPeriod(service serviceID: ServiceID, week: Week, for actor: Actor) throws -> ActualsPeriod {
        try actualsPeriod(service: serviceID, period: configuration.calendar.requirePeriod(containing: week.monday, field: "week").number, for: actor)
    }

    /// Every line of the period (or of one week of it) folded from the log now, with the weeks confirmed and not
    /// changed since (R-ACT-9) and the version the lines were read at.
    public func actualLines(_ period: ActualsPeriod, week: Week? = nil) throws -> ActualsLines {
        let attempt = CommandAttempt(log: log, folds: folds)
        let state = try attempt.load(Actuals.self, period.key.id)
        let cplis = try self.cplis(of: period.key.serviceID, in: attempt)
        let lines = Actuals.lines(state, key: period.key, cplis: cplis, calendar: configuration.calendar, policy: configuration.policy)
            .filter { week == nil || $0.week == week }
        let confirmed = state.confirmations.compactMap { monday, confirmation in
            confirmation.changedSinceConfirmation ? nil : BusinessDate(iso8601: monday).map(Week.init(containing:))
        }.filter { week == nil || $0 == week }.sorted()
        return ActualsLines(lines: lines.map { ($0, state.recorded($0.cpliID, $0.week) != nil) }, confirmedWeeks: confirmed,
                            version: attempt.version(of: period.key.streamID) ?? 0)
    }

    /// One CPLI's line of a week as it stands, with the actuals stream's version.
    public func actualLine(service serviceID: ServiceID, cpli: CPLIID, week: Week, for actor: Actor) throws -> (line: ActualRecorded, isRecorded: Bool, version: UInt64) {
        let period = try actualsPeriod(service: serviceID, week: week, for: actor)
        let lines = try actualLines(period, week: week)
        guard let found = lines.lines.first(where: { $0.line.cpliID == cpli }) else {
            throw DomainError.notFound(field: "cpliID", "there is no line of CPLI \(cpli) in week \(week)")
        }
        return (found.line, found.isRecorded, lines.version)
    }

    /// Every actual of a service's period as it stands: recorded edits, else generated lines of its active CPLIs.
    public func actualLines(_ key: Actuals.Key, for actor: Actor) throws -> [ActualRecorded] {
        try actualLines(actualsPeriod(service: key.serviceID, period: key.period, for: actor)).lines.map(\.line)
    }

    /// The period's actuals of a service as the CSV file the import reads back (R-ACT-2).
    public func exportActuals(_ period: ActualsPeriod) throws -> String {
        let lines = try actualLines(period).lines.map(\.line)
        let attempt = CommandAttempt(log: log, folds: folds)
        var clients: [CPLIID: (reference: String, name: String)] = [:]
        for cpli in try cplis(of: period.key.serviceID, in: attempt) {
            if let definition = cpli.definition { clients[definition.cpliID] = (definition.clientReference, definition.clientName) }
        }
        return ActualsFile.export(lines, clients: clients)
    }

    /// The period's actuals CSV (``exportActuals(_:)``), for an actor who may read them.
    public func exportActuals(_ key: Actuals.Key, for actor: Actor) throws -> String {
        try exportActuals(actualsPeriod(service: key.serviceID, period: key.period, for: actor))
    }

    /// The CPLIs of a service in id order, loaded in `attempt` through the service's CPLI list: the list and
    /// each of its CPLIs become conditions of the append, and no other CPLI is read.
    func cplis(of service: ServiceID, in attempt: CommandAttempt) throws -> [CPLI.State] {
        let listed = try attempt.load(ServiceCPLIs.self, service.rawValue).cpliIDs
        return try listed.sorted { $0.rawValue < $1.rawValue }.map { cpli in
            let state = try attempt.load(CPLI.self, cpli.rawValue)
            guard state.definition?.serviceID == service else {
                throw PortalError.unreadableStream(ServiceCPLIs.streamID(service.rawValue), "it lists CPLI \(cpli), which is not a CPLI of the service")
            }
            return state
        }
    }

    // MARK: Period locks (written by the invoice lifecycle of part 2)

    /// A period lock step on a service's periods stream (R-PER-3), authorised on the service's organisation.
    public func changePeriodLock(_ service: ServiceID, _ command: PeriodLocks.Command, _ request: CommandRequest) async throws -> CommandOutcome<[PeriodLocksEvent]> {
        try await perform(request) { attempt, context in
            let facts = try loadService(service, in: attempt)
            try authorise(request.actor, command.requiredPermission, organisation: facts.registration.organisationID)
            return try attempt.decide(PeriodLocks.self, service.rawValue, command, context)
        }
    }
}

/// The answer to an actual edit.
public struct ActualChange: Sendable {
    /// The actuals stream of the edit (its version is in the outcome, `streamVersions[key.streamID]`).
    public var key: Actuals.Key
    /// The line as it stands after the edit.
    public var line: ActualRecorded
    /// True when the line is an edit (an event), false for the generated line (R-ACT-1).
    public var isRecorded: Bool
    /// False when the edit equalled the line as it stood: nothing was recorded.
    public var changed: Bool
}

/// A service's period of actuals that an actor may read (made only by ``Portal/actualsPeriod(service:period:for:)``,
/// which authorised it).
public struct ActualsPeriod: Sendable {
    public let actor: Actor
    public let service: ServiceRegistered
    public let key: Actuals.Key
    public let locks: PeriodLocks.State
    /// The period open for edits today, nil when none (R-PER-2).
    public let openPeriod: PeriodNumber?
    /// The actuals stream's version when it was read (the ETag of its views).
    public let version: UInt64

    /// Whether the period is locked by a submitted invoice (R-PER-3).
    public var isLocked: Bool { locks.lock(of: key.period) != nil }
}

/// A service's period locks as read, with the period open for edits today.
public struct PeriodLocksRead: Sendable {
    public var state: PeriodLocks.State
    public var version: UInt64
    public var openPeriod: PeriodNumber?
}

/// The lines of a period (or a week of it), folded from the log.
public struct ActualsLines: Sendable {
    public var lines: [(line: ActualRecorded, isRecorded: Bool)]
    public var confirmedWeeks: [Week]
    public var version: UInt64
}

/// What an actuals import did (or, previewed, would do).
public struct ActualsImportResult: Sendable, Equatable {
    /// The import recorded; nil when the file changed no line, or was only previewed.
    public var imported: ActualsFileImported?
    public var importID: ImportID
    public var rows: Int
    public var linesNew: Int
    public var linesChanged: Int
    public var linesUnchanged: Int
    /// The earlier import of the same file, when this one changes nothing (R-ACT-10).
    public var duplicateOf: ImportID?
    /// False for a preview, and for a file that changes nothing.
    public var applied: Bool

    public var linesRecorded: Int { linesNew + linesChanged }

    init(_ decision: ActualsImport.Decision, applied: Bool) {
        imported = applied ? decision.imported : nil
        importID = decision.importID
        rows = decision.rows
        linesNew = decision.linesNew
        linesChanged = decision.linesChanged
        linesUnchanged = decision.linesUnchanged
        duplicateOf = decision.duplicateOf
        self.applied = applied
    }
}

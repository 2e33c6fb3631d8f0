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

    /// Records one CPLI's week. The append is conditional on the CPLI's, the service's and the period
    /// locks' streams as read, so an edit racing a lock of its period never lands in the locked period.
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

    /// Confirms a week's actuals of a service, changed or not (R-ACT-9).
    public func confirmWeek(_ key: Actuals.Key, _ week: Week, _ request: CommandRequest) async throws -> CommandOutcome<[ActualsEvent]> {
        try await perform(request) { attempt, context in
            let service = try loadService(key.serviceID, in: attempt)
            try authorise(request.actor, .edit(.actuals), organisation: service.registration.organisationID)
            return try attempt.decide(Actuals.self, key.id, .confirmWeek(key, week, service: service.firstPeriod, periodLocks: service.locks), context)
        }
    }

    /// Imports an actuals CSV file for `period`, all or nothing (R-ACT-2): every row is checked, every problem
    /// is thrown in one `ImportRejected` by row and column, and a file without problems is applied in one
    /// atomic append (the imports stream, every actuals stream it changes, conditions on the streams read).
    /// The same file again is refused as a duplicate and applies nothing (R-ACT-10).
    public func importActuals(
        organisation: OrganisationID, period: PeriodNumber, fileName: String?, content: Data, _ request: CommandRequest
    ) async throws -> CommandOutcome<ActualsFileImported> {
        let sha256 = SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined()
        guard let text = String(data: content, encoding: .utf8) else {
            throw ImportRejected(problems: [ImportProblem(row: 1, column: "file", message: "the file is not UTF-8 text (save it as CSV UTF-8)", rule: "R-ACT-2")])
        }
        let file = try ActualsFile.parseListingProblems(text)
        let requestToImport = ActualsImport.Request(
            importID: ImportID("imp-\(sha256.prefix(24))"), organisationID: organisation, period: period,
            sha256: sha256, fileName: try TextInput.optional(fileName, field: "fileName"), file: file)
        return try await perform(request) { attempt, context in
            try authorise(request.actor, .edit(.actuals), organisation: organisation)
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
            for cpli in Set(file.rows.map(\.entry.cpliID)).sorted() {
                cplis[cpli] = try attempt.load(CPLI.self, cpli.rawValue)
            }
            let decision = try ActualsImport.decide(requestToImport, imports: imports, services: services, cplis: cplis, context: context)
            attempt.append(Imports.self, organisation.rawValue, [.fileImported(decision.imported)])
            for (serviceID, recorded) in decision.recorded.sorted(by: { $0.key < $1.key }) {
                attempt.append(Actuals.self, Actuals.Key(serviceID: serviceID, period: period).id, recorded.map(ActualsEvent.recorded))
            }
            return decision.imported
        }
    }

    /// Every actual of a service's period as it stands: recorded edits, else generated lines of its active CPLIs.
    public func actualLines(_ key: Actuals.Key, for actor: Actor) throws -> [ActualRecorded] {
        let attempt = CommandAttempt(log: log, folds: folds)
        let service = try loadService(key.serviceID, in: attempt)
        try authorise(actor, .read(.actuals), organisation: service.registration.organisationID)
        let cplis = try self.cplis(of: key.serviceID, in: attempt)
        return Actuals.lines(try attempt.load(Actuals.self, key.id), key: key, cplis: cplis,
                             calendar: configuration.calendar, policy: configuration.policy)
    }

    /// The period's actuals of a service as the CSV file the import reads back (R-ACT-2).
    public func exportActuals(_ key: Actuals.Key, for actor: Actor) throws -> String {
        let lines = try actualLines(key, for: actor)
        let attempt = CommandAttempt(log: log, folds: folds)
        var clients: [CPLIID: (reference: String, name: String)] = [:]
        for cpli in try cplis(of: key.serviceID, in: attempt) {
            if let definition = cpli.definition { clients[definition.cpliID] = (definition.clientReference, definition.clientName) }
        }
        return ActualsFile.export(lines, clients: clients)
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

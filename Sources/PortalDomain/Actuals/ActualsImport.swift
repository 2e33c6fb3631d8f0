/// `imports-<organisationId>`: the actuals files an organisation imported, by the SHA-256 of their content,
/// so that the same file is reported as a duplicate and applies nothing (R-ACT-10).
public enum Imports: EventStream {
    public static let category = "imports"

    public struct State: Codable, Equatable, Sendable {
        /// Imported files by the hex SHA-256 of their content.
        public var files: [String: ActualsFileImported] = [:]
    }

    public static let initialState = State()

    public enum Command: Sendable {
        case record(ActualsFileImported)
        public var requiredPermission: Permission { .edit(.actuals) }
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [ImportsEvent] {
        switch command {
        case .record(let imported):
            if let earlier = state.files[imported.sha256] {
                throw DomainError.duplicate(
                    field: "file",
                    "this file was imported already as import \(earlier.importID) for period \(earlier.period); nothing was applied",
                    rule: "R-ACT-10")
            }
            return [.fileImported(imported)]
        }
    }

    public static func evolve(_ state: State, _ event: ImportsEvent) -> State {
        var state = state
        switch event {
        case .fileImported(let e): state.files[e.sha256] = e
        }
        return state
    }
}

public enum ImportsEvent: StreamEvent {
    case fileImported(ActualsFileImported)

    public static let payloadTypes: [any EventPayload.Type] = [ActualsFileImported.self]

    public var payload: any EventPayload {
        switch self {
        case .fileImported(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        guard let p = payload as? ActualsFileImported else { return nil }
        self = .fileImported(p)
    }
}

/// An actuals file was imported: its content's SHA-256, its period and rows, and how many lines changed.
/// Its `ActualRecorded` events were appended in the same atomic append.
public struct ActualsFileImported: EventPayload {
    public static let eventType = "ActualsFileImported"
    public static let schemaVersion = 1
    public var importID: ImportID
    public var organisationID: OrganisationID
    public var period: PeriodNumber
    /// Lowercase hex SHA-256 of the file's bytes.
    public var sha256: String
    public var fileName: String?
    public var rows: Int
    public var linesRecorded: Int

    public init(importID: ImportID, organisationID: OrganisationID, period: PeriodNumber, sha256: String, fileName: String?, rows: Int, linesRecorded: Int) {
        self.importID = importID
        self.organisationID = organisationID
        self.period = period
        self.sha256 = sha256
        self.fileName = fileName
        self.rows = rows
        self.linesRecorded = linesRecorded
    }
}

/// The all-or-nothing import of an actuals file (R-ACT-2, R-ACT-10): every row is checked by the same rules
/// as a calendar edit, every problem is listed by row and column, and only a file without problems yields
/// events — for the imports stream and for every actuals stream it touches, appended atomically.
public enum ActualsImport {
    /// The facts of one service named in the file.
    public struct ServiceFacts: Sendable, Equatable {
        public var organisationID: OrganisationID
        public var contractType: ContractType
        public var service: PeriodLocks.ServiceFacts
        public var periodLocks: PeriodLocks.State
        public var actuals: Actuals.State

        public init(organisationID: OrganisationID, contractType: ContractType, service: PeriodLocks.ServiceFacts,
                    periodLocks: PeriodLocks.State, actuals: Actuals.State) {
            self.organisationID = organisationID
            self.contractType = contractType
            self.service = service
            self.periodLocks = periodLocks
            self.actuals = actuals
        }
    }

    public struct Request: Sendable {
        public var importID: ImportID
        public var organisationID: OrganisationID
        public var period: PeriodNumber
        public var sha256: String
        public var fileName: String?
        public var file: ActualsFile

        public init(importID: ImportID, organisationID: OrganisationID, period: PeriodNumber, sha256: String, fileName: String?, file: ActualsFile) {
            self.importID = importID
            self.organisationID = organisationID
            self.period = period
            self.sha256 = sha256
            self.fileName = fileName
            self.file = file
        }
    }

    public struct Decision: Sendable, Equatable {
        public var imported: ActualsFileImported
        /// The edits per service (each service's actuals stream of the period); unchanged rows give none.
        public var recorded: [ServiceID: [ActualRecorded]]
    }

    /// Decides the import. Throws `DomainError` (R-ACT-10) for a duplicate file, `ImportRejected` listing
    /// every problem otherwise.
    public static func decide(
        _ request: Request, imports: Imports.State, services: [ServiceID: ServiceFacts], cplis: [CPLIID: CPLI.State],
        context: CommandContext
    ) throws -> Decision {
        let imported = ActualsFileImported(
            importID: request.importID, organisationID: request.organisationID, period: request.period,
            sha256: request.sha256, fileName: request.fileName, rows: request.file.rows.count, linesRecorded: 0)
        _ = try Imports.decide(.record(imported), imports, context)

        // The rows that did not parse, then every problem of the rows that did: all of them, by row (R-ACT-2).
        var problems: [ImportProblem] = request.file.problems
        var recorded: [ServiceID: [ActualRecorded]] = [:]
        var seen: [String: Int] = [:]
        for row in request.file.rows {
            let problem = { (column: String, message: String, rule: String?) in
                problems.append(ImportProblem(row: row.number, column: column, message: message, rule: rule))
            }
            guard let service = services[row.serviceID], service.organisationID == request.organisationID else {
                problem("service", "there is no service \(row.serviceID) of your organisation", "R-ROLE-2")
                continue
            }
            let lineKey = Actuals.lineKey(row.entry.cpliID, row.entry.week)
            if let first = seen["\(row.serviceID.rawValue)|\(lineKey)"] {
                problem("week", "CPLI \(row.entry.cpliID), week \(row.entry.week) is already on row \(first)", "R-ACT-2")
                continue
            }
            seen["\(row.serviceID.rawValue)|\(lineKey)"] = row.number
            let facts = ActualFacts(
                cpli: cplis[row.entry.cpliID] ?? CPLI.initialState, contractType: service.contractType,
                service: service.service, periodLocks: service.periodLocks)
            let key = Actuals.Key(serviceID: row.serviceID, period: request.period)
            do {
                if let event = try Actuals.evaluate(
                    row.entry, key: key, facts: facts, source: .import, importID: request.importID, state: service.actuals, context: context) {
                    recorded[row.serviceID, default: []].append(event)
                }
            } catch {
                problem(error.field ?? "row", error.message, error.rule)
            }
        }
        guard problems.isEmpty else {
            throw ImportRejected(problems: problems.enumerated().sorted { ($0.element.row, $0.offset) < ($1.element.row, $1.offset) }.map(\.element))
        }
        var result = imported
        result.linesRecorded = recorded.values.reduce(0) { $0 + $1.count }
        return Decision(imported: result, recorded: recorded)
    }
}

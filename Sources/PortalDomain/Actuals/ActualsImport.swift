/// `imports-<organisationId>`: the actuals files an organisation imported, by the SHA-256 of their content as
/// read (``ActualsFile/canonicalContent``) and of their bytes, so that the same file is reported as a duplicate
/// and applies nothing (R-ACT-10).
public enum Imports: EventStream {
    public static let category = "imports"

    public struct State: Codable, Equatable, Sendable {
        /// Imported files by the hex SHA-256 of their bytes.
        public var files: [String: ActualsFileImported] = [:]
        /// Imported files by the hex SHA-256 of their content as read (imports recorded before the content was
        /// recorded are found by their bytes only).
        public var contents: [String: ActualsFileImported] = [:]

        /// The import of a file with this content or these bytes, if any.
        public func earlier(content: String, bytes: String) -> ActualsFileImported? { contents[content] ?? files[bytes] }
    }

    public static let initialState = State()

    public enum Command: Sendable {
        case record(ActualsFileImported)
        public var requiredPermission: Permission { .edit(.actuals) }
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [ImportsEvent] {
        switch command {
        case .record(let imported):
            if let earlier = state.earlier(content: imported.contentSHA256 ?? "", bytes: imported.sha256) {
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
        case .fileImported(let e):
            state.files[e.sha256] = e
            if let content = e.contentSHA256 { state.contents[content] = e }
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

/// An actuals file was imported: the SHA-256 of its bytes and of its content as read, its period and rows, and
/// how many lines changed. Its `ActualRecorded` events were appended in the same atomic append. A file that
/// changes no line is not recorded.
public struct ActualsFileImported: EventPayload {
    public static let eventType = "ActualsFileImported"
    public static let schemaVersion = 1
    public var importID: ImportID
    public var organisationID: OrganisationID
    public var period: PeriodNumber
    /// Lowercase hex SHA-256 of the file's bytes.
    public var sha256: String
    /// Lowercase hex SHA-256 of the file's content as read (``ActualsFile/canonicalContent``): the same for the
    /// same file saved again by a spreadsheet. Absent from imports recorded before it was.
    public var contentSHA256: String?
    public var fileName: String?
    public var rows: Int
    public var linesRecorded: Int

    public init(
        importID: ImportID, organisationID: OrganisationID, period: PeriodNumber, sha256: String, contentSHA256: String? = nil,
        fileName: String?, rows: Int, linesRecorded: Int
    ) {
        self.importID = importID
        self.organisationID = organisationID
        self.period = period
        self.sha256 = sha256
        self.contentSHA256 = contentSHA256
        self.fileName = fileName
        self.rows = rows
        self.linesRecorded = linesRecorded
    }
}

/// The all-or-nothing import of an actuals file (R-ACT-2, R-ACT-10): every row is checked by the same rules
/// as a calendar edit, every problem is listed by row and column, and only a file without problems yields
/// events — for the imports stream and for every actuals stream it changes, appended atomically. A file that
/// changes no line yields none: importing the period's export unchanged records nothing, and the weeks stay
/// confirmed (R-ACT-9).
///
/// R-ACT-10: a file is identical to one applied when its content as read is (``ActualsFile/canonicalContent``:
/// the same rows and values, however a spreadsheet saved them), or its bytes are. Such a file is refused as a
/// duplicate when applying it would change a line (edits made since would be undone); when it would change
/// nothing, it is answered as a duplicate of the earlier import, recording nothing.
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
        /// Hex SHA-256 of the file's bytes.
        public var sha256: String
        /// Hex SHA-256 of the file's ``ActualsFile/canonicalContent``.
        public var contentSHA256: String
        public var fileName: String?
        public var file: ActualsFile

        public init(
            importID: ImportID, organisationID: OrganisationID, period: PeriodNumber, sha256: String, contentSHA256: String,
            fileName: String?, file: ActualsFile
        ) {
            self.importID = importID
            self.organisationID = organisationID
            self.period = period
            self.sha256 = sha256
            self.contentSHA256 = contentSHA256
            self.fileName = fileName
            self.file = file
        }
    }

    /// What the import does.
    public struct Decision: Sendable, Equatable {
        public var importID: ImportID
        /// The import's event; nil when the file changes no line (nothing is recorded).
        public var imported: ActualsFileImported?
        /// The edits per service (each service's actuals stream of the period); unchanged rows give none.
        public var recorded: [ServiceID: [ActualRecorded]]
        /// The rows read.
        public var rows: Int
        /// Lines edited for the first time (they were generated), lines whose edit changes, lines unchanged.
        public var linesNew: Int
        public var linesChanged: Int
        public var linesUnchanged: Int
        /// The earlier import of the same file, when this one changes nothing (R-ACT-10).
        public var duplicateOf: ImportID?

        public var linesRecorded: Int { linesNew + linesChanged }
    }

    /// Decides the import. Throws `DomainError` (R-ACT-10) for a duplicate that would change lines,
    /// `ImportRejected` listing every problem otherwise.
    public static func decide(
        _ request: Request, imports: Imports.State, services: [ServiceID: ServiceFacts], cplis: [CPLIID: CPLI.State],
        context: CommandContext
    ) throws -> Decision {
        // The rows that did not parse, then every problem of the rows that did: all of them, by row (R-ACT-2).
        var problems: [ImportProblem] = request.file.problems
        var decision = Decision(importID: request.importID, imported: nil, recorded: [:], rows: request.file.rows.count, linesNew: 0, linesChanged: 0, linesUnchanged: 0)
        var seen: [String: Int] = [:]
        for row in request.file.rows {
            let problem = { (column: String, message: String, rule: String?) in
                problems.append(ImportProblem(row: row.number, column: column, message: message, rule: rule))
            }
            guard let service = services[row.serviceID], service.organisationID == request.organisationID else {
                problem("service", "there is no service \(row.serviceID) of your organisation", "R-ROLE-2")
                continue
            }
            let lineKey = Actuals.lineKey(row.cpliID, row.week)
            if let first = seen["\(row.serviceID.rawValue)|\(lineKey)"] {
                problem("week", "CPLI \(row.cpliID), week \(row.week) is already on row \(first)", "R-ACT-2")
                continue
            }
            seen["\(row.serviceID.rawValue)|\(lineKey)"] = row.number
            let facts = ActualFacts(
                cpli: cplis[row.cpliID] ?? CPLI.initialState, contractType: service.contractType,
                service: service.service, periodLocks: service.periodLocks)
            let key = Actuals.Key(serviceID: row.serviceID, period: request.period)
            do {
                if let event = try Actuals.evaluate(
                    row.changes, cpli: row.cpliID, week: row.week, key: key, facts: facts, source: .import, importID: request.importID,
                    state: service.actuals, context: context) {
                    decision.recorded[row.serviceID, default: []].append(event)
                    if service.actuals.recorded(row.cpliID, row.week) == nil { decision.linesNew += 1 } else { decision.linesChanged += 1 }
                } else {
                    decision.linesUnchanged += 1
                }
            } catch {
                problem(error.field.map(ActualsFile.column(ofField:)) ?? "row", error.message, error.rule)
            }
        }
        // A file with rows that do not parse is not the file applied before, whatever its other rows say: those
        // rows are left out of its content, so only a file whose every row reads can be identical to one applied.
        let earlier = request.file.problems.isEmpty ? imports.earlier(content: request.contentSHA256, bytes: request.sha256) : nil
        if let earlier, !problems.isEmpty || decision.linesRecorded > 0 {
            throw DomainError.duplicate(
                field: "file",
                "this file was imported already as import \(earlier.importID) for period \(earlier.period); applying it again would change "
                    + "\(decision.linesRecorded) line\(decision.linesRecorded == 1 ? "" : "s") edited since. Nothing was applied",
                rule: "R-ACT-10")
        }
        guard problems.isEmpty else {
            throw ImportRejected(problems: problems.enumerated().sorted { ($0.element.row, $0.offset) < ($1.element.row, $1.offset) }.map(\.element))
        }
        decision.duplicateOf = earlier?.importID
        guard decision.linesRecorded > 0 else { return decision }
        decision.imported = ActualsFileImported(
            importID: request.importID, organisationID: request.organisationID, period: request.period, sha256: request.sha256,
            contentSHA256: request.contentSHA256, fileName: request.fileName, rows: request.file.rows.count, linesRecorded: decision.linesRecorded)
        return decision
    }
}

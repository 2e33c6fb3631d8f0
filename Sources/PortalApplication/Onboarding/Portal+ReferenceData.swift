import Foundation
import PortalDomain

/// What a reference data import found and did: for each kind, how many records are new, already in the log
/// exactly as the file has them (unchanged), or refused; every problem by file, row and column; and whether
/// the new records were written (all of them, in one atomic append, or none).
public struct ReferenceDataReport: Sendable, Equatable, Codable {
    public struct Counts: Sendable, Equatable, Codable {
        public var new = 0
        public var unchanged = 0
        public var refused = 0
        public init() {}
        public var total: Int { new + unchanged + refused }
    }

    /// Counts by kind, in the order organisations, contracts, services, care orders (ISOs).
    public var counts: [String: Counts] = [:]
    /// The CPLIs of the new care orders.
    public var newCPLIs = 0
    /// Events the new records make (written unless a dry run or refused).
    public var events = 0
    public var problems: [ReferenceDataProblem] = []
    public var dryRun: Bool
    /// True when the new records were appended.
    public var written = false

    public init(dryRun: Bool) {
        self.dryRun = dryRun
    }

    public func counts(of kind: ReferenceDataKind) -> Counts { counts[kind.rawValue] ?? Counts() }

    /// Nothing new and nothing refused: the files were imported before.
    public var isAlreadyImported: Bool {
        problems.isEmpty && counts.values.allSatisfy { $0.new == 0 && $0.refused == 0 } && counts.values.contains { $0.unchanged > 0 }
    }

    mutating func count(_ kind: ReferenceDataKind, _ change: (inout Counts) -> Void) {
        change(&counts[kind.rawValue, default: Counts()])
    }
}

/// Onboarding: the organisations, contracts, services and current care orders a council brings over from its
/// earlier system, from CSV files (``ReferenceData``), all or nothing.
extension Portal {
    /// The reason recorded with each care order brought in as agreed, when the importer gives none.
    public static let defaultOnboardingReason = "agreed by the provider in the council's earlier system before the portal went live (onboarding import)"

    /// Imports `data` as `request`'s actor: every record is checked against the log — new (decided by the domain's
    /// own `decide`, as registering or publishing it one by one would be), unchanged (in the log exactly as in the
    /// file) or refused (a problem, or in the log with other content: the import never changes a record) — and
    /// the new records are appended in one atomic append, only when nothing is refused and it is not a dry run.
    ///
    /// Care orders come in agreed: each ISO is published and its agreement recorded by the importer on the
    /// provider's behalf with `reason` (`ISO.Command.onboardAgreed`), and its CPLIs commissioned, activated and
    /// listed under their service. Within the append, a care order's CPLI events come before its ISO's, so every
    /// read model finds the CPLIs when the agreement arrives.
    ///
    /// Procurement imports organisations, contracts and services; service brokerage care orders; the operator
    /// at the shell all of them. An actor without the permission of a kind in the files is refused before
    /// anything is read (R-ROLE).
    public func importReferenceData(
        _ data: ReferenceData, reason: String = Portal.defaultOnboardingReason, dryRun: Bool, _ request: CommandRequest
    ) async throws -> ReferenceDataReport {
        for kind in data.kinds.sorted() {
            try authorise(request.actor, kind.requiredPermission, organisation: nil)
        }
        let outcome = try await perform(request, appending: { $0.problems.isEmpty && !$0.dryRun }) { attempt, context in
            var run = ReferenceDataRun(data: data, reason: reason, report: ReferenceDataReport(dryRun: dryRun), portal: self, attempt: attempt, context: context)
            try run.decideAll()
            return run.report
        }
        guard var report = outcome.value else {
            // A retry of an import already applied (the same idempotency key): nothing new was written now.
            var report = ReferenceDataReport(dryRun: dryRun)
            report.events = outcome.eventCount
            return report
        }
        report.written = !outcome.positions.isEmpty
        return report
    }
}

/// One attempt at an import: each record decided or compared, in the order the read models need them.
private struct ReferenceDataRun {
    let data: ReferenceData
    let reason: String
    var report: ReferenceDataReport
    let portal: Portal
    let attempt: CommandAttempt
    let context: CommandContext

    mutating func problem(_ kind: ReferenceDataKind, _ source: ReferenceDataSource, _ error: DomainError) {
        problem(source, column: kind.column(forField: error.field), error.message, rule: error.rule)
    }

    mutating func problem(_ source: ReferenceDataSource, column: String, _ message: String, rule: String? = nil) {
        report.problems.append(.init(file: source.file, row: source.row, column: column, message: message, rule: rule))
    }

    /// A record in the log with other content than the file's: refused, naming the first column that differs.
    mutating func differs(_ kind: ReferenceDataKind, _ source: ReferenceDataSource, _ what: String, column: String, logValue: String, fileValue: String) {
        problem(source, column: column,
                "\(what) is in the portal already with \(column) '\(logValue)', the file has '\(fileValue)'; an import never changes a record (ask for a details change in the portal, or correct the file)")
        report.count(kind) { $0.refused += 1 }
    }

    mutating func decideAll() throws {
        // Rows that could not be read: one refused record each.
        var refusedRows: [ReferenceDataKind: Set<ReferenceDataSource>] = [:]
        let kinds = Dictionary(data.files.map { ($0.name, $0.kind) }, uniquingKeysWith: { first, _ in first })
        for problem in data.problems {
            report.problems.append(problem)
            if problem.row > 1, let kind = kinds[problem.file] {
                refusedRows[kind, default: []].insert(ReferenceDataSource(file: problem.file, row: problem.row))
            }
        }
        for (kind, rows) in refusedRows { report.count(kind) { $0.refused += rows.count } }
        for kind in data.kinds { report.count(kind) { _ in } }

        // A record on a row with a problem (an id given twice, an ISO's rows that disagree) is counted refused
        // with its row and not decided.
        let problemRows = refusedRows.values.reduce(into: Set<ReferenceDataSource>()) { $0.formUnion($1) }
        for organisation in data.organisations where !problemRows.contains(organisation.source) { try decide(organisation) }
        for contract in data.contracts where !problemRows.contains(contract.source) { try decide(contract.registration, contract.source) }
        for service in data.services where !problemRows.contains(service.source) { try decide(service.registration, service.source) }
        for order in data.careOrders where problemRows.isDisjoint(with: order.lineSources) { try decide(order) }
        // Every problem, by file (in the order given) and row.
        let order = Dictionary(data.files.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        report.problems = report.problems.enumerated().sorted {
            (order[$0.element.file] ?? -1, $0.element.row, $0.offset) < (order[$1.element.file] ?? -1, $1.element.row, $1.offset)
        }.map(\.element)
    }

    // MARK: Organisations, contracts, services

    /// One record of the provider register: unchanged when the log holds it as the file has it, refused when the log
    /// holds it otherwise, else decided by `register` (which returns its events).
    mutating func register<Record: Equatable & Encodable>(
        _ kind: ReferenceDataKind, _ what: String, _ record: Record, _ source: ReferenceDataSource, inLog existing: Record?,
        _ register: () throws -> Int
    ) throws {
        if let existing {
            if existing == record { return report.count(kind) { $0.unchanged += 1 } }
            let (column, logValue, fileValue) = Self.firstDifference(kind, existing, record)
            return differs(kind, source, what, column: column, logValue: logValue, fileValue: fileValue)
        }
        do {
            report.events += try register()
            report.count(kind) { $0.new += 1 }
        } catch let error as DomainError {
            problem(kind, source, error)
            report.count(kind) { $0.refused += 1 }
        }
    }

    mutating func decide(_ organisation: (id: OrganisationID, details: ContactDetails, source: ReferenceDataSource)) throws {
        let id = organisation.id
        let (attempt, context) = (self.attempt, self.context)
        let existing = try attempt.load(Organisation.self, id.rawValue).details
        try register(.organisations, "organisation \(id)", organisation.details, organisation.source, inLog: existing) {
            try attempt.decide(Organisation.self, id.rawValue, .register(id, organisation.details), context).count
        }
    }

    mutating func decide(_ registration: ContractRegistered, _ source: ReferenceDataSource) throws {
        let (attempt, context) = (self.attempt, self.context)
        let existing = try attempt.load(Contract.self, registration.contractID.rawValue).registration
        try register(.contracts, "contract \(registration.contractID)", registration, source, inLog: existing) {
            let organisation = try attempt.load(Organisation.self, registration.organisationID.rawValue)
            return try attempt.decide(Contract.self, registration.contractID.rawValue,
                                      .register(registration, organisationIsRegistered: organisation.isRegistered), context).count
        }
    }

    mutating func decide(_ registration: ServiceRegistered, _ source: ReferenceDataSource) throws {
        let (attempt, context) = (self.attempt, self.context)
        let existing = try attempt.load(Service.self, registration.serviceID.rawValue).registration
        try register(.services, "service \(registration.serviceID)", registration, source, inLog: existing) {
            let contract = try attempt.load(Contract.self, registration.contractID.rawValue)
            return try attempt.decide(Service.self, registration.serviceID.rawValue, .register(registration, contract: contract), context).count
        }
    }

    // MARK: Care orders

    mutating func decide(_ order: CareOrder) throws {
        let iso = order.publication.isoID
        // Looked at in an attempt of its own, so that a new care order's ISO stream is loaded in this attempt
        // only after its CPLIs' (the append keeps the order streams were loaded in).
        let peek = CommandAttempt(log: portal.log)
        let existing = try peek.load(ISO.self, iso.rawValue)
        if let publication = existing.publication {
            return try compare(order, publication: publication, status: existing.status, peek)
        }
        let problemsBefore = report.problems.count
        var events = 0
        for (index, line) in order.lines.enumerated() {
            let source = order.lineSources[index]
            do {
                events += try attempt.decide(CPLI.self, line.cpliID.rawValue, .commission(line, original: nil), context).count
                events += try attempt.decide(CPLI.self, line.cpliID.rawValue, .activate(iso), context).count
                events += try attempt.decide(ServiceCPLIs.self, line.serviceID.rawValue, .list(line), context).count
            } catch let error as DomainError {
                problem(.careOrders, source, error)
            }
        }
        if report.problems.count == problemsBefore {
            do {
                let service = try attempt.load(Service.self, order.publication.serviceID.rawValue)
                events += try attempt.decide(ISO.self, iso.rawValue, .onboardAgreed(order.publication, service: service, reason: reason), context).count
            } catch let error as DomainError {
                problem(.careOrders, order.source, error)
            }
        }
        guard report.problems.count == problemsBefore else { return report.count(.careOrders) { $0.refused += 1 } }
        report.events += events
        report.newCPLIs += order.lines.count
        report.count(.careOrders) { $0.new += 1 }
    }

    /// A care order whose ISO is in the log: unchanged when it is agreed with the same client, service and
    /// CPLIs, each active as the file defines it; refused otherwise.
    mutating func compare(_ order: CareOrder, publication: ISOPublished, status: ISO.Status, _ peek: CommandAttempt) throws {
        let iso = publication.isoID
        guard status == .agreed else {
            problem(order.source, column: "iso",
                    "ISO \(iso) is in the portal already and \(status.rawValue); only a care order the provider agreed can be imported again unchanged")
            return report.count(.careOrders) { $0.refused += 1 }
        }
        if publication != order.publication {
            let (column, logValue, fileValue) = Self.firstDifference(.careOrders, publication, order.publication)
            return differs(.careOrders, order.source, "ISO \(iso)", column: column, logValue: logValue, fileValue: fileValue)
        }
        for (index, line) in order.lines.enumerated() {
            let cpli = try peek.load(CPLI.self, line.cpliID.rawValue)
            guard let definition = cpli.definition, cpli.status == .active, definition == line else {
                let (column, logValue, fileValue) = cpli.definition.map { Self.firstDifference(.careOrders, $0, line) } ?? ("cpli", "none", line.cpliID.rawValue)
                return differs(.careOrders, order.lineSources[index], "CPLI \(line.cpliID) of ISO \(iso)", column: column, logValue: logValue, fileValue: fileValue)
            }
        }
        report.count(.careOrders) { $0.unchanged += 1 }
    }

    /// The first column (in the file's column order) whose value differs between a record in the log and the
    /// file's, with both values, by comparing their JSON forms field by field.
    static func firstDifference<T: Encodable>(_ kind: ReferenceDataKind, _ logRecord: T, _ fileRecord: T) -> (column: String, log: String, file: String) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func fields(_ value: T) -> [String: Any] {
            guard let data = try? encoder.encode(value), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
            var flat: [String: Any] = [:]
            for (key, value) in object {
                if let nested = value as? [String: Any] {
                    for (inner, innerValue) in nested { flat[inner] = innerValue }
                } else {
                    flat[key] = value
                }
            }
            return flat
        }
        func text(_ value: Any?) -> String {
            switch value {
            case nil: "∅"
            case let list as [Any]: list.map { "\($0)" }.joined(separator: ", ")
            case let some?: "\(some)"
            }
        }
        let log = fields(logRecord)
        let file = fields(fileRecord)
        let columns = kind.requiredColumns + kind.optionalColumns
        let keys = Set(log.keys).union(file.keys).sorted {
            (columns.firstIndex(of: kind.column(forField: $0)) ?? columns.count, $0) < (columns.firstIndex(of: kind.column(forField: $1)) ?? columns.count, $1)
        }
        for key in keys {
            let logText = text(log[key])
            let fileText = text(file[key])
            if logText != fileText {
                let column = kind.column(forField: key)
                return (column == "row" ? key : column, logText, fileText)
            }
        }
        return ("row", "", "")
    }
}

import Chronology
import Foundation

/// The kinds of reference data a council brings over from its earlier system when the portal goes live, one
/// CSV file per kind (several files of a kind are read as one). The first column of a file's header names its
/// kind: `organisation`, `contract`, `service` or `iso` (care orders).
public enum ReferenceDataKind: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case organisations
    case contracts
    case services
    /// Clients and their current care orders: one row per CPLI, the rows of one ISO together.
    case careOrders = "care-orders"

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)! }

    /// The header's first column, which says what the file holds.
    public var keyColumn: String {
        switch self {
        case .organisations: "organisation"
        case .contracts: "contract"
        case .services: "service"
        case .careOrders: "iso"
        }
    }

    public var requiredColumns: [String] {
        switch self {
        case .organisations: ["organisation", "name", "address_1", "postcode"]
        case .contracts: ["contract", "organisation", "name", "contract_type", "start_date"]
        case .services: ["service", "organisation", "contract", "name", "address_1", "postcode", "start_date"]
        case .careOrders: ["iso", "client_reference", "client_name", "organisation", "service", "cpli", "service_type", "unit",
                           "planned_per_week", "rate", "start_date"]
        }
    }

    public var optionalColumns: [String] {
        switch self {
        case .organisations, .services: ["address_2", "address_3", "address_4", "address_5", "address_6", "telephone", "email"]
        case .contracts: ["payment_basis", "end_date"]
        case .careOrders: ["end_date"]
        }
    }

    /// The permission importing this kind needs (R-ROLE): procurement registers providers, contracts and
    /// services; service brokerage brings in care orders.
    public var requiredPermission: Permission {
        switch self {
        case .organisations, .contracts, .services: .edit(.providerRegister)
        case .careOrders: .edit(.commissioning)
        }
    }

    /// The column of a field a domain refusal names (`plannedPerWeek` → `planned_per_week`).
    public func column(forField field: String?) -> String {
        guard let field else { return "row" }
        let base = String(field.prefix { $0 != "[" && $0 != "." })
        switch base {
        case "organisationID": return "organisation"
        case "contractID": return "contract"
        case "serviceID": return "service"
        case "isoID": return "iso"
        case "cpliID", "cpliIDs", "cplis": return "cpli"
        case "addressLines": return "address_1"
        case "details": return "name"
        default:
            var column = ""
            for character in base {
                if character.isUppercase {
                    column += "_" + character.lowercased()
                } else {
                    column.append(character)
                }
            }
            return (requiredColumns + optionalColumns).contains(column) ? column : "row"
        }
    }
}

/// One problem of a reference data import: the file, the spreadsheet row (the header is row 1) and column.
public struct ReferenceDataProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    public var file: String
    public var row: Int
    public var column: String
    public var message: String
    public var rule: String?

    public init(file: String, row: Int, column: String, message: String, rule: String? = nil) {
        self.file = file
        self.row = row
        self.column = column
        self.message = message
        self.rule = rule
    }

    public var description: String {
        "\(file), row \(row), column \(column): \(message)" + (rule.map { " (\($0))" } ?? "")
    }
}

/// Where a record came from: its file and spreadsheet row.
public struct ReferenceDataSource: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var row: Int

    public init(file: String, row: Int) {
        self.file = file
        self.row = row
    }

    public var description: String { "\(file), row \(row)" }
}

/// A client's current care order: one ISO with its CPLIs, from consecutive or scattered rows of a care-orders
/// file (rows with the same `iso`).
public struct CareOrder: Sendable, Equatable {
    public var publication: ISOPublished
    public var lines: [CPLIDefinition]
    /// The first row of the ISO, and the row of each line.
    public var source: ReferenceDataSource
    public var lineSources: [ReferenceDataSource]
}

/// The reference data of one import, read from its CSV files: every record with its file and row, and every
/// problem found while reading. Pure: the checks that need the log (a contract's organisation exists, a record
/// is already imported) are the application's, by the domain's own `decide`.
///
/// Every number and date is bounded here: files at most ``maximumFileBytes`` and ``maximumRows``; dates from
/// ``earliestDate``; care orders started on or before today and not ended before today (current orders only);
/// services and contracts starting at most a year ahead, contracts ending at most ten years ahead; quantities
/// within the policy's weekly bound (checked by `CPLI.decide`) and rates by `Rate`'s own limit.
public struct ReferenceData: Sendable, Equatable {
    /// Largest file read, in bytes (a county's care orders, 20,000 CPLIs, are about 3 MB).
    public static let maximumFileBytes = 32 << 20
    /// Most data rows in one file.
    public static let maximumRows = 200_000
    /// No date of the reference data is earlier.
    public static let earliestDate = BusinessDate(year: 2000, month: 1, day: 1)!
    /// The longest an address may be, in lines (as `ContactDetails`).
    static let addressColumns = ["address_1", "address_2", "address_3", "address_4", "address_5", "address_6"]

    public var organisations: [(id: OrganisationID, details: ContactDetails, source: ReferenceDataSource)] = []
    public var contracts: [(registration: ContractRegistered, source: ReferenceDataSource)] = []
    public var services: [(registration: ServiceRegistered, source: ReferenceDataSource)] = []
    public var careOrders: [CareOrder] = []
    public var problems: [ReferenceDataProblem] = []
    /// Each file's kind, by name, in the order given.
    public var files: [(name: String, kind: ReferenceDataKind)] = []

    public init() {}

    public static func == (lhs: ReferenceData, rhs: ReferenceData) -> Bool {
        lhs.careOrders == rhs.careOrders && lhs.problems == rhs.problems
            && lhs.organisations.map(\.id) == rhs.organisations.map(\.id) && lhs.organisations.map(\.details) == rhs.organisations.map(\.details)
            && lhs.contracts.map(\.registration) == rhs.contracts.map(\.registration)
            && lhs.services.map(\.registration) == rhs.services.map(\.registration)
            && lhs.files.map(\.name) == rhs.files.map(\.name) && lhs.files.map(\.kind) == rhs.files.map(\.kind)
    }

    /// How many records of `kind` the files hold (care orders count ISOs).
    public func count(of kind: ReferenceDataKind) -> Int {
        switch kind {
        case .organisations: organisations.count
        case .contracts: contracts.count
        case .services: services.count
        case .careOrders: careOrders.count
        }
    }

    /// The kinds present in the files.
    public var kinds: Set<ReferenceDataKind> { Set(files.map(\.kind)) }

    /// Reads every file, listing every problem by file, row and column. `today` bounds the dates.
    public static func parse(files: [(name: String, content: Data)], today: BusinessDate) -> ReferenceData {
        var data = ReferenceData()
        var seenNames: Set<String> = []
        for file in files {
            guard seenNames.insert(file.name).inserted else {
                data.problems.append(ReferenceDataProblem(file: file.name, row: 1, column: "file", message: "the file is given twice"))
                continue
            }
            data.read(file.name, file.content, today: today)
        }
        data.checkAcrossFiles()
        return data
    }

    private mutating func read(_ name: String, _ content: Data, today: BusinessDate) {
        func fileProblem(_ message: String, row: Int = 1, column: String = "file") {
            problems.append(ReferenceDataProblem(file: name, row: row, column: column, message: message))
        }
        guard content.count <= Self.maximumFileBytes else {
            return fileProblem("the file is \(content.count) bytes; at most \(Self.maximumFileBytes) are read (split it into several files)")
        }
        guard let text = String(validating: content, as: UTF8.self) else {
            return fileProblem("the file is not UTF-8 text; save it as CSV UTF-8")
        }
        let records: [[String]]
        do {
            records = try CSVText.records(text)
        } catch {
            return fileProblem(error.message, row: error.row, column: "row")
        }
        guard let header = records.first, !header.allSatisfy({ $0.trimmingWhitespace.isEmpty }) else {
            return fileProblem("the file is empty: its first row must name the columns")
        }
        let names = header.map { $0.trimmingWhitespace.lowercased().replacingOccurrences(of: " ", with: "_") }
        guard let kind = ReferenceDataKind.allCases.first(where: { $0.keyColumn == names[0] }) else {
            return fileProblem(
                "the first column of the header is '\(header[0])'; it must say what the file holds: "
                    + ReferenceDataKind.allCases.map { "\($0.keyColumn) (\($0))" }.joined(separator: ", "),
                column: header[0].isEmpty ? "header" : header[0])
        }
        files.append((name, kind))
        var columns: [String: Int] = [:]
        var headerIsUsable = true
        for (index, column) in names.enumerated() {
            guard kind.requiredColumns.contains(column) || kind.optionalColumns.contains(column) else {
                fileProblem("'\(header[index])' is not a column of a file of \(kind); its columns are "
                            + (kind.requiredColumns + kind.optionalColumns).joined(separator: ", "), column: header[index].isEmpty ? "header" : header[index])
                headerIsUsable = false
                continue
            }
            if columns[column] != nil {
                fileProblem("the header names column \(column) twice", column: column)
                headerIsUsable = false
            }
            columns[column] = index
        }
        for missing in kind.requiredColumns where columns[missing] == nil {
            fileProblem("the header has no column \(missing); a file of \(kind) needs \(kind.requiredColumns.joined(separator: ", "))", column: missing)
            headerIsUsable = false
        }
        guard headerIsUsable else { return }
        guard records.count - 1 <= Self.maximumRows else {
            return fileProblem("the file has \(records.count - 1) rows; at most \(Self.maximumRows) are read (split it into several files)", row: Self.maximumRows + 2, column: "row")
        }
        var rows = 0
        for (offset, record) in records.enumerated().dropFirst() {
            if record.allSatisfy({ $0.trimmingWhitespace.isEmpty }) { continue }
            rows += 1
            var row = RowReader(file: name, number: offset + 1, record: record, columns: columns, today: today)
            switch kind {
            case .organisations: row.organisation().map { organisations.append(($0.0, $0.1, row.source)) }
            case .contracts: row.contract().map { contracts.append(($0, row.source)) }
            case .services: row.service().map { services.append(($0, row.source)) }
            case .careOrders: row.careOrderLine().map { addCareOrderLine($0, source: row.source) }
            }
            problems += row.problems
        }
        if rows == 0 { fileProblem("the file has a header but no rows", row: 2, column: "row") }
    }

    /// Adds a CPLI row to its ISO's care order; the ISO's client, organisation and service must be the same on
    /// every row of it.
    private mutating func addCareOrderLine(_ line: (publication: ISOPublished, definition: CPLIDefinition), source: ReferenceDataSource) {
        guard let index = careOrders.firstIndex(where: { $0.publication.isoID == line.publication.isoID }) else {
            var publication = line.publication
            publication.cpliIDs = [line.definition.cpliID]
            careOrders.append(CareOrder(publication: publication, lines: [line.definition], source: source, lineSources: [source]))
            return
        }
        let first = careOrders[index]
        for (column, mine, theirs) in [
            ("client_reference", line.publication.clientReference, first.publication.clientReference),
            ("client_name", line.publication.clientName, first.publication.clientName),
            ("organisation", line.publication.organisationID.rawValue, first.publication.organisationID.rawValue),
            ("service", line.publication.serviceID.rawValue, first.publication.serviceID.rawValue),
        ] where mine != theirs {
            problems.append(ReferenceDataProblem(
                file: source.file, row: source.row, column: column,
                message: "ISO \(line.publication.isoID) has \(column) '\(theirs)' on \(first.source); every row of one ISO names the same client, organisation and service"))
            return
        }
        careOrders[index].publication.cpliIDs.append(line.definition.cpliID)
        careOrders[index].lines.append(line.definition)
        careOrders[index].lineSources.append(source)
    }

    /// The same id twice (across every file of its kind), and a CPLI in two ISOs.
    private mutating func checkAcrossFiles() {
        func duplicates<ID: Hashable & CustomStringConvertible>(_ ids: [(ID, ReferenceDataSource)], column: String, what: String) {
            var first: [ID: ReferenceDataSource] = [:]
            for (id, source) in ids {
                if let earlier = first[id] {
                    problems.append(ReferenceDataProblem(file: source.file, row: source.row, column: column, message: "\(what) \(id) is on \(earlier) already"))
                } else {
                    first[id] = source
                }
            }
        }
        duplicates(organisations.map { ($0.id, $0.source) }, column: "organisation", what: "organisation")
        duplicates(contracts.map { ($0.registration.contractID, $0.source) }, column: "contract", what: "contract")
        duplicates(services.map { ($0.registration.serviceID, $0.source) }, column: "service", what: "service")
        duplicates(careOrders.flatMap { order in zip(order.lines.map(\.cpliID), order.lineSources).map { ($0, $1) } }, column: "cpli", what: "CPLI")
    }
}

/// One data row being read: each cell parsed and bounded, each problem kept with its column.
private struct RowReader {
    let file: String
    let number: Int
    let record: [String]
    let columns: [String: Int]
    let today: BusinessDate
    var problems: [ReferenceDataProblem] = []

    init(file: String, number: Int, record: [String], columns: [String: Int], today: BusinessDate) {
        self.file = file
        self.number = number
        self.record = record
        self.columns = columns
        self.today = today
    }

    var source: ReferenceDataSource { ReferenceDataSource(file: file, row: number) }

    func cell(_ column: String) -> String {
        guard let index = columns[column], index < record.count else { return "" }
        return record[index]
    }

    mutating func problem(_ column: String, _ message: String, rule: String? = nil) {
        problems.append(ReferenceDataProblem(file: file, row: number, column: column, message: message, rule: rule))
    }

    /// A cell parsed by `parse`; nil (with the problem kept) when it does not parse.
    mutating func field<T>(_ column: String, _ parse: (String) throws(DomainError) -> T) -> T? {
        do {
            return try parse(cell(column))
        } catch {
            problem(column, error.description.hasPrefix(column) ? error.description : "\(column): \(error.description)")
            return nil
        }
    }

    mutating func identifier<ID: PortalIdentifier>(_ column: String, _ type: ID.Type) -> ID? {
        field(column) { text throws(DomainError) in try ID.parse(text, field: column) }
    }

    mutating func text(_ column: String, maximumLength: Int = 200) -> String? {
        field(column) { text throws(DomainError) in try TextInput.required(text, field: column, maximumLength: maximumLength) }
    }

    mutating func optionalText(_ column: String, maximumLength: Int = 200) -> String?? {
        do {
            return .some(try TextInput.optional(cell(column), field: column, maximumLength: maximumLength))
        } catch {
            problem(column, error.description)
            return nil
        }
    }

    /// A date `YYYY-MM-DD` within `range`; `what` says why the bounds are what they are.
    mutating func date(_ column: String, in range: ClosedRange<BusinessDate>, _ what: String) -> BusinessDate? {
        let text = cell(column).trimmingWhitespace
        guard let date = BusinessDate(iso8601: text) else {
            problem(column, "\(column) '\(text)' is not a date like 2026-04-06")
            return nil
        }
        guard range.contains(date) else {
            problem(column, "\(column) \(date) is out of range: \(what) (\(range.lowerBound) to \(range.upperBound))")
            return nil
        }
        return date
    }

    mutating func optionalDate(_ column: String, in range: ClosedRange<BusinessDate>, _ what: String) -> BusinessDate?? {
        if cell(column).trimmingWhitespace.isEmpty { return .some(nil) }
        return date(column, in: range, what).map { .some($0) }
    }

    mutating func choice<T: RawRepresentable & CaseIterable>(_ column: String, _ type: T.Type, default value: T? = nil) -> T? where T.RawValue == String {
        let text = cell(column).trimmingWhitespace.lowercased()
        if text.isEmpty, let value { return value }
        guard let chosen = T(rawValue: text) else {
            problem(column, "\(column) '\(cell(column))' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return chosen
    }

    /// Name, address lines, postcode, telephone and email, checked as the domain checks them.
    mutating func details() -> ContactDetails? {
        let name = text("name")
        var lines: [String] = []
        for column in ReferenceData.addressColumns {
            if let line = optionalText(column), let line { lines.append(line) }
        }
        if lines.isEmpty { problem("address_1", "address_1 is required") }
        let postcode = text("postcode", maximumLength: 10)
        let telephone = optionalText("telephone", maximumLength: 30)
        var email: String?? = .some(nil)
        if !cell("email").trimmingWhitespace.isEmpty {
            email = field("email") { text throws(DomainError) in try TextInput.email(text) }.map { .some($0) }
        }
        guard let name, !lines.isEmpty, let postcode, let telephone, let email else { return nil }
        let details = ContactDetails(name: name, addressLines: lines, postcode: postcode, telephone: telephone, email: email)
        return field("name") { _ throws(DomainError) in try details.validated() }
    }

    mutating func organisation() -> (OrganisationID, ContactDetails)? {
        let id = identifier("organisation", OrganisationID.self)
        let details = details()
        guard let id, let details, problems.isEmpty else { return nil }
        return (id, details)
    }

    var registerDates: ClosedRange<BusinessDate> { ReferenceData.earliestDate...today.adding(days: 366) }

    mutating func contract() -> ContractRegistered? {
        let id = identifier("contract", ContractID.self)
        let organisation = identifier("organisation", OrganisationID.self)
        let name = text("name")
        let type = choice("contract_type", ContractType.self)
        let basis = choice("payment_basis", PaymentBasis.self, default: .invoiced)
        let start = date("start_date", in: registerDates, "a contract starts from 2000 to a year ahead")
        let end = optionalDate("end_date", in: (start ?? ReferenceData.earliestDate)...today.adding(days: 3653),
                               "a contract ends on or after its start_date and at most ten years ahead")
        guard let id, let organisation, let name, let type, let basis, let start, let end, problems.isEmpty else { return nil }
        return ContractRegistered(contractID: id, organisationID: organisation, name: name, contractType: type, paymentBasis: basis,
                                  startDate: start, endDate: end)
    }

    mutating func service() -> ServiceRegistered? {
        let id = identifier("service", ServiceID.self)
        let organisation = identifier("organisation", OrganisationID.self)
        let contract = identifier("contract", ContractID.self)
        let details = details()
        let start = date("start_date", in: registerDates, "a service's first day of care through the portal is from 2000 to a year ahead")
        guard let id, let organisation, let contract, let details, let start, problems.isEmpty else { return nil }
        return ServiceRegistered(serviceID: id, organisationID: organisation, contractID: contract, details: details, startDate: start)
    }

    mutating func careOrderLine() -> (publication: ISOPublished, definition: CPLIDefinition)? {
        let iso = identifier("iso", ISOID.self)
        let reference = text("client_reference", maximumLength: 50)
        let clientName = text("client_name")
        let organisation = identifier("organisation", OrganisationID.self)
        let service = identifier("service", ServiceID.self)
        let cpli = identifier("cpli", CPLIID.self)
        let serviceType = choice("service_type", ServiceType.self)
        let unit = choice("unit", CareUnit.self)
        let planned = field("planned_per_week") { text throws(DomainError) in try Quantity.parse(text, field: "planned_per_week") }
        let rate = field("rate") { text throws(DomainError) in try Rate.parse(text, field: "rate") }
        let start = date("start_date", in: ReferenceData.earliestDate...today,
                         "a current care order started on or before today, and not before 2000")
        let end = optionalDate("end_date", in: max(today, start ?? today)...today.adding(days: 3653),
                               "a current care order has not ended before today, and ends at most ten years ahead")
        guard let iso, let reference, let clientName, let organisation, let service, let cpli, let serviceType, let unit, let planned,
              let rate, let start, let end, problems.isEmpty else { return nil }
        let publication = ISOPublished(isoID: iso, organisationID: organisation, serviceID: service, clientReference: reference,
                                       clientName: clientName, cpliIDs: [cpli])
        let definition = CPLIDefinition(
            cpliID: cpli, isoID: iso, organisationID: organisation, serviceID: service, clientReference: reference, clientName: clientName,
            serviceType: serviceType, unit: unit, plannedPerWeek: planned, rate: rate, startDate: start, endDate: end)
        return (publication, definition)
    }
}

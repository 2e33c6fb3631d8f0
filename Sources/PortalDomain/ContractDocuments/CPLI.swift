import Chronology

/// The service types of a CPLI ("service level").
public enum ServiceType: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case homeSupportContractRate = "home-support-contract-rate"
    case homeSupportBlockRate = "home-support-block-rate"
    case nightSits = "night-sits"
    case liveInCare = "live-in-care"
    case breaksForCarersDaySittingRate = "breaks-for-carers-day-sitting-rate"
    public var description: String { rawValue }
}

/// What a Care Package Line Item commissions: one client's care of one type from one service, so many
/// hours or nights a week at a rate, from a start date to an optional end date. A temporary CPLI tops up
/// another (`temporaryOf`, R-INV-5).
public struct CPLIDefinition: Sendable, Hashable, Codable {
    public var cpliID: CPLIID
    public var isoID: ISOID
    public var organisationID: OrganisationID
    public var serviceID: ServiceID
    public var clientReference: String
    public var clientName: String
    public var serviceType: ServiceType
    public var unit: CareUnit
    public var plannedPerWeek: Quantity
    public var rate: Rate
    public var startDate: BusinessDate
    public var endDate: BusinessDate?
    public var temporaryOf: CPLIID?

    /// The weekly cost of the planned care: planned per week × rate, half-up to the penny (R-ACT-5, R-ISO-3).
    public var weeklyCost: Money { plannedPerWeek.amount(at: rate) }
    /// A full four-week period's cost: four weekly amounts, each rounded, as an invoice adds them (R-ISO-3).
    public var periodCost: Money { Money(pence: weeklyCost.pence * Int64(PeriodCalendar.weeksPerPeriod)) }

    public init(
        cpliID: CPLIID, isoID: ISOID, organisationID: OrganisationID, serviceID: ServiceID, clientReference: String,
        clientName: String, serviceType: ServiceType, unit: CareUnit, plannedPerWeek: Quantity, rate: Rate,
        startDate: BusinessDate, endDate: BusinessDate? = nil, temporaryOf: CPLIID? = nil
    ) {
        self.cpliID = cpliID
        self.isoID = isoID
        self.organisationID = organisationID
        self.serviceID = serviceID
        self.clientReference = clientReference
        self.clientName = clientName
        self.serviceType = serviceType
        self.unit = unit
        self.plannedPerWeek = plannedPerWeek
        self.rate = rate
        self.startDate = startDate
        self.endDate = endDate
        self.temporaryOf = temporaryOf
    }

    /// Whether the CPLI runs on `date`.
    public func covers(_ date: BusinessDate) -> Bool {
        date >= startDate && (endDate.map { date <= $0 } ?? true)
    }

    /// How many days of `week` the CPLI runs (0 to 7).
    public func daysCovered(in week: Week) -> Int {
        week.days.filter(covers).count
    }
}

/// `cpli-<id>`: a Care Package Line Item, commissioned when its ISO is published and activated when the
/// ISO is agreed (both written atomically with the ISO's event). Only active CPLIs appear in actuals (R-ISO-3).
public enum CPLI: EventStream {
    public static let category = "cpli"

    public enum Status: String, Codable, Equatable, Sendable {
        case none
        case commissioned
        case active
    }

    public struct State: Codable, Equatable, Sendable {
        public var definition: CPLIDefinition?
        public var status: Status = .none

        public init(definition: CPLIDefinition? = nil, status: Status = .none) {
            self.definition = definition
            self.status = status
        }
    }

    public static let initialState = State()

    public enum Command: Sendable {
        /// Commission the CPLI of a published ISO; `original` is the state of the CPLI it is a temporary
        /// top-up of, when `temporaryOf` is set.
        case commission(CPLIDefinition, original: State?)
        /// The ISO was agreed.
        case activate(ISOID)

        public var requiredPermission: Permission {
            switch self {
            case .commission: .edit(.commissioning)
            case .activate: .edit(.contractDocuments)
            }
        }
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [CPLIEvent] {
        switch command {
        case .commission(let definition, let original):
            guard state.status == .none else {
                throw DomainError.duplicate(field: "cpliID", "CPLI \(definition.cpliID) exists already")
            }
            return [.commissioned(CPLICommissioned(definition: try validated(definition, original: original, policy: context.policy)))]
        case .activate(let iso):
            guard let definition = state.definition else { throw DomainError.notFound(field: "cpliID", "there is no such CPLI") }
            guard definition.isoID == iso else {
                throw DomainError.wrongState(field: "isoID", "CPLI \(definition.cpliID) belongs to ISO \(definition.isoID), not \(iso)")
            }
            guard state.status == .commissioned else { return [] }
            return [.activated(CPLIActivated(cpliID: definition.cpliID, isoID: iso))]
        }
    }

    static func validated(_ definition: CPLIDefinition, original: State?, policy: PolicyProfile) throws(DomainError) -> CPLIDefinition {
        var checked = definition
        checked.clientReference = try TextInput.required(definition.clientReference, field: "clientReference", maximumLength: 50)
        checked.clientName = try TextInput.required(definition.clientName, field: "clientName")
        let bound = policy.weeklyBound(for: definition.unit)
        guard definition.plannedPerWeek >= .zero, definition.plannedPerWeek <= bound else {
            throw .invalidValue(
                field: "plannedPerWeek",
                "plannedPerWeek is \(definition.plannedPerWeek); it must be between 0 and \(bound) \(definition.unit) a week", rule: "R-ACT-2")
        }
        if let end = definition.endDate, end < definition.startDate {
            throw .invalidValue(field: "endDate", "endDate \(end) is before startDate \(definition.startDate)")
        }
        if let originalID = definition.temporaryOf {
            guard let original, let originalDefinition = original.definition else {
                throw .notFound(field: "temporaryOf", "there is no CPLI \(originalID) to top up")
            }
            guard originalDefinition.clientReference == checked.clientReference, originalDefinition.serviceID == definition.serviceID else {
                throw .invalidValue(
                    field: "temporaryOf",
                    "CPLI \(originalID) is for client \(originalDefinition.clientReference) of service \(originalDefinition.serviceID); a temporary CPLI tops up a CPLI of the same client and service")
            }
        }
        return checked
    }

    public static func evolve(_ state: State, _ event: CPLIEvent) -> State {
        var state = state
        switch event {
        case .commissioned(let e):
            state.definition = e.definition
            state.status = .commissioned
        case .activated:
            state.status = .active
        }
        return state
    }
}

public enum CPLIEvent: StreamEvent {
    case commissioned(CPLICommissioned)
    case activated(CPLIActivated)

    public static let payloadTypes: [any EventPayload.Type] = [CPLICommissioned.self, CPLIActivated.self]

    public var payload: any EventPayload {
        switch self {
        case .commissioned(let p): p
        case .activated(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let p as CPLICommissioned: self = .commissioned(p)
        case let p as CPLIActivated: self = .activated(p)
        default: return nil
        }
    }
}

/// A CPLI was commissioned by the publication of its ISO; it is not in actuals until the ISO is agreed.
public struct CPLICommissioned: EventPayload {
    public static let eventType = "CPLICommissioned"
    public static let schemaVersion = 1
    public var definition: CPLIDefinition
    public init(definition: CPLIDefinition) {
        self.definition = definition
    }
}

/// The provider agreed the CPLI's ISO: the CPLI is active and appears in actuals (R-ISO-3).
public struct CPLIActivated: EventPayload {
    public static let eventType = "CPLIActivated"
    public static let schemaVersion = 1
    public var cpliID: CPLIID
    public var isoID: ISOID
    public init(cpliID: CPLIID, isoID: ISOID) {
        self.cpliID = cpliID
        self.isoID = isoID
    }
}

/// `servicecplis-<serviceId>`: the CPLIs commissioned for a service, in the order they were commissioned.
///
/// A CPLI is listed in the same atomic append that commissions it (with its ISO's publication), so the list
/// is never behind the CPLI streams. Commands that need a service's CPLIs (its actuals, the invoice wizard,
/// the period CSV export, scheduled payments) load this one stream and then only those CPLIs' streams, so
/// their cost and their append conditions grow with the service, not with the county's history.
public enum ServiceCPLIs: EventStream {
    public static let category = "servicecplis"

    public struct State: Codable, Equatable, Sendable {
        /// The service's CPLIs, in the order they were commissioned.
        public var cpliIDs: [CPLIID] = []
        public var serviceID: ServiceID?

        public init(cpliIDs: [CPLIID] = [], serviceID: ServiceID? = nil) {
            self.cpliIDs = cpliIDs
            self.serviceID = serviceID
        }
    }

    public static let initialState = State()

    public enum Command: Sendable {
        /// List a CPLI that is being commissioned for its service.
        case list(CPLIDefinition)

        public var requiredPermission: Permission { .edit(.commissioning) }
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [ServiceCPLIsEvent] {
        switch command {
        case .list(let definition):
            if let service = state.serviceID, service != definition.serviceID {
                throw DomainError.invalidValue(
                    field: "serviceID", "CPLI \(definition.cpliID) is for service \(definition.serviceID), not \(service)")
            }
            guard !state.cpliIDs.contains(definition.cpliID) else {
                throw DomainError.duplicate(field: "cpliID", "CPLI \(definition.cpliID) is listed for service \(definition.serviceID) already")
            }
            return [.listed(CPLIListed(serviceID: definition.serviceID, cpliID: definition.cpliID, organisationID: definition.organisationID))]
        }
    }

    public static func evolve(_ state: State, _ event: ServiceCPLIsEvent) -> State {
        var state = state
        switch event {
        case .listed(let e):
            state.serviceID = e.serviceID
            state.cpliIDs.append(e.cpliID)
        }
        return state
    }
}

public enum ServiceCPLIsEvent: StreamEvent {
    case listed(CPLIListed)

    public static let payloadTypes: [any EventPayload.Type] = [CPLIListed.self]

    public var payload: any EventPayload {
        switch self {
        case .listed(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        guard let p = payload as? CPLIListed else { return nil }
        self = .listed(p)
    }
}

/// A CPLI was listed under its service when it was commissioned (or, for a log written before the list
/// existed, when the data folder was first opened by a build that keeps it).
public struct CPLIListed: EventPayload {
    public static let eventType = "CPLIListed"
    public static let schemaVersion = 1
    public var serviceID: ServiceID
    public var cpliID: CPLIID
    public var organisationID: OrganisationID

    public init(serviceID: ServiceID, cpliID: CPLIID, organisationID: OrganisationID) {
        self.serviceID = serviceID
        self.cpliID = cpliID
        self.organisationID = organisationID
    }
}

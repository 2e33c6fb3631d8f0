import Chronology

/// `service-<id>`: a provider's service under a contract (e.g. "Oasis Home Support"). Registered by the
/// council; details change through change requests the helpdesk accepts (R-CON-1).
public enum Service: EventStream {
    public static let category = "service"

    public struct State: Codable, Equatable, Sendable {
        public var registration: ServiceRegistered?
        public var details: ContactDetails?
        public var changeRequests = PendingChangeRequests<ContactDetails>()
        public var organisationID: OrganisationID? { registration?.organisationID }
    }

    public static let initialState = State()

    public enum Command: Sendable {
        /// Registers the service; `contract` is the state of the contract stream it is under.
        case register(ServiceRegistered, contract: Contract.State)
        /// A change request step on the details (R-CON-1).
        case changeDetails(DetailsChange)

        public var requiredPermission: Permission {
            switch self {
            case .register: .edit(.providerRegister)
            case .changeDetails(let change): change.permission(onDetailsOf: .serviceDetails)
            }
        }
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [ServiceEvent] {
        if case .register(let registration, let contract) = command {
            guard state.registration == nil else {
                throw DomainError.duplicate(field: "serviceID", "service \(registration.serviceID) is registered already")
            }
            guard let contractRegistration = contract.registration else {
                throw DomainError.notFound(field: "contractID", "there is no contract \(registration.contractID)")
            }
            guard contractRegistration.organisationID == registration.organisationID else {
                throw DomainError.invalidValue(
                    field: "contractID",
                    "contract \(registration.contractID) belongs to organisation \(contractRegistration.organisationID), not \(registration.organisationID)")
            }
            var checked = registration
            checked.details = try registration.details.validated()
            return [.registered(checked)]
        }
        guard let registration = state.registration else { throw DomainError.notFound(field: "serviceID", "there is no such service") }
        let id = registration.serviceID
        switch command {
        case .register:
            return []
        case .changeDetails(let change):
            switch try state.changeRequests.decide(change) {
            case .requested(let request, let proposed):
                return [.detailsChangeRequested(.init(serviceID: id, requestID: request, proposed: proposed))]
            case .accepted(let request, let details):
                return [.detailsChangeAccepted(.init(serviceID: id, requestID: request, details: details))]
            case .rejected(let request, let reason):
                return [.detailsChangeRejected(.init(serviceID: id, requestID: request, reason: reason))]
            }
        }
    }

    public static func evolve(_ state: State, _ event: ServiceEvent) -> State {
        var state = state
        switch event {
        case .registered(let e):
            state.registration = e
            state.details = e.details
        case .detailsChangeRequested(let e):
            state.changeRequests.add(e.requestID, e.proposed)
        case .detailsChangeAccepted(let e):
            state.details = e.details
            state.changeRequests.close(e.requestID)
        case .detailsChangeRejected(let e):
            state.changeRequests.close(e.requestID)
        }
        return state
    }
}

public enum ServiceEvent: StreamEvent {
    case registered(ServiceRegistered)
    case detailsChangeRequested(ServiceDetailsChangeRequested)
    case detailsChangeAccepted(ServiceDetailsChangeAccepted)
    case detailsChangeRejected(ServiceDetailsChangeRejected)

    public static let payloadTypes: [any EventPayload.Type] = [
        ServiceRegistered.self, ServiceDetailsChangeRequested.self, ServiceDetailsChangeAccepted.self, ServiceDetailsChangeRejected.self,
    ]

    public var payload: any EventPayload {
        switch self {
        case .registered(let p): p
        case .detailsChangeRequested(let p): p
        case .detailsChangeAccepted(let p): p
        case .detailsChangeRejected(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let p as ServiceRegistered: self = .registered(p)
        case let p as ServiceDetailsChangeRequested: self = .detailsChangeRequested(p)
        case let p as ServiceDetailsChangeAccepted: self = .detailsChangeAccepted(p)
        case let p as ServiceDetailsChangeRejected: self = .detailsChangeRejected(p)
        default: return nil
        }
    }
}

/// The council registered a service of an organisation under one of its contracts. `startDate` is the first
/// day of care through the portal: its period is the service's first period for actuals (R-PER-2).
public struct ServiceRegistered: EventPayload {
    public static let eventType = "ServiceRegistered"
    public static let schemaVersion = 1
    public var serviceID: ServiceID
    public var organisationID: OrganisationID
    public var contractID: ContractID
    public var details: ContactDetails
    public var startDate: BusinessDate

    public init(serviceID: ServiceID, organisationID: OrganisationID, contractID: ContractID, details: ContactDetails, startDate: BusinessDate) {
        self.serviceID = serviceID
        self.organisationID = organisationID
        self.contractID = contractID
        self.details = details
        self.startDate = startDate
    }
}

/// A provider asked to change a service's details (R-CON-1).
public struct ServiceDetailsChangeRequested: EventPayload {
    public static let eventType = "ServiceDetailsChangeRequested"
    public static let schemaVersion = 1
    public var serviceID: ServiceID
    public var requestID: ChangeRequestID
    public var proposed: ContactDetails
    public init(serviceID: ServiceID, requestID: ChangeRequestID, proposed: ContactDetails) {
        self.serviceID = serviceID
        self.requestID = requestID
        self.proposed = proposed
    }
}

/// The helpdesk accepted a service details change.
public struct ServiceDetailsChangeAccepted: EventPayload {
    public static let eventType = "ServiceDetailsChangeAccepted"
    public static let schemaVersion = 1
    public var serviceID: ServiceID
    public var requestID: ChangeRequestID
    public var details: ContactDetails
    public init(serviceID: ServiceID, requestID: ChangeRequestID, details: ContactDetails) {
        self.serviceID = serviceID
        self.requestID = requestID
        self.details = details
    }
}

/// The helpdesk rejected a service details change.
public struct ServiceDetailsChangeRejected: EventPayload {
    public static let eventType = "ServiceDetailsChangeRejected"
    public static let schemaVersion = 1
    public var serviceID: ServiceID
    public var requestID: ChangeRequestID
    public var reason: String
    public init(serviceID: ServiceID, requestID: ChangeRequestID, reason: String) {
        self.serviceID = serviceID
        self.requestID = requestID
        self.reason = reason
    }
}

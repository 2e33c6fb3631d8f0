/// `organisation-<id>`: a provider organisation, registered by the council; its details change only
/// through change requests that the helpdesk accepts (R-CON-1).
public enum Organisation: EventStream {
    public static let category = "organisation"

    public struct State: Codable, Equatable, Sendable {
        public var id: OrganisationID?
        public var details: ContactDetails?
        public var changeRequests = PendingChangeRequests<ContactDetails>()
        public var isRegistered: Bool { id != nil }
    }

    public static let initialState = State()

    public enum Command: Sendable {
        case register(OrganisationID, ContactDetails)
        /// A change request step on the details (R-CON-1).
        case changeDetails(DetailsChange)

        /// The permission the actor needs (R-ROLE).
        public var requiredPermission: Permission {
            switch self {
            case .register: .edit(.providerRegister)
            case .changeDetails(let change): change.permission(onDetailsOf: .organisationDetails)
            }
        }
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [OrganisationEvent] {
        if case .register(let id, let details) = command {
            guard !state.isRegistered else { throw DomainError.duplicate(field: "organisationID", "organisation \(id) is registered already") }
            return [.registered(OrganisationRegistered(organisationID: id, details: try details.validated()))]
        }
        guard let id = state.id else { throw DomainError.notFound(field: "organisationID", "there is no such organisation") }
        switch command {
        case .register:
            return []
        case .changeDetails(let change):
            switch try state.changeRequests.decide(change) {
            case .requested(let request, let proposed):
                return [.detailsChangeRequested(.init(organisationID: id, requestID: request, proposed: proposed))]
            case .accepted(let request, let details):
                return [.detailsChangeAccepted(.init(organisationID: id, requestID: request, details: details))]
            case .rejected(let request, let reason):
                return [.detailsChangeRejected(.init(organisationID: id, requestID: request, reason: reason))]
            }
        }
    }

    public static func evolve(_ state: State, _ event: OrganisationEvent) -> State {
        var state = state
        switch event {
        case .registered(let e):
            state.id = e.organisationID
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

public enum OrganisationEvent: StreamEvent {
    case registered(OrganisationRegistered)
    case detailsChangeRequested(OrganisationDetailsChangeRequested)
    case detailsChangeAccepted(OrganisationDetailsChangeAccepted)
    case detailsChangeRejected(OrganisationDetailsChangeRejected)

    public static let payloadTypes: [any EventPayload.Type] = [
        OrganisationRegistered.self, OrganisationDetailsChangeRequested.self,
        OrganisationDetailsChangeAccepted.self, OrganisationDetailsChangeRejected.self,
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
        case let p as OrganisationRegistered: self = .registered(p)
        case let p as OrganisationDetailsChangeRequested: self = .detailsChangeRequested(p)
        case let p as OrganisationDetailsChangeAccepted: self = .detailsChangeAccepted(p)
        case let p as OrganisationDetailsChangeRejected: self = .detailsChangeRejected(p)
        default: return nil
        }
    }
}

/// The council registered a provider organisation.
public struct OrganisationRegistered: EventPayload {
    public static let eventType = "OrganisationRegistered"
    public static let schemaVersion = 1
    public var organisationID: OrganisationID
    public var details: ContactDetails
    public init(organisationID: OrganisationID, details: ContactDetails) {
        self.organisationID = organisationID
        self.details = details
    }
}

/// A provider asked to change its organisation's details (R-CON-1).
public struct OrganisationDetailsChangeRequested: EventPayload {
    public static let eventType = "OrganisationDetailsChangeRequested"
    public static let schemaVersion = 1
    public var organisationID: OrganisationID
    public var requestID: ChangeRequestID
    public var proposed: ContactDetails
    public init(organisationID: OrganisationID, requestID: ChangeRequestID, proposed: ContactDetails) {
        self.organisationID = organisationID
        self.requestID = requestID
        self.proposed = proposed
    }
}

/// The helpdesk accepted a details change: the organisation's details are now these.
public struct OrganisationDetailsChangeAccepted: EventPayload {
    public static let eventType = "OrganisationDetailsChangeAccepted"
    public static let schemaVersion = 1
    public var organisationID: OrganisationID
    public var requestID: ChangeRequestID
    public var details: ContactDetails
    public init(organisationID: OrganisationID, requestID: ChangeRequestID, details: ContactDetails) {
        self.organisationID = organisationID
        self.requestID = requestID
        self.details = details
    }
}

/// The helpdesk rejected a details change; the details stay as they were.
public struct OrganisationDetailsChangeRejected: EventPayload {
    public static let eventType = "OrganisationDetailsChangeRejected"
    public static let schemaVersion = 1
    public var organisationID: OrganisationID
    public var requestID: ChangeRequestID
    public var reason: String
    public init(organisationID: OrganisationID, requestID: ChangeRequestID, reason: String) {
        self.organisationID = organisationID
        self.requestID = requestID
        self.reason = reason
    }
}

/// `iso-<id>`: an Individual Service Order ("contract document"), published by service brokerage with its
/// CPLIs, then agreed or rejected by the provider (R-ISO-1). Rejection flags an error in the document; a
/// corrected document is published as a new ISO. A care order the provider agreed in the council's earlier
/// system is brought in at onboarding as published and agreed at once, recorded as the council's (the operator
/// or brokerage) with a reason — never as the provider's own agreement.
public enum ISO: EventStream {
    public static let category = "iso"

    public enum Status: String, Codable, Equatable, Sendable, CaseIterable {
        case none
        case published
        case agreed
        case rejected
    }

    public struct State: Codable, Equatable, Sendable {
        public var publication: ISOPublished?
        public var status: Status = .none
        public var rejectionReason: String?
        public var organisationID: OrganisationID? { publication?.organisationID }
    }

    public static let initialState = State()

    public enum Command: Sendable {
        /// Publish the ISO with its CPLIs; `service` is the state of the service stream it is for.
        case publish(ISOPublished, service: Service.State)
        case agree
        case reject(reason: String)
        /// Bring in a care order the provider agreed before the portal (onboarding from the council's earlier
        /// system): published and recorded as agreed in one step, by the council, with the reason.
        case onboardAgreed(ISOPublished, service: Service.State, reason: String)

        public var requiredPermission: Permission {
            switch self {
            case .publish, .onboardAgreed: .edit(.commissioning)
            case .agree, .reject: .edit(.contractDocuments)
            }
        }
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [ISOEvent] {
        switch command {
        case .onboardAgreed(let publication, let service, let reason):
            guard case .published(let checked)? = try decide(.publish(publication, service: service), state, context).first else { return [] }
            guard let text = try TextInput.optional(reason, field: "reason", maximumLength: 1000) else {
                throw DomainError.invalidValue(field: "reason", "recording an agreement made before the portal needs a reason")
            }
            return [.published(checked), .agreementRecorded(ISOAgreementRecorded(isoID: checked.isoID, cpliIDs: checked.cpliIDs, reason: text))]
        case .publish(let publication, let service):
            guard state.status == .none else { throw DomainError.duplicate(field: "isoID", "ISO \(publication.isoID) exists already") }
            guard let registration = service.registration else {
                throw DomainError.notFound(field: "serviceID", "there is no service \(publication.serviceID)")
            }
            guard registration.organisationID == publication.organisationID else {
                throw DomainError.invalidValue(
                    field: "serviceID", "service \(publication.serviceID) belongs to organisation \(registration.organisationID), not \(publication.organisationID)")
            }
            guard !publication.cpliIDs.isEmpty else {
                throw DomainError.invalidValue(field: "cplis", "an ISO yields at least one CPLI")
            }
            guard Set(publication.cpliIDs).count == publication.cpliIDs.count else {
                throw DomainError.invalidValue(field: "cplis", "a CPLI id appears twice in the ISO")
            }
            var checked = publication
            checked.clientReference = try TextInput.required(publication.clientReference, field: "clientReference", maximumLength: 50)
            checked.clientName = try TextInput.required(publication.clientName, field: "clientName")
            return [.published(checked)]
        case .agree:
            let publication = try requirePublished(state, "agreed")
            return [.agreed(ISOAgreed(isoID: publication.isoID, cpliIDs: publication.cpliIDs))]
        case .reject(let reason):
            let publication = try requirePublished(state, "rejected")
            let text = try TextInput.optional(reason, field: "reason", maximumLength: 1000)
            guard let text else {
                throw DomainError.ruleBroken("R-ISO-1", field: "reason", "a rejection needs a reason saying what is wrong in the document")
            }
            return [.rejected(ISORejected(isoID: publication.isoID, reason: text))]
        }
    }

    private static func requirePublished(_ state: State, _ verb: String) throws(DomainError) -> ISOPublished {
        guard let publication = state.publication else { throw .notFound(field: "isoID", "there is no such ISO") }
        guard state.status == .published else {
            throw .ruleBroken("R-ISO-1", field: "isoID", "ISO \(publication.isoID) is \(state.status.rawValue); only a published ISO can be \(verb)")
        }
        return publication
    }

    public static func evolve(_ state: State, _ event: ISOEvent) -> State {
        var state = state
        switch event {
        case .published(let e):
            state.publication = e
            state.status = .published
        case .agreed, .agreementRecorded:
            state.status = .agreed
        case .rejected(let e):
            state.status = .rejected
            state.rejectionReason = e.reason
        }
        return state
    }
}

public enum ISOEvent: StreamEvent {
    case published(ISOPublished)
    case agreed(ISOAgreed)
    case rejected(ISORejected)
    case agreementRecorded(ISOAgreementRecorded)

    public static let payloadTypes: [any EventPayload.Type] = [ISOPublished.self, ISOAgreed.self, ISORejected.self, ISOAgreementRecorded.self]

    public var payload: any EventPayload {
        switch self {
        case .published(let p): p
        case .agreed(let p): p
        case .rejected(let p): p
        case .agreementRecorded(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let p as ISOPublished: self = .published(p)
        case let p as ISOAgreed: self = .agreed(p)
        case let p as ISORejected: self = .rejected(p)
        case let p as ISOAgreementRecorded: self = .agreementRecorded(p)
        default: return nil
        }
    }
}

/// Service brokerage published an ISO for one client; its CPLIs are commissioned in the same append.
public struct ISOPublished: EventPayload {
    public static let eventType = "ISOPublished"
    public static let schemaVersion = 1
    public var isoID: ISOID
    public var organisationID: OrganisationID
    public var serviceID: ServiceID
    public var clientReference: String
    public var clientName: String
    public var cpliIDs: [CPLIID]
    public init(isoID: ISOID, organisationID: OrganisationID, serviceID: ServiceID, clientReference: String, clientName: String, cpliIDs: [CPLIID]) {
        self.isoID = isoID
        self.organisationID = organisationID
        self.serviceID = serviceID
        self.clientReference = clientReference
        self.clientName = clientName
        self.cpliIDs = cpliIDs
    }
}

/// The provider agreed the ISO; its CPLIs are activated in the same append (R-ISO-3).
public struct ISOAgreed: EventPayload {
    public static let eventType = "ISOAgreed"
    public static let schemaVersion = 1
    public var isoID: ISOID
    public var cpliIDs: [CPLIID]
    public init(isoID: ISOID, cpliIDs: [CPLIID]) {
        self.isoID = isoID
        self.cpliIDs = cpliIDs
    }
}

/// The provider rejected the ISO, saying what is wrong in it (R-ISO-1).
public struct ISORejected: EventPayload {
    public static let eventType = "ISORejected"
    public static let schemaVersion = 1
    public var isoID: ISOID
    public var reason: String
    public init(isoID: ISOID, reason: String) {
        self.isoID = isoID
        self.reason = reason
    }
}

/// The council recorded that the provider had agreed this ISO before the portal, in the council's earlier
/// system (onboarding): the ISO is agreed and its CPLIs are activated in the same append. The envelope names who
/// recorded it (the operator or service brokerage); the provider's own agreement is ``ISOAgreed``.
public struct ISOAgreementRecorded: EventPayload {
    public static let eventType = "ISOAgreementRecorded"
    public static let schemaVersion = 1
    public var isoID: ISOID
    public var cpliIDs: [CPLIID]
    /// Why it is recorded on the provider's behalf, e.g. "agreed in the council's earlier system before go-live".
    public var reason: String
    public init(isoID: ISOID, cpliIDs: [CPLIID], reason: String) {
        self.isoID = isoID
        self.cpliIDs = cpliIDs
        self.reason = reason
    }
}

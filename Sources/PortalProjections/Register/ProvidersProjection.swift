import Chronology
import EventLog
import PortalDomain

/// The provider register: organisations, their contracts and services, with their details and the details
/// change requests waiting for the helpdesk (R-CON-1). Keyed by organisation.
///
/// Tables: `organisations` [org] → ``OrganisationEntry``; `contracts` [org, contract] → ``ContractEntry``;
/// `services` [org, service] → ``ServiceEntry``; `service-owners` [service] → org.
public enum ProvidersProjection: Projection {
    public static let name = "providers"
    public static let version = 2
    public static let tables = ["organisations", "contracts", "services", "service-owners"]
    public static let eventTypes: Set<String> = [
        OrganisationRegistered.eventType, OrganisationDetailsChangeRequested.eventType,
        OrganisationDetailsChangeAccepted.eventType, OrganisationDetailsChangeRejected.eventType,
        ContractRegistered.eventType,
        ServiceRegistered.eventType, ServiceDetailsChangeRequested.eventType,
        ServiceDetailsChangeAccepted.eventType, ServiceDetailsChangeRejected.eventType,
    ]

    public static func apply(_ event: ProjectedEvent, to model: borrowing ReadModelWriter) throws {
        let step = StepRecord(event)
        switch event.payload {
        case let e as OrganisationRegistered:
            try model.put(OrganisationEntry(organisationID: e.organisationID, details: e.details, pendingChanges: [],
                                            registered: step, lastChanged: step, version: event.envelope.streamVersion),
                          "organisations", ReadModelKey(.text(e.organisationID.rawValue)))
        case let e as OrganisationDetailsChangeRequested:
            try changeOrganisation(e.organisationID, .requested(e.requestID, e.proposed), step, event, model)
        case let e as OrganisationDetailsChangeAccepted:
            try changeOrganisation(e.organisationID, .accepted(e.requestID, e.details), step, event, model)
        case let e as OrganisationDetailsChangeRejected:
            try changeOrganisation(e.organisationID, .rejected(e.requestID), step, event, model)
        case let e as ContractRegistered:
            try model.put(ContractEntry(contract: e, registered: step, version: event.envelope.streamVersion),
                          "contracts", ReadModelKey(.text(e.organisationID.rawValue), .text(e.contractID.rawValue)))
        case let e as ServiceRegistered:
            let contract = try model.require(ContractEntry.self, "contracts",
                                             ReadModelKey(.text(e.organisationID.rawValue), .text(e.contractID.rawValue)),
                                             "contract \(e.contractID)", for: event)
            try model.putOwner(e.organisationID, "service-owners", e.serviceID.rawValue)
            try model.put(ServiceEntry(serviceID: e.serviceID, organisationID: e.organisationID, contractID: e.contractID,
                                       contractName: contract.contract.name, contractType: contract.contract.contractType,
                                       paymentBasis: contract.contract.paymentBasis, startDate: e.startDate, details: e.details,
                                       pendingChanges: [], registered: step, lastChanged: step, version: event.envelope.streamVersion),
                          "services", ReadModelKey(.text(e.organisationID.rawValue), .text(e.serviceID.rawValue)))
        case let e as ServiceDetailsChangeRequested:
            try changeService(e.serviceID, .requested(e.requestID, e.proposed), step, event, model)
        case let e as ServiceDetailsChangeAccepted:
            try changeService(e.serviceID, .accepted(e.requestID, e.details), step, event, model)
        case let e as ServiceDetailsChangeRejected:
            try changeService(e.serviceID, .rejected(e.requestID), step, event, model)
        default:
            return
        }
    }

    private static func changeOrganisation(_ id: OrganisationID, _ change: DetailsChangeStep, _ step: StepRecord,
                                           _ event: ProjectedEvent, _ model: borrowing ReadModelWriter) throws {
        try change.apply(OrganisationEntry.self, "organisations", ReadModelKey(.text(id.rawValue)), "organisation \(id)", step, event, model)
    }

    private static func changeService(_ id: ServiceID, _ change: DetailsChangeStep, _ step: StepRecord,
                                      _ event: ProjectedEvent, _ model: borrowing ReadModelWriter) throws {
        let owner = try model.requireOwner("service-owners", id.rawValue, "service", for: event)
        try change.apply(ServiceEntry.self, "services", ReadModelKey(.text(owner.rawValue), .text(id.rawValue)), "service \(id)", step, event, model)
    }
}

/// A register entry whose details change by request (R-CON-1).
protocol DetailsRecord: Codable {
    var details: ContactDetails { get set }
    var pendingChanges: [PendingDetailsChange] { get set }
    var lastChanged: StepRecord { get set }
    var version: UInt64 { get set }
}

extension OrganisationEntry: DetailsRecord {}
extension ServiceEntry: DetailsRecord {}

/// One step of a details change request, the same for organisations and services (R-CON-1).
enum DetailsChangeStep {
    case requested(ChangeRequestID, ContactDetails)
    case accepted(ChangeRequestID, ContactDetails)
    case rejected(ChangeRequestID)

    /// Applies the step to the entry under `key`.
    func apply<Entry: DetailsRecord>(_ type: Entry.Type, _ table: String, _ key: ReadModelKey, _ what: String, _ step: StepRecord,
                                     _ event: ProjectedEvent, _ model: borrowing ReadModelWriter) throws {
        var entry = try model.require(type, table, key, what, for: event)
        entry.version = event.envelope.streamVersion
        switch self {
        case .requested(let id, let proposed):
            entry.pendingChanges.append(PendingDetailsChange(requestID: id, proposed: proposed, requested: step))
        case .accepted(let id, let accepted):
            entry.details = accepted
            entry.lastChanged = step
            entry.pendingChanges.removeAll { $0.requestID == id }
        case .rejected(let id):
            entry.pendingChanges.removeAll { $0.requestID == id }
        }
        try model.put(entry, table, key)
    }
}

/// A details change request waiting for the helpdesk.
public struct PendingDetailsChange: Codable, Sendable, Hashable {
    public var requestID: ChangeRequestID
    public var proposed: ContactDetails
    public var requested: StepRecord
}

/// A provider organisation as it stands.
public struct OrganisationEntry: Codable, Sendable, Equatable {
    public var organisationID: OrganisationID
    public var details: ContactDetails
    /// Change requests not yet accepted or rejected, oldest first.
    public var pendingChanges: [PendingDetailsChange]
    public var registered: StepRecord
    /// The registration or the last accepted details change.
    public var lastChanged: StepRecord
    /// The version of the organisation's stream (its HTTP ETag): how many of its events are applied.
    public var version: UInt64
}

/// A contract between the council and a provider: its registration (type, payment basis, dates) and who
/// registered it.
public struct ContractEntry: Codable, Sendable, Equatable {
    public var contract: ContractRegistered
    public var registered: StepRecord
    /// The version of the contract's stream (its HTTP ETag).
    public var version: UInt64
}

/// A provider's service, with its contract's type and payment basis.
public struct ServiceEntry: Codable, Sendable, Equatable {
    public var serviceID: ServiceID
    public var organisationID: OrganisationID
    public var contractID: ContractID
    public var contractName: String
    public var contractType: ContractType
    public var paymentBasis: PaymentBasis
    /// The first day of care through the portal; its period is the service's first period (R-PER-2).
    public var startDate: BusinessDate
    public var details: ContactDetails
    public var pendingChanges: [PendingDetailsChange]
    public var registered: StepRecord
    public var lastChanged: StepRecord
    /// The version of the service's stream (its HTTP ETag).
    public var version: UInt64
}

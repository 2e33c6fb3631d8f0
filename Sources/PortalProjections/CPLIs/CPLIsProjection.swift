import Chronology
import PortalDomain

/// Care Package Line Items ("service agreements") with their contract document's status and the cost of
/// care (R-ISO-3): folded by the domain's `CPLI.evolve`, listed by organisation and service.
///
/// Tables: `cplis` [org, cpli] → ``CPLIEntry``; `by-service` [org, service, cpli]; `cpli-owners` [cpli] → org;
/// `iso-cplis` [iso] → the ISO's CPLI ids (a rejection names only the ISO); `service-owners` [service] → org.
public enum CPLIsProjection: Projection {
    public static let name = "cplis"
    public static let version = 1
    public static let tables = ["cplis", "by-service", "cpli-owners", "iso-cplis", "service-owners"]
    public static let eventTypes: Set<String> = [
        CPLICommissioned.eventType, CPLIActivated.eventType, ISOPublished.eventType, ISOAgreed.eventType, ISORejected.eventType,
        ISOAgreementRecorded.eventType, ServiceRegistered.eventType,
    ]

    public static func apply(_ event: ProjectedEvent, to model: borrowing ReadModelWriter) throws {
        let step = StepRecord(event)
        switch event.payload {
        case let e as ServiceRegistered:
            try model.putOwner(e.organisationID, "service-owners", e.serviceID.rawValue)
        case let e as ISOPublished:
            try model.put(e.cpliIDs, "iso-cplis", ReadModelKey(.text(e.isoID.rawValue)))
        case let e as ISOAgreed:
            for cpli in e.cpliIDs { try update(cpli, event, model) { $0.documentStatus = .agreed } }
        case let e as ISOAgreementRecorded:
            // Onboarding appends the CPLIs' events before their ISO's, so the CPLIs are there.
            for cpli in e.cpliIDs { try update(cpli, event, model) { $0.documentStatus = .agreed } }
        case let e as ISORejected:
            let cplis = try model.require([CPLIID].self, "iso-cplis", ReadModelKey(.text(e.isoID.rawValue)), "ISO \(e.isoID)", for: event)
            for cpli in cplis { try update(cpli, event, model) { $0.documentStatus = .rejected } }
        case let e as CPLICommissioned:
            let definition = e.definition
            let entry = CPLIEntry(cpli: CPLI.evolve(CPLI.initialState, .commissioned(e)), documentStatus: .published,
                                  commissioned: step, activated: nil)
            try model.putOwner(definition.organisationID, "cpli-owners", definition.cpliID.rawValue)
            try model.putBytes([], "by-service", ReadModelKey(
                .text(definition.organisationID.rawValue), .text(definition.serviceID.rawValue), .text(definition.cpliID.rawValue)))
            try model.put(entry, "cplis", ReadModelKey(.text(definition.organisationID.rawValue), .text(definition.cpliID.rawValue)))
        case let e as CPLIActivated:
            try update(e.cpliID, event, model) { entry in
                entry.cpli = CPLI.evolve(entry.cpli, .activated(e))
                entry.activated = step
            }
        default:
            return
        }
    }

    private static func update(_ cpli: CPLIID, _ event: ProjectedEvent, _ model: borrowing ReadModelWriter,
                               _ change: (inout CPLIEntry) -> Void) throws {
        let owner = try model.requireOwner("cpli-owners", cpli.rawValue, "CPLI", for: event)
        let key = ReadModelKey(.text(owner.rawValue), .text(cpli.rawValue))
        var entry = try model.require(CPLIEntry.self, "cplis", key, "CPLI \(cpli)", for: event)
        change(&entry)
        try model.put(entry, "cplis", key)
    }
}

/// A CPLI as it stands, with its cost of care.
public struct CPLIEntry: Codable, Sendable, Equatable {
    /// The CPLI's state folded by `CPLI.evolve`: its definition and whether it is commissioned or active.
    public var cpli: CPLI.State
    /// Its contract document's status: published (awaiting the provider), agreed or rejected.
    public var documentStatus: ISO.Status
    public var commissioned: StepRecord
    /// When the ISO's agreement made it active (R-ISO-3).
    public var activated: StepRecord?

    public var definition: CPLIDefinition { cpli.definition! }
    public var isActive: Bool { cpli.status == .active }

    /// The weekly cost of the planned care (``CPLIDefinition/weeklyCost``).
    public var weeklyCost: Money { definition.weeklyCost }
    /// A full four-week period's cost (``CPLIDefinition/periodCost``).
    public var periodCost: Money { definition.periodCost }
}

import Chronology
import EventLog
import PortalDomain

/// Contract documents (ISOs) with their status, folded by the domain's `ISO.evolve`, the CPLIs each one
/// commissions, and who published, agreed or rejected them (R-ISO-1, R-ISO-2). Filterable by status and
/// "updated since".
///
/// Tables: `documents` [org, iso] → ``ContractDocumentEntry``; `lines` [org, iso, cpli] → `CPLIDefinition`;
/// `by-updated` [org, updated at, iso] and `all-by-updated` [updated at, org, iso] (indexes that move on
/// every change); `iso-owners` [iso] → org.
public enum ContractDocumentsProjection: Projection {
    public static let name = "contract-documents"
    public static let version = 2
    public static let tables = ["documents", "lines", "by-updated", "all-by-updated", "iso-owners"]
    public static let eventTypes: Set<String> = [
        ISOPublished.eventType, ISOAgreed.eventType, ISORejected.eventType, ISOAgreementRecorded.eventType,
        CPLICommissioned.eventType,
    ]

    public static func apply(_ event: ProjectedEvent, to model: borrowing ReadModelWriter) throws {
        if let commissioned = event.payload as? CPLICommissioned {
            let definition = commissioned.definition
            try model.put(definition, "lines", ReadModelKey(
                .text(definition.organisationID.rawValue), .text(definition.isoID.rawValue), .text(definition.cpliID.rawValue)))
            return
        }
        guard let isoEvent = ISOEvent(payload: event.payload) else { return }
        let step = StepRecord(event)
        let old: ContractDocumentEntry?
        var entry: ContractDocumentEntry
        switch isoEvent {
        case .published(let published):
            old = nil
            try model.putOwner(published.organisationID, "iso-owners", published.isoID.rawValue)
            entry = ContractDocumentEntry(document: ISO.initialState, published: step, decided: nil, updated: step, version: 0)
        case .agreed(let e):
            old = try load(e.isoID, event, model)
            entry = old!
            entry.decided = step
        case .agreementRecorded(let e):
            old = try load(e.isoID, event, model)
            entry = old!
            entry.decided = step
        case .rejected(let e):
            old = try load(e.isoID, event, model)
            entry = old!
            entry.decided = step
        }
        entry.document = ISO.evolve(entry.document, isoEvent)
        entry.updated = step
        entry.version = event.envelope.streamVersion
        guard let organisation = entry.organisationID, let iso = entry.isoID else { return }
        try model.moveIndexes(from: old?.indexEntries ?? [], to: entry.indexEntries)
        try model.put(entry, "documents", ReadModelKey(.text(organisation.rawValue), .text(iso.rawValue)))
    }

    private static func load(_ iso: ISOID, _ event: ProjectedEvent, _ model: borrowing ReadModelWriter) throws -> ContractDocumentEntry {
        try model.requireOwned(ContractDocumentEntry.self, "documents", owners: "iso-owners", id: iso.rawValue, "ISO", for: event)
    }
}

/// A contract document as it stands.
public struct ContractDocumentEntry: Codable, Sendable, Equatable {
    /// The ISO's state folded by `ISO.evolve`: the publication (client, service, CPLI ids), status and
    /// rejection reason.
    public var document: ISO.State
    public var published: StepRecord
    /// The provider's agreement or rejection.
    public var decided: StepRecord?
    /// The last change: what "updated since" filters on.
    public var updated: StepRecord
    /// The version of the ISO's stream (its HTTP ETag).
    public var version: UInt64

    public var isoID: ISOID? { document.publication?.isoID }
    public var organisationID: OrganisationID? { document.organisationID }
    public var status: ISO.Status { document.status }

    var indexEntries: [IndexEntry] {
        guard let organisation = organisationID?.rawValue, let iso = isoID?.rawValue else { return [] }
        return [
            IndexEntry("by-updated", .text(organisation), .instant(updated.at), .text(iso)),
            IndexEntry("all-by-updated", .instant(updated.at), .text(organisation), .text(iso)),
        ]
    }
}

/// A contract document with the CPLIs it commissions (what its PDF shows).
public struct ContractDocument: Codable, Sendable, Equatable {
    public var entry: ContractDocumentEntry
    public var lines: [CPLIDefinition]
}

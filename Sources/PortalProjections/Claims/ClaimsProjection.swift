import Chronology
import EventLog
import PortalDomain

/// One-off claims (R-OOC) as they stand, folded by the domain's `OneOffClaim.evolve`, with who took each step;
/// the Payments Team's queue of submitted claims awaiting approval, oldest first.
///
/// Tables: `claims` [org, claim] → ``ClaimEntry``; `claim-owners` [claim] → org; `awaiting-approval`
/// [submitted at, org, claim].
public enum ClaimsProjection: Projection {
    public static let name = "claims"
    public static let version = 2
    public static let tables = ["claims", "claim-owners", "awaiting-approval"]
    public static let eventTypes = Set(OneOffClaimEvent.payloadTypes.map { $0.eventType })

    public static func apply(_ event: ProjectedEvent, to model: borrowing ReadModelWriter) throws {
        guard let claimEvent = OneOffClaimEvent(payload: event.payload) else { return }
        let step = StepRecord(event)
        let old: ClaimEntry?
        if case .created(let e) = claimEvent {
            old = nil
            try model.putOwner(e.organisationID, "claim-owners", e.claimID.rawValue)
        } else {
            let id = claimEvent.claimID
            old = try model.requireOwned(ClaimEntry.self, "claims", owners: "claim-owners", id: id.rawValue, "claim", for: event)
        }
        var entry = old ?? ClaimEntry(claim: OneOffClaim.initialState, history: [], version: 0)
        entry.claim = OneOffClaim.evolve(entry.claim, claimEvent)
        entry.version = event.envelope.streamVersion
        var reason: String?
        if case .rejected(let e) = claimEvent { reason = e.reason }
        entry.history.append(HistoryStep(step: step, reason: reason))
        guard let created = entry.claim.created else { return }
        try model.moveIndexes(from: old?.indexEntries ?? [], to: entry.indexEntries)
        try model.put(entry, "claims", ReadModelKey(.text(created.organisationID.rawValue), .text(created.claimID.rawValue)))
    }
}

extension OneOffClaimEvent {
    var claimID: ClaimID {
        switch self {
        case .created(let e): e.claimID
        case .submitted(let e): e.claimID
        case .withdrawn(let e): e.claimID
        case .approved(let e): e.claimID
        case .rejected(let e): e.claimID
        case .invoiced(let e): e.claimID
        }
    }
}

/// A one-off claim as it stands, with its story.
public struct ClaimEntry: Codable, Sendable, Equatable {
    /// The claim folded by `OneOffClaim.evolve`: client items, dates, hours, amounts, status, rejection reason
    /// and the contract-level invoice that pays it.
    public var claim: OneOffClaim.State
    /// Every step, oldest first.
    public var history: [HistoryStep]
    /// The version of the claim's stream (its HTTP ETag).
    public var version: UInt64

    public var claimID: ClaimID { claim.created!.claimID }
    public var organisationID: OrganisationID { claim.created!.organisationID }
    public var status: OneOffClaim.Status { claim.status }

    var indexEntries: [IndexEntry] {
        guard let created = claim.created, claim.status == .submitted,
              let submitted = history.last(where: { $0.step.event == OneOffClaimSubmitted.eventType }) else { return [] }
        return [IndexEntry("awaiting-approval", .instant(submitted.step.at), .text(created.organisationID.rawValue), .text(created.claimID.rawValue))]
    }
}

import PortalDomain

/// Whose rows a query may see: a provider user sees only its own organisation's rows (R-ROLE-2); council
/// staff, auditors and the portal's jobs see every organisation's.
///
/// Queries given an organisation scope read only keys under that organisation, and answer "not found" for
/// another organisation's record, so the HTTP layer can answer 404 without learning whether it exists.
public enum ReadScope: Sendable, Hashable, CustomStringConvertible {
    /// One provider organisation.
    case organisation(OrganisationID)
    /// Every organisation: council staff, auditors, system jobs.
    case council

    /// The scope of `actor`: its organisation when it is a provider user, else every organisation.
    public init(_ actor: Actor) {
        if let organisation = actor.organisation {
            self = .organisation(organisation)
        } else {
            self = .council
        }
    }

    /// The organisation the scope is limited to, or nil for the council's scope.
    public var organisation: OrganisationID? {
        if case .organisation(let organisation) = self { return organisation }
        return nil
    }

    /// Whether rows of `organisation` are visible.
    public func allows(_ organisation: OrganisationID) -> Bool {
        switch self {
        case .organisation(let own): own == organisation
        case .council: true
        }
    }

    public var description: String {
        switch self {
        case .organisation(let organisation): "organisation \(organisation)"
        case .council: "council"
        }
    }
}

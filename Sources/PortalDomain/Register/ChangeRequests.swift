/// The change requests of one record waiting for the helpdesk (R-CON-1): only acceptance changes the record.
public struct PendingChangeRequests<Change: Codable & Equatable & Sendable>: Codable, Equatable, Sendable {
    /// Open requests by id.
    public private(set) var open: [ChangeRequestID: Change] = [:]
    /// Every request id ever used on the record, so that an id cannot be reused.
    public private(set) var used: [ChangeRequestID] = []

    public init() {}

    /// Refuses a request id already used on this record.
    public func checkNew(_ id: ChangeRequestID) throws(DomainError) {
        guard !used.contains(id) else { throw .duplicate(field: "requestID", "change request \(id) exists already") }
    }

    /// The open request with this id, or an error saying it is unknown or already decided.
    public func pending(_ id: ChangeRequestID) throws(DomainError) -> Change {
        if let change = open[id] { return change }
        if used.contains(id) {
            throw .wrongState(field: "requestID", "change request \(id) was already accepted or rejected", rule: "R-CON-1")
        }
        throw .notFound(field: "requestID", "there is no change request \(id)")
    }

    public mutating func add(_ id: ChangeRequestID, _ change: Change) {
        open[id] = change
        used.append(id)
    }

    public mutating func close(_ id: ChangeRequestID) {
        open.removeValue(forKey: id)
    }

    /// A rejection's reason, trimmed, or an error when it is missing.
    public static func reason(_ text: String) throws(DomainError) -> String {
        try TextInput.required(text, field: "reason", maximumLength: 1000)
    }
}

/// A change request step on organisation or service details (R-CON-1).
public enum DetailsChange: Sendable, Equatable {
    /// A provider asks for new details.
    case request(ChangeRequestID, ContactDetails)
    /// The helpdesk accepts: the details become the requested ones.
    case accept(ChangeRequestID)
    /// The helpdesk rejects, giving a reason.
    case reject(ChangeRequestID, reason: String)

    /// The permission for this step on details of `area` (organisation or service details).
    public func permission(onDetailsOf area: PortalArea) -> Permission {
        switch self {
        case .request: .edit(area)
        case .accept, .reject: .edit(.changeRequestDecisions)
        }
    }
}

/// What a details change step decided, for the stream to turn into its own event.
public enum DetailsChangeOutcome: Sendable, Equatable {
    case requested(ChangeRequestID, proposed: ContactDetails)
    case accepted(ChangeRequestID, details: ContactDetails)
    case rejected(ChangeRequestID, reason: String)
}

extension PendingChangeRequests where Change == ContactDetails {
    /// Checks a step against the open requests: a new id to request, an open request to accept or reject,
    /// a reason to reject.
    public func decide(_ change: DetailsChange) throws(DomainError) -> DetailsChangeOutcome {
        switch change {
        case .request(let id, let details):
            try checkNew(id)
            return .requested(id, proposed: try details.validated())
        case .accept(let id):
            return .accepted(id, details: try pending(id))
        case .reject(let id, let reason):
            _ = try pending(id)
            return .rejected(id, reason: try Self.reason(reason))
        }
    }
}

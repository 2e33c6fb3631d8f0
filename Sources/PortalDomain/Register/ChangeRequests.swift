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

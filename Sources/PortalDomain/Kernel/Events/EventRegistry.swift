import Foundation

/// An event the registry cannot turn into a payload: an unknown type or version, or bytes that do not
/// match the type's shape.
public struct EventDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public let eventType: String
    public let schemaVersion: Int
    public let message: String

    public var description: String { message }

    static func unknown(_ type: String, _ version: Int) -> Self {
        .init(eventType: type, schemaVersion: version,
              message: "event type \(type) version \(version) is not registered; this build cannot read it")
    }

    static func undecodable(_ type: String, _ version: Int, _ reason: String) -> Self {
        .init(eventType: type, schemaVersion: version, message: "event \(type) v\(version): payload does not match its schema: \(reason)")
    }

    static func otherStream(_ type: String, _ version: Int, _ stream: String) -> Self {
        .init(eventType: type, schemaVersion: version, message: "event \(type) v\(version) does not belong to a \(stream) stream")
    }
}

/// Every event type of the portal, and the way back from the log's `(type, schemaVersion, payload)` to a
/// typed event. Used by the application, the schema test, projections and the audit tool.
public enum EventRegistry {
    /// The event enums of every stream kind. A new stream kind adds its enum here.
    public static let streamEvents: [any StreamEvent.Type] = [
        OrganisationEvent.self,
        ContractEvent.self,
        ServiceEvent.self,
        UserEvent.self,
        ISOEvent.self,
        CPLIEvent.self,
        ServiceCPLIsEvent.self,
        ActualsEvent.self,
        PeriodLocksEvent.self,
        ImportsEvent.self,
        // Part 2: invoices, credit notes, claims, conversations, payments.
        InvoiceEvent.self,
        InvoiceReferencesEvent.self,
        CreditNoteEvent.self,
        OneOffClaimEvent.self,
        ConversationEvent.self,
        ScheduledPaymentsEvent.self,
        PaymentRunEvent.self,
        // The settings a data folder's history is recorded under.
        DeploymentEvent.self,
        // Machine accounts of jobs (API keys).
        JobKeyEvent.self,
    ]

    /// Every registered payload type.
    public static var payloadTypes: [any EventPayload.Type] { streamEvents.flatMap { $0.payloadTypes } }

    private static let byKey: [String: any EventPayload.Type] = {
        var table: [String: any EventPayload.Type] = [:]
        for type in streamEvents.flatMap({ $0.payloadTypes }) {
            let key = "\(type.eventType)@\(type.schemaVersion)"
            precondition(table[key] == nil, "event type \(key) is registered twice")
            table[key] = type
        }
        return table
    }()

    /// The payload type registered for `type` at `schemaVersion`, or nil.
    public static func payloadType(named type: String, schemaVersion: Int) -> (any EventPayload.Type)? {
        byKey["\(type)@\(schemaVersion)"]
    }

    /// Decodes a stored payload into its registered type.
    public static func decodePayload(type: String, schemaVersion: Int, payload: Data) throws(EventDecodingError) -> any EventPayload {
        guard let payloadType = payloadType(named: type, schemaVersion: schemaVersion) else {
            throw .unknown(type, schemaVersion)
        }
        do {
            return try JSONDecoder().decode(payloadType, from: payload)
        } catch {
            throw .undecodable(type, schemaVersion, String(describing: error))
        }
    }

    /// Decodes a stored event of a stream of kind `E`.
    public static func decode<E: StreamEvent>(_ kind: E.Type, type: String, schemaVersion: Int, payload: Data) throws(EventDecodingError) -> E {
        let decoded = try decodePayload(type: type, schemaVersion: schemaVersion, payload: payload)
        guard let event = E(payload: decoded) else { throw .otherStream(type, schemaVersion, String(describing: E.self)) }
        return event
    }
}

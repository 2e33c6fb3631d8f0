/// Which kind of payment document holds a reference or a remittance line.
public enum DocumentKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// A service's invoice for one period (R-INV-1).
    case invoice
    /// An invoice of an upward correction of a paid period (R-INV-4).
    case supplementaryInvoice = "supplementary-invoice"
    /// An invoice at contract level of approved one-off claims (R-OOC-4).
    case contractInvoice = "contract-invoice"
    /// A negative document of a downward correction of a paid period (R-INV-4).
    case creditNote = "credit-note"
    /// A four-weekly scheduled payment of a scheduled contract (R-PAY-1).
    case scheduledPayment = "scheduled-payment"

    public var description: String { rawValue }
}

/// `invoicerefs-<organisationId>`: the references a provider has given its invoices and credit notes, so
/// that each is used once (R-INV-1). A reference is reserved in the same atomic append that creates its
/// document; references are compared without regard to letter case.
public enum InvoiceReferences: EventStream {
    public static let category = "invoicerefs"

    public struct State: Codable, Equatable, Sendable {
        /// Reservations by the lowercased reference.
        public var reserved: [String: InvoiceReferenceReserved] = [:]

        /// The reservation of `reference`, whatever its case.
        public func reservation(of reference: String) -> InvoiceReferenceReserved? { reserved[reference.lowercased()] }
    }

    public static let initialState = State()

    /// Longest reference, in characters.
    public static let maximumLength = 30

    public enum Command: Sendable {
        /// Reserve `reference` for a new document of the organisation.
        case reserve(organisation: OrganisationID, reference: String, kind: DocumentKind, documentID: String)

        public var requiredPermission: Permission { .edit(.invoices) }
    }

    /// A reference as the provider typed it, trimmed and checked: 1 to 30 characters, no control character.
    public static func validated(_ reference: String, field: String = "reference") throws(DomainError) -> String {
        try TextInput.required(reference, field: field, maximumLength: maximumLength)
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [InvoiceReferencesEvent] {
        switch command {
        case .reserve(let organisation, let reference, let kind, let documentID):
            let text = try validated(reference)
            if let earlier = state.reservation(of: text) {
                throw DomainError.duplicate(
                    field: "reference",
                    "reference \(text) is already used by \(earlier.kind) \(earlier.documentID); give each invoice and credit note its own reference",
                    rule: "R-INV-1")
            }
            return [.reserved(InvoiceReferenceReserved(organisationID: organisation, reference: text, kind: kind, documentID: documentID))]
        }
    }

    public static func evolve(_ state: State, _ event: InvoiceReferencesEvent) -> State {
        var state = state
        switch event {
        case .reserved(let e): state.reserved[e.reference.lowercased()] = e
        }
        return state
    }
}

public enum InvoiceReferencesEvent: StreamEvent {
    case reserved(InvoiceReferenceReserved)

    public static let payloadTypes: [any EventPayload.Type] = [InvoiceReferenceReserved.self]

    public var payload: any EventPayload {
        switch self {
        case .reserved(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        guard let p = payload as? InvoiceReferenceReserved else { return nil }
        self = .reserved(p)
    }
}

/// A provider's reference was taken by one of its documents (R-INV-1).
public struct InvoiceReferenceReserved: EventPayload {
    public static let eventType = "InvoiceReferenceReserved"
    public static let schemaVersion = 1
    public var organisationID: OrganisationID
    public var reference: String
    public var kind: DocumentKind
    public var documentID: String

    public init(organisationID: OrganisationID, reference: String, kind: DocumentKind, documentID: String) {
        self.organisationID = organisationID
        self.reference = reference
        self.kind = kind
        self.documentID = documentID
    }
}

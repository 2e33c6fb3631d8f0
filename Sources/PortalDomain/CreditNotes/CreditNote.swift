import Chronology

/// `creditnote-<id>`: a negative document against a paid invoice, raised when actuals of a paid period are
/// corrected downwards (R-INV-4). Its lines are exactly the differences; the next payment run deducts it from
/// the provider's remittance and settles it.
public enum CreditNote: EventStream {
    public static let category = "creditnote"

    public enum Status: String, Codable, Equatable, Sendable {
        case none
        /// Raised, waiting for a payment run to deduct it.
        case raised
        /// Deducted by a payment run.
        case settled
    }

    public struct State: Codable, Equatable, Sendable {
        public var raised: CreditNoteRaised?
        public var settlement: CreditNoteSettled?

        public var status: Status { settlement != nil ? .settled : raised != nil ? .raised : .none }
    }

    public static let initialState = State()

    public enum Command: Sendable {
        /// Raise a credit note of `difference` (a negative line) against the paid invoice `against`.
        case raise(CreditNoteID, reference: String, difference: ChargeLine, against: Invoice.State)
        /// A payment run deducted the credit note.
        case settle(PaymentRunID, paymentDate: BusinessDate)

        public var requiredPermission: Permission {
            switch self {
            case .raise: .edit(.invoices)
            case .settle: .edit(.paymentProcessing)
            }
        }
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [CreditNoteEvent] {
        switch command {
        case .raise(let id, let reference, let difference, let against):
            guard state.status == .none else { throw DomainError.duplicate(field: "creditNoteID", "credit note \(id) exists already") }
            guard let invoiceID = against.invoiceID, against.kind == .invoice, against.status == .paid,
                  let organisation = against.organisationID, let contract = against.contractID,
                  let service = against.serviceID, let period = against.period
            else {
                throw DomainError.wrongState(field: "invoiceID", "a credit note is raised only against a paid period invoice", rule: "R-INV-4")
            }
            guard difference.amount < .zero else {
                throw DomainError.invalidValue(field: "lines", "a credit note is for a downward correction; the difference is \(difference.amount)", rule: "R-INV-4")
            }
            return [.raised(CreditNoteRaised(
                creditNoteID: id, organisationID: organisation, contractID: contract, serviceID: service, period: period,
                reference: try InvoiceReferences.validated(reference), creditNoteDate: context.today, againstInvoiceID: invoiceID,
                lines: [difference], total: difference.amount))]
        case .settle(let run, let paymentDate):
            guard let raised = state.raised else { throw DomainError.notFound(field: "creditNoteID", "there is no such credit note") }
            if let settlement = state.settlement {
                throw DomainError.wrongState(field: "creditNoteID", "credit note \(raised.reference) was deducted already by payment run \(settlement.paymentRunID)")
            }
            return [.settled(CreditNoteSettled(creditNoteID: raised.creditNoteID, paymentRunID: run, paymentDate: paymentDate))]
        }
    }

    public static func evolve(_ state: State, _ event: CreditNoteEvent) -> State {
        var state = state
        switch event {
        case .raised(let e): state.raised = e
        case .settled(let e): state.settlement = e
        }
        return state
    }
}

public enum CreditNoteEvent: StreamEvent {
    case raised(CreditNoteRaised)
    case settled(CreditNoteSettled)

    public static let payloadTypes: [any EventPayload.Type] = [CreditNoteRaised.self, CreditNoteSettled.self]

    public var payload: any EventPayload {
        switch self {
        case .raised(let p): p
        case .settled(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let p as CreditNoteRaised: self = .raised(p)
        case let p as CreditNoteSettled: self = .settled(p)
        default: return nil
        }
    }
}

/// A downward correction of a paid period raised a credit note of exactly the difference (R-INV-4): its lines
/// and total are negative.
public struct CreditNoteRaised: EventPayload {
    public static let eventType = "CreditNoteRaised"
    public static let schemaVersion = 1
    public var creditNoteID: CreditNoteID
    public var organisationID: OrganisationID
    public var contractID: ContractID
    public var serviceID: ServiceID
    public var period: PeriodNumber
    public var reference: String
    public var creditNoteDate: BusinessDate
    public var againstInvoiceID: InvoiceID
    public var lines: [ChargeLine]
    public var total: Money

    public init(
        creditNoteID: CreditNoteID, organisationID: OrganisationID, contractID: ContractID, serviceID: ServiceID, period: PeriodNumber,
        reference: String, creditNoteDate: BusinessDate, againstInvoiceID: InvoiceID, lines: [ChargeLine], total: Money
    ) {
        self.creditNoteID = creditNoteID
        self.organisationID = organisationID
        self.contractID = contractID
        self.serviceID = serviceID
        self.period = period
        self.reference = reference
        self.creditNoteDate = creditNoteDate
        self.againstInvoiceID = againstInvoiceID
        self.lines = lines
        self.total = total
    }
}

/// A payment run deducted the credit note from the provider's remittance (R-PAY-2).
public struct CreditNoteSettled: EventPayload {
    public static let eventType = "CreditNoteSettled"
    public static let schemaVersion = 1
    public var creditNoteID: CreditNoteID
    public var paymentRunID: PaymentRunID
    public var paymentDate: BusinessDate

    public init(creditNoteID: CreditNoteID, paymentRunID: PaymentRunID, paymentDate: BusinessDate) {
        self.creditNoteID = creditNoteID
        self.paymentRunID = paymentRunID
        self.paymentDate = paymentDate
    }
}

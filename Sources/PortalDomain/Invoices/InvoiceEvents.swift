import Chronology

public enum InvoiceEvent: StreamEvent {
    case created(InvoiceCreated)
    case contractInvoiceCreated(ContractInvoiceCreated)
    case supplementaryRaised(SupplementaryInvoiceRaised)
    case lineRemoved(InvoiceLineRemoved)
    case submitted(InvoiceSubmitted)
    case held(InvoiceHeld)
    case released(InvoiceReleased)
    case approved(InvoiceApproved)
    case returned(InvoiceReturned)
    case corrected(InvoiceCorrected)
    case resubmitted(InvoiceResubmitted)
    case paid(InvoicePaid)
    case adjustedAfterPayment(PaidInvoiceAdjusted)

    public static let payloadTypes: [any EventPayload.Type] = [
        InvoiceCreated.self, ContractInvoiceCreated.self, SupplementaryInvoiceRaised.self, InvoiceLineRemoved.self,
        InvoiceSubmitted.self, InvoiceHeld.self, InvoiceReleased.self, InvoiceApproved.self, InvoiceReturned.self,
        InvoiceCorrected.self, InvoiceResubmitted.self, InvoicePaid.self, PaidInvoiceAdjusted.self,
    ]

    public var payload: any EventPayload {
        switch self {
        case .created(let p): p
        case .contractInvoiceCreated(let p): p
        case .supplementaryRaised(let p): p
        case .lineRemoved(let p): p
        case .submitted(let p): p
        case .held(let p): p
        case .released(let p): p
        case .approved(let p): p
        case .returned(let p): p
        case .corrected(let p): p
        case .resubmitted(let p): p
        case .paid(let p): p
        case .adjustedAfterPayment(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let p as InvoiceCreated: self = .created(p)
        case let p as ContractInvoiceCreated: self = .contractInvoiceCreated(p)
        case let p as SupplementaryInvoiceRaised: self = .supplementaryRaised(p)
        case let p as InvoiceLineRemoved: self = .lineRemoved(p)
        case let p as InvoiceSubmitted: self = .submitted(p)
        case let p as InvoiceHeld: self = .held(p)
        case let p as InvoiceReleased: self = .released(p)
        case let p as InvoiceApproved: self = .approved(p)
        case let p as InvoiceReturned: self = .returned(p)
        case let p as InvoiceCorrected: self = .corrected(p)
        case let p as InvoiceResubmitted: self = .resubmitted(p)
        case let p as InvoicePaid: self = .paid(p)
        case let p as PaidInvoiceAdjusted: self = .adjustedAfterPayment(p)
        default: return nil
        }
    }
}

/// The wizard created an unsubmitted invoice of a service's period (R-INV-1): one line per CPLI ticked, the
/// total the sum of the lines (R-ACT-5), and the version of the actuals stream the lines come from.
public struct InvoiceCreated: EventPayload {
    public static let eventType = "InvoiceCreated"
    public static let schemaVersion = 1
    public var invoiceID: InvoiceID
    public var organisationID: OrganisationID
    public var contractID: ContractID
    public var serviceID: ServiceID
    public var period: PeriodNumber
    public var reference: String
    public var invoiceDate: BusinessDate
    public var lines: [ChargeLine]
    public var total: Money
    public var actualsVersion: UInt64

    public init(
        invoiceID: InvoiceID, organisationID: OrganisationID, contractID: ContractID, serviceID: ServiceID, period: PeriodNumber,
        reference: String, invoiceDate: BusinessDate, lines: [ChargeLine], total: Money, actualsVersion: UInt64
    ) {
        self.invoiceID = invoiceID
        self.organisationID = organisationID
        self.contractID = contractID
        self.serviceID = serviceID
        self.period = period
        self.reference = reference
        self.invoiceDate = invoiceDate
        self.lines = lines
        self.total = total
        self.actualsVersion = actualsVersion
    }
}

/// The provider invoiced approved one-off claims at contract level (R-OOC-4): a line per claim item.
public struct ContractInvoiceCreated: EventPayload {
    public static let eventType = "ContractInvoiceCreated"
    public static let schemaVersion = 1
    public var invoiceID: InvoiceID
    public var organisationID: OrganisationID
    public var contractID: ContractID
    public var reference: String
    public var invoiceDate: BusinessDate
    public var claimIDs: [ClaimID]
    public var lines: [ChargeLine]
    public var total: Money

    public init(
        invoiceID: InvoiceID, organisationID: OrganisationID, contractID: ContractID, reference: String, invoiceDate: BusinessDate,
        claimIDs: [ClaimID], lines: [ChargeLine], total: Money
    ) {
        self.invoiceID = invoiceID
        self.organisationID = organisationID
        self.contractID = contractID
        self.reference = reference
        self.invoiceDate = invoiceDate
        self.claimIDs = claimIDs
        self.lines = lines
        self.total = total
    }
}

/// An upward correction of a paid period raised a supplementary invoice of exactly the difference (R-INV-4).
/// It starts submitted: the Payments Team approves it and a payment run pays it.
public struct SupplementaryInvoiceRaised: EventPayload {
    public static let eventType = "SupplementaryInvoiceRaised"
    public static let schemaVersion = 1
    public var invoiceID: InvoiceID
    public var organisationID: OrganisationID
    public var contractID: ContractID
    public var serviceID: ServiceID
    public var period: PeriodNumber
    public var reference: String
    public var invoiceDate: BusinessDate
    /// The paid period invoice this one adds to.
    public var supplementsInvoiceID: InvoiceID
    public var lines: [ChargeLine]
    public var total: Money
    public var actualsVersion: UInt64

    public init(
        invoiceID: InvoiceID, organisationID: OrganisationID, contractID: ContractID, serviceID: ServiceID, period: PeriodNumber,
        reference: String, invoiceDate: BusinessDate, supplementsInvoiceID: InvoiceID, lines: [ChargeLine], total: Money, actualsVersion: UInt64
    ) {
        self.invoiceID = invoiceID
        self.organisationID = organisationID
        self.contractID = contractID
        self.serviceID = serviceID
        self.period = period
        self.reference = reference
        self.invoiceDate = invoiceDate
        self.supplementsInvoiceID = supplementsInvoiceID
        self.lines = lines
        self.total = total
        self.actualsVersion = actualsVersion
    }
}

/// The provider removed a line from an unsubmitted invoice (R-INV-2); `total` is the invoice's new total.
public struct InvoiceLineRemoved: EventPayload {
    public static let eventType = "InvoiceLineRemoved"
    public static let schemaVersion = 1
    public var invoiceID: InvoiceID
    public var cpliID: CPLIID
    public var amount: Money
    public var total: Money

    public init(invoiceID: InvoiceID, cpliID: CPLIID, amount: Money, total: Money) {
        self.invoiceID = invoiceID
        self.cpliID = cpliID
        self.amount = amount
        self.total = total
    }
}

/// The provider submitted the invoice to the Payments Team; its period is locked in the same append (R-PER-3).
public struct InvoiceSubmitted: EventPayload {
    public static let eventType = "InvoiceSubmitted"
    public static let schemaVersion = 1
    public var invoiceID: InvoiceID
    public var date: BusinessDate

    public init(invoiceID: InvoiceID, date: BusinessDate) {
        self.invoiceID = invoiceID
        self.date = date
    }
}

/// The Payments Team put the invoice on hold while a dispute is resolved; the next period opens (R-PER-3).
public struct InvoiceHeld: EventPayload {
    public static let eventType = "InvoiceHeld"
    public static let schemaVersion = 1
    public var invoiceID: InvoiceID
    public var reason: String
    public var date: BusinessDate

    public init(invoiceID: InvoiceID, reason: String, date: BusinessDate) {
        self.invoiceID = invoiceID
        self.reason = reason
        self.date = date
    }
}

/// The Payments Team released the invoice from hold; it is submitted again.
public struct InvoiceReleased: EventPayload {
    public static let eventType = "InvoiceReleased"
    public static let schemaVersion = 1
    public var invoiceID: InvoiceID
    public var date: BusinessDate

    public init(invoiceID: InvoiceID, date: BusinessDate) {
        self.invoiceID = invoiceID
        self.date = date
    }
}

/// The Payments Team approved the invoice for payment; the next period opens if it had not (R-PER-3).
public struct InvoiceApproved: EventPayload {
    public static let eventType = "InvoiceApproved"
    public static let schemaVersion = 1
    public var invoiceID: InvoiceID
    public var date: BusinessDate

    public init(invoiceID: InvoiceID, date: BusinessDate) {
        self.invoiceID = invoiceID
        self.date = date
    }
}

/// The Payments Team returned the invoice to the provider; its period reopens for edits (R-PER-3).
public struct InvoiceReturned: EventPayload {
    public static let eventType = "InvoiceReturned"
    public static let schemaVersion = 1
    public var invoiceID: InvoiceID
    public var reason: String
    public var date: BusinessDate

    public init(invoiceID: InvoiceID, reason: String, date: BusinessDate) {
        self.invoiceID = invoiceID
        self.reason = reason
        self.date = date
    }
}

/// The invoice's lines were recomputed from the period's actuals as they stand (after a return, or of an
/// unsubmitted invoice whose actuals changed).
public struct InvoiceCorrected: EventPayload {
    public static let eventType = "InvoiceCorrected"
    public static let schemaVersion = 1
    public var invoiceID: InvoiceID
    public var lines: [ChargeLine]
    public var total: Money
    public var actualsVersion: UInt64

    public init(invoiceID: InvoiceID, lines: [ChargeLine], total: Money, actualsVersion: UInt64) {
        self.invoiceID = invoiceID
        self.lines = lines
        self.total = total
        self.actualsVersion = actualsVersion
    }
}

/// The provider resubmitted a returned, corrected invoice; its period is locked again (R-PER-3).
public struct InvoiceResubmitted: EventPayload {
    public static let eventType = "InvoiceResubmitted"
    public static let schemaVersion = 1
    public var invoiceID: InvoiceID
    public var date: BusinessDate

    public init(invoiceID: InvoiceID, date: BusinessDate) {
        self.invoiceID = invoiceID
        self.date = date
    }
}

/// A payment run paid the invoice (R-PAY-2); the next period opens if it had not (R-PER-3).
public struct InvoicePaid: EventPayload {
    public static let eventType = "InvoicePaid"
    public static let schemaVersion = 1
    public var invoiceID: InvoiceID
    public var paymentRunID: PaymentRunID
    public var paymentDate: BusinessDate

    public init(invoiceID: InvoiceID, paymentRunID: PaymentRunID, paymentDate: BusinessDate) {
        self.invoiceID = invoiceID
        self.paymentRunID = paymentRunID
        self.paymentDate = paymentDate
    }
}

/// A credit note or supplementary invoice was raised against this paid invoice (R-INV-4). The paid invoice
/// is not edited: this records the document and its lines of differences.
public struct PaidInvoiceAdjusted: EventPayload {
    public static let eventType = "PaidInvoiceAdjusted"
    public static let schemaVersion = 1
    public var invoiceID: InvoiceID
    /// `credit-note` or `supplementary-invoice`.
    public var kind: DocumentKind
    public var documentID: String
    public var lines: [ChargeLine]
    public var total: Money

    public init(invoiceID: InvoiceID, kind: DocumentKind, documentID: String, lines: [ChargeLine], total: Money) {
        self.invoiceID = invoiceID
        self.kind = kind
        self.documentID = documentID
        self.lines = lines
        self.total = total
    }
}

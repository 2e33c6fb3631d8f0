import Chronology

/// What the Payments Team asks for: a run on a date with a reference, paying every approved invoice, or only
/// those named.
public struct PaymentRunRequest: Sendable, Equatable {
    public var paymentRunID: PaymentRunID
    public var paymentDate: BusinessDate
    public var reference: String
    /// Nil: every approved invoice. Otherwise exactly these, each of which must be approved.
    public var invoiceIDs: [InvoiceID]?

    public init(paymentRunID: PaymentRunID, paymentDate: BusinessDate, reference: String, invoiceIDs: [InvoiceID]? = nil) {
        self.paymentRunID = paymentRunID
        self.paymentDate = paymentDate
        self.reference = reference
        self.invoiceIDs = invoiceIDs
    }
}

/// What the application read for a run: every invoice it could pay (or that was named), every scheduled
/// contract's payments, every credit note not yet deducted, and the providers' names.
public struct PaymentRunFacts: Sendable, Equatable {
    public var invoices: [InvoiceID: Invoice.State]
    public var schedules: [ContractID: ScheduledPayments.State]
    public var creditNotes: [CreditNoteID: CreditNote.State]
    public var organisationNames: [OrganisationID: String]

    public init(
        invoices: [InvoiceID: Invoice.State], schedules: [ContractID: ScheduledPayments.State], creditNotes: [CreditNoteID: CreditNote.State],
        organisationNames: [OrganisationID: String]
    ) {
        self.invoices = invoices
        self.schedules = schedules
        self.creditNotes = creditNotes
        self.organisationNames = organisationNames
    }
}

/// What a run pays and the remittance advice of each provider.
public struct PaymentRunPlan: Sendable, Equatable {
    public var paymentRunID: PaymentRunID
    public var paymentDate: BusinessDate
    public var reference: String
    public var invoiceIDs: [InvoiceID]
    public var scheduledPayments: [ScheduledPaymentKey]
    public var creditNoteIDs: [CreditNoteID]
    /// One advice per provider, in organisation id order.
    public var remittances: [RemittanceAdvice]
}

/// `paymentrun-<id>`: one payment run of the Payments Team (R-PAY-2). In one atomic append it pays every
/// approved invoice (period, supplementary and contract-level invoices: approved one-off claims are paid
/// through their contract-level invoice, R-OOC-4) and every calculated scheduled payment due by the payment
/// date, deducts every credit note not yet deducted, opens the next period of each paid period invoice
/// (R-PER-3), and records per provider the remittance lines and totals — so a remittance is rebuilt from the
/// log alone (R-PAY-3) — with the SHA-256 of its rendered CSV.
public enum PaymentRun: EventStream {
    public static let category = "paymentrun"

    public struct State: Codable, Equatable, Sendable {
        public var remittances: [RemittanceIssued] = []
        public var completed: PaymentRunCompleted?
    }

    public static let initialState = State()

    public enum Command: Sendable {
        /// Run the payment. `csvSHA256` holds, for every provider the plan pays, the lowercase hex SHA-256 of
        /// its remittance's ``RemittanceAdvice/csvBytes``, computed by the application.
        case run(PaymentRunRequest, PaymentRunFacts, csvSHA256: [OrganisationID: String])

        public var requiredPermission: Permission { .edit(.paymentProcessing) }
    }

    /// What a run would pay on `request.paymentDate`, with each provider's remittance; refuses an unapproved
    /// or unknown invoice named, a past payment date, and a run with nothing to pay.
    public static func plan(_ request: PaymentRunRequest, _ facts: PaymentRunFacts, _ context: CommandContext) throws(DomainError) -> PaymentRunPlan {
        let reference = try TextInput.required(request.reference, field: "reference", maximumLength: 30)
        guard request.paymentDate >= context.today else {
            throw .invalidValue(field: "paymentDate", "paymentDate \(request.paymentDate) is in the past; give today's date or a later one")
        }
        var invoices: [Invoice.State]
        if let named = request.invoiceIDs {
            guard Set(named).count == named.count else { throw .invalidValue(field: "invoiceIDs", "an invoice is named twice") }
            invoices = []
            for id in named {
                guard let invoice = facts.invoices[id], invoice.invoiceID != nil else {
                    throw .notFound(field: "invoiceIDs", "there is no invoice \(id)")
                }
                guard invoice.status == .approved else {
                    throw .ruleBroken("R-INV-3", field: "invoiceIDs", "invoice \(invoice.reference) (\(id)) is \(invoice.status); only an approved invoice can be paid")
                }
                invoices.append(invoice)
            }
        } else {
            invoices = facts.invoices.values.filter { $0.status == .approved && $0.invoiceID != nil }
        }
        let schedules = facts.schedules.values.flatMap { $0.unpaid(dueBy: request.paymentDate) }.sorted { $0.key < $1.key }
        let creditNotes = facts.creditNotes.values.compactMap { $0.status == .raised ? $0.raised : nil }
            .sorted { ($0.organisationID, $0.reference.lowercased()) < ($1.organisationID, $1.reference.lowercased()) }
        guard !invoices.isEmpty || !schedules.isEmpty || !creditNotes.isEmpty else {
            throw .wrongState(field: "paymentDate", "nothing is approved or due on \(request.paymentDate); there is nothing to pay", rule: "R-PAY-2")
        }
        let kindOrder: [DocumentKind] = [.invoice, .supplementaryInvoice, .contractInvoice]
        invoices.sort {
            ($0.organisationID ?? "", kindOrder.firstIndex(of: $0.kind ?? .invoice) ?? 0, $0.reference.lowercased(), $0.invoiceID ?? "")
                < ($1.organisationID ?? "", kindOrder.firstIndex(of: $1.kind ?? .invoice) ?? 0, $1.reference.lowercased(), $1.invoiceID ?? "")
        }
        var lines: [OrganisationID: [RemittanceLine]] = [:]
        for invoice in invoices {
            guard let organisation = invoice.organisationID, let id = invoice.invoiceID, let kind = invoice.kind else { continue }
            lines[organisation, default: []] += RemittanceLine.lines(of: invoice.lines, kind: kind, id: id.rawValue, reference: invoice.reference)
        }
        for schedule in schedules {
            lines[schedule.organisationID, default: []] += RemittanceLine.lines(
                of: schedule.lines, kind: .scheduledPayment, id: schedule.key.description, reference: schedule.key.reference)
        }
        for note in creditNotes {
            lines[note.organisationID, default: []] += RemittanceLine.lines(
                of: note.lines, kind: .creditNote, id: note.creditNoteID.rawValue, reference: note.reference)
        }
        let remittances = lines.keys.sorted().map { organisation in
            RemittanceAdvice(
                paymentRunID: request.paymentRunID, paymentReference: "\(reference)/\(organisation)", paymentDate: request.paymentDate,
                organisationID: organisation, organisationName: facts.organisationNames[organisation] ?? organisation.rawValue,
                lines: lines[organisation]!)
        }
        return PaymentRunPlan(
            paymentRunID: request.paymentRunID, paymentDate: request.paymentDate, reference: reference,
            invoiceIDs: invoices.compactMap(\.invoiceID), scheduledPayments: schedules.map(\.key),
            creditNoteIDs: creditNotes.map(\.creditNoteID), remittances: remittances)
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [PaymentRunEvent] {
        switch command {
        case .run(let request, let facts, let digests):
            guard state.completed == nil else {
                throw DomainError.duplicate(field: "paymentRunID", "payment run \(request.paymentRunID) has run already")
            }
            let plan = try plan(request, facts, context)
            let organisations = plan.remittances.map(\.organisationID)
            if let missing = organisations.first(where: { digests[$0] == nil }) {
                throw DomainError.invalidValue(field: "csvSHA256", "the SHA-256 of organisation \(missing)'s remittance CSV is missing")
            }
            if let extra = digests.keys.sorted().first(where: { !organisations.contains($0) }) {
                throw DomainError.invalidValue(field: "csvSHA256", "organisation \(extra) is not paid by this run")
            }
            var events: [PaymentRunEvent] = []
            for advice in plan.remittances {
                let digest = digests[advice.organisationID]!
                guard digest.count == 64, digest.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) }) else {
                    throw DomainError.invalidValue(field: "csvSHA256", "the SHA-256 of organisation \(advice.organisationID)'s remittance CSV must be 64 lowercase hex digits")
                }
                events.append(.remittanceIssued(RemittanceIssued(advice, csvSHA256: digest)))
            }
            events.append(.completed(PaymentRunCompleted(
                paymentRunID: request.paymentRunID, paymentDate: request.paymentDate, reference: plan.reference,
                organisationIDs: organisations, invoiceIDs: plan.invoiceIDs, scheduledPayments: plan.scheduledPayments,
                creditNoteIDs: plan.creditNoteIDs, total: Money.sum(plan.remittances.map(\.total)))))
            return events
        }
    }

    public static func evolve(_ state: State, _ event: PaymentRunEvent) -> State {
        var state = state
        switch event {
        case .remittanceIssued(let e): state.remittances.append(e)
        case .completed(let e): state.completed = e
        }
        return state
    }
}

public enum PaymentRunEvent: StreamEvent {
    case remittanceIssued(RemittanceIssued)
    case completed(PaymentRunCompleted)

    public static let payloadTypes: [any EventPayload.Type] = [RemittanceIssued.self, PaymentRunCompleted.self]

    public var payload: any EventPayload {
        switch self {
        case .remittanceIssued(let p): p
        case .completed(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let p as RemittanceIssued: self = .remittanceIssued(p)
        case let p as PaymentRunCompleted: self = .completed(p)
        default: return nil
        }
    }
}

/// A provider's remittance advice of a payment run: everything ``RemittanceAdvice`` renders, and the SHA-256
/// of the CSV rendered when the run was made (R-PAY-2, R-PAY-3).
public struct RemittanceIssued: EventPayload {
    public static let eventType = "RemittanceIssued"
    public static let schemaVersion = 1
    public var paymentRunID: PaymentRunID
    public var organisationID: OrganisationID
    public var organisationName: String
    public var paymentReference: String
    public var paymentDate: BusinessDate
    public var lines: [RemittanceLine]
    public var total: Money
    /// Lowercase hex SHA-256 of the remittance's CSV bytes.
    public var csvSHA256: String

    public init(_ advice: RemittanceAdvice, csvSHA256: String) {
        self.paymentRunID = advice.paymentRunID
        self.organisationID = advice.organisationID
        self.organisationName = advice.organisationName
        self.paymentReference = advice.paymentReference
        self.paymentDate = advice.paymentDate
        self.lines = advice.lines
        self.total = advice.total
        self.csvSHA256 = csvSHA256
    }
}

/// The payment run is complete: what it paid and deducted, and its total over every provider.
public struct PaymentRunCompleted: EventPayload {
    public static let eventType = "PaymentRunCompleted"
    public static let schemaVersion = 1
    public var paymentRunID: PaymentRunID
    public var paymentDate: BusinessDate
    public var reference: String
    public var organisationIDs: [OrganisationID]
    public var invoiceIDs: [InvoiceID]
    public var scheduledPayments: [ScheduledPaymentKey]
    public var creditNoteIDs: [CreditNoteID]
    public var total: Money

    public init(
        paymentRunID: PaymentRunID, paymentDate: BusinessDate, reference: String, organisationIDs: [OrganisationID], invoiceIDs: [InvoiceID],
        scheduledPayments: [ScheduledPaymentKey], creditNoteIDs: [CreditNoteID], total: Money
    ) {
        self.paymentRunID = paymentRunID
        self.paymentDate = paymentDate
        self.reference = reference
        self.organisationIDs = organisationIDs
        self.invoiceIDs = invoiceIDs
        self.scheduledPayments = scheduledPayments
        self.creditNoteIDs = creditNoteIDs
        self.total = total
    }
}

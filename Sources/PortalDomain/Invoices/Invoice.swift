import Chronology

/// Where an invoice is in its lifecycle (R-INV-3): unsubmitted → submitted → (on hold ⇄ submitted) →
/// approved → paid; or submitted/on hold → returned → corrected → resubmitted.
public enum InvoiceStatus: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case none
    case unsubmitted
    case submitted
    case onHold = "on-hold"
    case returned
    case approved
    case paid

    public var description: String { rawValue }
}

/// What the provider asks the invoice wizard for (R-INV-1): an invoice of one service for one period, with
/// its own reference and date, leaving out the unticked CPLIs.
public struct InvoiceDraft: Sendable, Equatable {
    public var invoiceID: InvoiceID
    public var serviceID: ServiceID
    public var period: PeriodNumber
    public var reference: String
    public var invoiceDate: BusinessDate
    public var unticked: Set<CPLIID>

    public init(invoiceID: InvoiceID, serviceID: ServiceID, period: PeriodNumber, reference: String, invoiceDate: BusinessDate, unticked: Set<CPLIID> = []) {
        self.invoiceID = invoiceID
        self.serviceID = serviceID
        self.period = period
        self.reference = reference
        self.invoiceDate = invoiceDate
        self.unticked = unticked
    }
}

/// The facts of a service's period that an invoice is made from, loaded by the application: the service, its
/// period locks, the wizard's proposal from the actuals as they stand, and the version of the actuals stream
/// the proposal was computed from.
public struct ServicePeriodFacts: Sendable, Equatable {
    /// Nil when there is no such service.
    public var service: ServiceRegistered?
    public var periodLocks: PeriodLocks.State
    public var proposal: [ChargeLine]
    public var actualsVersion: UInt64

    public init(service: ServiceRegistered?, periodLocks: PeriodLocks.State, proposal: [ChargeLine], actualsVersion: UInt64) {
        self.service = service
        self.periodLocks = periodLocks
        self.proposal = proposal
        self.actualsVersion = actualsVersion
    }
}

/// Which proposed lines a correction keeps.
public enum InvoiceLineSelection: Sendable, Equatable {
    /// The CPLIs the invoice has now.
    case sameCPLIs
    /// Every proposed CPLI but these (the wizard's untick).
    case allExcept(Set<CPLIID>)
}

/// An invoice at contract level of approved one-off claims (R-OOC-4).
public struct ContractInvoiceDraft: Sendable, Equatable {
    public var invoiceID: InvoiceID
    public var contractID: ContractID
    public var reference: String
    public var invoiceDate: BusinessDate
    public var claimIDs: [ClaimID]

    public init(invoiceID: InvoiceID, contractID: ContractID, reference: String, invoiceDate: BusinessDate, claimIDs: [ClaimID]) {
        self.invoiceID = invoiceID
        self.contractID = contractID
        self.reference = reference
        self.invoiceDate = invoiceDate
        self.claimIDs = claimIDs
    }
}

/// A credit note or supplementary invoice raised against a paid invoice, as the paid invoice records it.
public struct InvoiceAdjustment: Sendable, Hashable, Codable {
    public var kind: DocumentKind
    public var documentID: String
    public var lines: [ChargeLine]
    public var total: Money

    public init(kind: DocumentKind, documentID: String, lines: [ChargeLine], total: Money) {
        self.kind = kind
        self.documentID = documentID
        self.lines = lines
        self.total = total
    }
}

/// `invoice-<id>`: one invoice's whole history. A service's period invoice (from the wizard), a supplementary
/// invoice (an upward correction of a paid period) or a contract-level invoice of one-off claims. Every step is
/// an event here, so replaying the stream tells the invoice's story: created, submitted, held, released,
/// returned, corrected, resubmitted, approved, paid, and any credit note or supplementary invoice raised
/// against it afterwards.
///
/// Steps of a service invoice that move a period lock are appended atomically with the `periods-<serviceId>`
/// events that ``periodLockStep(after:_:)`` names (R-PER-3).
public enum Invoice: EventStream {
    public static let category = "invoice"

    public struct State: Codable, Equatable, Sendable {
        public var invoiceID: InvoiceID?
        /// `invoice`, `supplementary-invoice` or `contract-invoice`.
        public var kind: DocumentKind?
        public var organisationID: OrganisationID?
        public var contractID: ContractID?
        /// The service of a period or supplementary invoice.
        public var serviceID: ServiceID?
        /// The period of a period or supplementary invoice.
        public var period: PeriodNumber?
        public var reference: String = ""
        public var invoiceDate: BusinessDate?
        /// The paid invoice a supplementary invoice adds to.
        public var supplementsInvoiceID: InvoiceID?
        /// The claims a contract-level invoice pays.
        public var claimIDs: [ClaimID] = []
        public var lines: [ChargeLine] = []
        public var total: Money = .zero
        /// The version of the period's actuals stream the lines were computed from.
        public var actualsVersion: UInt64?
        public var status: InvoiceStatus = .none
        public var holdReason: String?
        public var returnReason: String?
        /// A returned invoice was corrected from the actuals and may be resubmitted.
        public var correctedSinceReturn = false
        public var payment: InvoicePaid?
        /// Credit notes and supplementary invoices raised against the invoice after payment (R-INV-4).
        public var adjustments: [InvoiceAdjustment] = []

        /// What stands invoiced for a CPLI: the invoice's line plus every adjustment after payment; nil when the
        /// CPLI was never invoiced here.
        public func invoicedLine(for cpli: CPLIID) -> ChargeLine? {
            var line = lines.first { $0.cpliID == cpli }
            for adjustment in adjustments {
                for change in adjustment.lines where change.cpliID == cpli {
                    line = (line ?? change.zeroed).plus(change)
                }
            }
            return line
        }

        /// The invoice's total with every adjustment after payment.
        public var totalWithAdjustments: Money { total + Money.sum(adjustments.map(\.total)) }

        /// The header and lines of a newly created invoice of any kind.
        mutating func open(
            _ id: InvoiceID, kind: DocumentKind, _ organisation: OrganisationID, _ contract: ContractID, service: ServiceID?,
            period: PeriodNumber?, _ reference: String, _ date: BusinessDate, lines: [ChargeLine], total: Money,
            actualsVersion: UInt64?, status: InvoiceStatus
        ) {
            invoiceID = id
            self.kind = kind
            organisationID = organisation
            contractID = contract
            serviceID = service
            self.period = period
            self.reference = reference
            invoiceDate = date
            self.lines = lines
            self.total = total
            self.actualsVersion = actualsVersion
            self.status = status
        }
    }

    public static let initialState = State()

    public enum Command: Sendable {
        /// The wizard creates an unsubmitted invoice of a service's period (R-INV-1).
        case create(InvoiceDraft, ServicePeriodFacts)
        /// The provider invoices approved one-off claims at contract level (R-OOC-4). `claims` holds the state
        /// of every claim named.
        case createForClaims(ContractInvoiceDraft, contract: ContractRegistered?, claims: [ClaimID: OneOffClaim.State])
        /// An upward correction of a paid period: a supplementary invoice of the difference (R-INV-4), raised
        /// submitted, for the Payments Team to approve.
        case raiseSupplementary(invoiceID: InvoiceID, reference: String, difference: ChargeLine, against: State, actualsVersion: UInt64)
        /// The provider removes a line from an unsubmitted invoice (R-INV-2).
        case removeLine(CPLIID)
        /// The provider submits (or, after a return and a correction, resubmits). `actualsVersion` is the
        /// version of the period's actuals stream now (nil for a contract-level invoice).
        case submit(actualsVersion: UInt64?)
        case hold(reason: String)
        case release
        case approve
        case `return`(reason: String)
        /// Lines recomputed from the period's actuals as they stand: after a return, or of an unsubmitted
        /// invoice whose actuals changed.
        case correct(InvoiceLineSelection, ServicePeriodFacts)
        /// A payment run paid the invoice.
        case pay(PaymentRunID, paymentDate: BusinessDate)
        /// A credit note or supplementary invoice was raised against this paid invoice.
        case recordAdjustment(InvoiceAdjustment)

        /// The permission the actor needs (R-ROLE): providers edit invoices; only the Payments Team holds,
        /// releases, approves, returns and pays (R-INV-3).
        public var requiredPermission: Permission {
            switch self {
            case .create, .createForClaims, .raiseSupplementary, .removeLine, .submit, .correct, .recordAdjustment: .edit(.invoices)
            case .hold, .release, .approve, .return, .pay: .edit(.paymentProcessing)
            }
        }
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [InvoiceEvent] {
        switch command {
        case .create(let draft, let facts):
            try requireNew(state, draft.invoiceID)
            return [.created(try created(draft, facts, context))]
        case .createForClaims(let draft, let contract, let claims):
            try requireNew(state, draft.invoiceID)
            return [.contractInvoiceCreated(try contractInvoice(draft, contract: contract, claims: claims, context))]
        case .raiseSupplementary(let id, let reference, let difference, let against, let actualsVersion):
            try requireNew(state, id)
            return [.supplementaryRaised(try supplementary(id, reference, difference, against, actualsVersion, context))]
        default:
            break
        }
        guard let id = state.invoiceID, let kind = state.kind else { throw DomainError.notFound(field: "invoiceID", "there is no such invoice") }
        let today = context.today
        switch command {
        case .create, .createForClaims, .raiseSupplementary:
            return []
        case .removeLine(let cpli):
            guard kind == .invoice else {
                throw DomainError.wrongState(field: "cpliID", "invoice \(state.reference) is a \(kind); only lines of a period invoice are removed")
            }
            try require(state, in: [.unsubmitted], to: "remove a line")
            guard let line = state.lines.first(where: { $0.cpliID == cpli }) else {
                throw DomainError.notFound(field: "cpliID", "invoice \(state.reference) has no line for CPLI \(cpli)")
            }
            return [.lineRemoved(InvoiceLineRemoved(invoiceID: id, cpliID: cpli, amount: line.amount, total: state.total - line.amount))]
        case .submit(let actualsVersion):
            let resubmission = state.status == .returned
            if resubmission && !state.correctedSinceReturn {
                throw DomainError.wrongState(
                    field: "invoiceID", "invoice \(state.reference) was returned; correct it from the period's actuals before resubmitting it", rule: "R-INV-3")
            }
            try require(state, in: [.unsubmitted, .returned], to: "submit it")
            try checkSubmittable(state, actualsVersion: actualsVersion)
            return resubmission
                ? [.resubmitted(InvoiceResubmitted(invoiceID: id, date: today))]
                : [.submitted(InvoiceSubmitted(invoiceID: id, date: today))]
        case .hold(let reason):
            try require(state, in: [.submitted], to: "put it on hold")
            let text = try TextInput.required(reason, field: "reason", maximumLength: 1000)
            return [.held(InvoiceHeld(invoiceID: id, reason: text, date: today))]
        case .release:
            try require(state, in: [.onHold], to: "release it")
            return [.released(InvoiceReleased(invoiceID: id, date: today))]
        case .approve:
            if state.status == .onHold {
                throw DomainError.wrongState(field: "invoiceID", "invoice \(state.reference) is on hold; release it before approving it", rule: "R-INV-3")
            }
            try require(state, in: [.submitted], to: "approve it")
            return [.approved(InvoiceApproved(invoiceID: id, date: today))]
        case .return(let reason):
            guard kind == .invoice else {
                throw DomainError.wrongState(
                    field: "invoiceID",
                    "invoice \(state.reference) is a \(kind) and has no period to reopen; put it on hold while it is disputed", rule: "R-INV-3")
            }
            try require(state, in: [.submitted, .onHold], to: "return it")
            let text = try TextInput.required(reason, field: "reason", maximumLength: 1000)
            return [.returned(InvoiceReturned(invoiceID: id, reason: text, date: today))]
        case .correct(let selection, let facts):
            guard kind == .invoice, let period = state.period else {
                throw DomainError.wrongState(field: "invoiceID", "invoice \(state.reference) is a \(kind); only a period invoice is corrected from actuals")
            }
            try require(state, in: [.unsubmitted, .returned], to: "correct it")
            let unticked: Set<CPLIID> = switch selection {
            case .allExcept(let unticked): unticked
            case .sameCPLIs: Set(facts.proposal.map(\.cpliID)).subtracting(state.lines.map(\.cpliID))
            }
            let lines = try selectLines(facts.proposal, unticked: unticked, period: period)
            if state.status == .unsubmitted && lines == state.lines && facts.actualsVersion == state.actualsVersion { return [] }
            return [.corrected(InvoiceCorrected(invoiceID: id, lines: lines, total: Money.sum(lines.map(\.amount)), actualsVersion: facts.actualsVersion))]
        case .pay(let run, let paymentDate):
            if state.status == .paid, let payment = state.payment {
                throw DomainError.wrongState(field: "invoiceID", "invoice \(state.reference) was paid already by payment run \(payment.paymentRunID) on \(payment.paymentDate)", rule: "R-INV-3")
            }
            guard state.status == .approved else {
                throw DomainError.ruleBroken(
                    "R-INV-3", field: "invoiceID", "invoice \(state.reference) is \(state.status); only an approved invoice can be paid")
            }
            return [.paid(InvoicePaid(invoiceID: id, paymentRunID: run, paymentDate: paymentDate))]
        case .recordAdjustment(let adjustment):
            guard kind == .invoice, state.status == .paid else {
                throw DomainError.wrongState(
                    field: "invoiceID", "invoice \(state.reference) is \(state.status); credit notes and supplementary invoices are raised only against a paid period invoice", rule: "R-INV-4")
            }
            guard adjustment.kind == .creditNote || adjustment.kind == .supplementaryInvoice else {
                throw DomainError.invalidValue(field: "kind", "a \(adjustment.kind) does not adjust a paid invoice")
            }
            return [.adjustedAfterPayment(PaidInvoiceAdjusted(
                invoiceID: id, kind: adjustment.kind, documentID: adjustment.documentID, lines: adjustment.lines, total: adjustment.total))]
        }
    }

    private static func requireNew(_ state: State, _ id: InvoiceID) throws(DomainError) {
        guard state.status == .none else { throw .duplicate(field: "invoiceID", "invoice \(id) exists already") }
    }

    private static func require(_ state: State, in statuses: Set<InvoiceStatus>, to verb: String) throws(DomainError) {
        guard statuses.contains(state.status) else {
            let allowed = InvoiceStatus.allCases.filter(statuses.contains).map(\.rawValue).joined(separator: " or ")
            throw .wrongState(field: "invoiceID", "invoice \(state.reference) is \(state.status); it must be \(allowed) to \(verb)", rule: "R-INV-3")
        }
    }

    /// Lines with the over-20% exception refuse submission, naming them (R-INV-2); so do an empty invoice and
    /// actuals changed since the lines were computed.
    private static func checkSubmittable(_ state: State, actualsVersion: UInt64?) throws(DomainError) {
        guard !state.lines.isEmpty else {
            throw .invalidValue(field: "lines", "invoice \(state.reference) has no lines; an invoice needs at least one line")
        }
        let flagged = state.lines.filter(\.isOverException)
        if !flagged.isEmpty {
            throw .ruleBroken(
                "R-INV-2", field: "lines",
                "invoice \(state.reference) has \(flagged.count) line\(flagged.count == 1 ? "" : "s") with the over-20% exception: \(flagged.map(\.label).joined(separator: "; ")); remove \(flagged.count == 1 ? "it" : "them") before submitting, and ask Service Brokerage for a temporary CPLI")
        }
        if state.kind == .invoice, let computedFrom = state.actualsVersion, actualsVersion != computedFrom {
            throw .wrongState(
                field: "actuals",
                "the actuals of period \(state.period?.description ?? "?") changed after invoice \(state.reference)'s lines were computed; correct the invoice from the actuals, then submit it")
        }
    }

    private static func selectLines(_ proposal: [ChargeLine], unticked: Set<CPLIID>, period: PeriodNumber) throws(DomainError) -> [ChargeLine] {
        let proposed = Set(proposal.map(\.cpliID))
        if let unknown = unticked.sorted().first(where: { !proposed.contains($0) }) {
            throw .invalidValue(field: "unticked", "CPLI \(unknown) has no actuals in period \(period); untick only proposed lines")
        }
        let lines = proposal.filter { !unticked.contains($0.cpliID) }
        guard !lines.isEmpty else {
            throw .invalidValue(field: "unticked", "no line is left on the invoice; an invoice needs at least one line", rule: "R-INV-1")
        }
        return lines
    }

    private static func created(_ draft: InvoiceDraft, _ facts: ServicePeriodFacts, _ context: CommandContext) throws(DomainError) -> InvoiceCreated {
        guard let service = facts.service, service.serviceID == draft.serviceID else {
            throw .notFound(field: "serviceID", "there is no service \(draft.serviceID)")
        }
        let reference = try InvoiceReferences.validated(draft.reference)
        let period = try context.calendar.requirePeriod(draft.period)
        guard draft.invoiceDate >= period.lastDay else {
            throw .invalidValue(
                field: "invoiceDate", "invoiceDate \(draft.invoiceDate) is before the end of \(period); invoice a period once it has ended", rule: "R-INV-1")
        }
        guard draft.invoiceDate <= context.today else {
            throw .invalidValue(field: "invoiceDate", "invoiceDate \(draft.invoiceDate) is in the future; give today's date or an earlier one")
        }
        try PeriodLocks.requireOpen(
            draft.period, facts.periodLocks, service: PeriodLocks.ServiceFacts(startDate: service.startDate, calendar: context.calendar),
            today: context.today, calendar: context.calendar)
        let lines = try selectLines(facts.proposal, unticked: draft.unticked, period: draft.period)
        return InvoiceCreated(
            invoiceID: draft.invoiceID, organisationID: service.organisationID, contractID: service.contractID, serviceID: service.serviceID,
            period: draft.period, reference: reference, invoiceDate: draft.invoiceDate, lines: lines,
            total: Money.sum(lines.map(\.amount)), actualsVersion: facts.actualsVersion)
    }

    private static func contractInvoice(
        _ draft: ContractInvoiceDraft, contract: ContractRegistered?, claims: [ClaimID: OneOffClaim.State], _ context: CommandContext
    ) throws(DomainError) -> ContractInvoiceCreated {
        guard let contract, contract.contractID == draft.contractID else {
            throw .notFound(field: "contractID", "there is no contract \(draft.contractID)")
        }
        let reference = try InvoiceReferences.validated(draft.reference)
        guard !draft.claimIDs.isEmpty else { throw .invalidValue(field: "claimIDs", "name at least one approved one-off claim to invoice", rule: "R-OOC-4") }
        guard Set(draft.claimIDs).count == draft.claimIDs.count else { throw .invalidValue(field: "claimIDs", "a claim is named twice") }
        guard draft.invoiceDate <= context.today else {
            throw .invalidValue(field: "invoiceDate", "invoiceDate \(draft.invoiceDate) is in the future; give today's date or an earlier one")
        }
        var lines: [ChargeLine] = []
        for claimID in draft.claimIDs {
            guard let claim = claims[claimID], let created = claim.created, created.organisationID == contract.organisationID else {
                throw .notFound(field: "claimIDs", "there is no one-off claim \(claimID) of your organisation")
            }
            guard created.contractID == draft.contractID else {
                throw .invalidValue(field: "claimIDs", "claim \(claimID) is a claim on contract \(created.contractID), not \(draft.contractID)", rule: "R-OOC-4")
            }
            if let invoice = claim.invoiceID {
                throw .wrongState(field: "claimIDs", "claim \(claimID) is on invoice \(invoice) already", rule: "R-OOC-4")
            }
            guard claim.status == .approved else {
                throw .ruleBroken("R-OOC-4", field: "claimIDs", "claim \(claimID) is \(claim.status); only an approved claim is invoiced")
            }
            guard draft.invoiceDate >= created.dateOfClaim else {
                throw .invalidValue(field: "invoiceDate", "invoiceDate \(draft.invoiceDate) is before claim \(claimID)'s date of claim \(created.dateOfClaim)")
            }
            lines += created.items.map { $0.chargeLine(claim: claimID, period: created.period) }
        }
        return ContractInvoiceCreated(
            invoiceID: draft.invoiceID, organisationID: contract.organisationID, contractID: contract.contractID, reference: reference,
            invoiceDate: draft.invoiceDate, claimIDs: draft.claimIDs, lines: lines, total: Money.sum(lines.map(\.amount)))
    }

    private static func supplementary(
        _ id: InvoiceID, _ reference: String, _ difference: ChargeLine, _ against: State, _ actualsVersion: UInt64, _ context: CommandContext
    ) throws(DomainError) -> SupplementaryInvoiceRaised {
        guard let paidID = against.invoiceID, against.kind == .invoice, against.status == .paid,
              let organisation = against.organisationID, let contract = against.contractID, let service = against.serviceID, let period = against.period
        else {
            throw .wrongState(field: "invoiceID", "a supplementary invoice is raised only against a paid period invoice", rule: "R-INV-4")
        }
        guard difference.amount > .zero else {
            throw .invalidValue(field: "lines", "a supplementary invoice is for an upward correction; the difference is \(difference.amount)", rule: "R-INV-4")
        }
        return SupplementaryInvoiceRaised(
            invoiceID: id, organisationID: organisation, contractID: contract, serviceID: service, period: period,
            reference: try InvoiceReferences.validated(reference), invoiceDate: context.today, supplementsInvoiceID: paidID,
            lines: [difference], total: difference.amount, actualsVersion: actualsVersion)
    }

    /// The period lock step that must be appended atomically with `event` (R-PER-3): submitting locks the
    /// invoice's period; holding, approving or paying opens the next; returning reopens it. Nil for events that
    /// touch no lock and for invoices that are not a service's period invoice. `state` is the invoice's state
    /// with the event applied.
    public static func periodLockStep(after event: InvoiceEvent, _ state: State) -> PeriodLocks.Command? {
        guard state.kind == .invoice, let id = state.invoiceID, let service = state.serviceID, let period = state.period else { return nil }
        switch event {
        case .submitted, .resubmitted: return .lock(service, period, invoice: id)
        case .held: return .openNext(service, after: period, invoice: id, because: .held)
        case .approved: return .openNext(service, after: period, invoice: id, because: .approved)
        case .paid: return .openNext(service, after: period, invoice: id, because: .paid)
        case .returned: return .reopen(service, period, invoice: id)
        default: return nil
        }
    }

    public static func evolve(_ state: State, _ event: InvoiceEvent) -> State {
        var state = state
        switch event {
        case .created(let e):
            state.open(
                e.invoiceID, kind: .invoice, e.organisationID, e.contractID, service: e.serviceID, period: e.period, e.reference,
                e.invoiceDate, lines: e.lines, total: e.total, actualsVersion: e.actualsVersion, status: .unsubmitted)
        case .contractInvoiceCreated(let e):
            state.open(
                e.invoiceID, kind: .contractInvoice, e.organisationID, e.contractID, service: nil, period: nil, e.reference,
                e.invoiceDate, lines: e.lines, total: e.total, actualsVersion: nil, status: .unsubmitted)
            state.claimIDs = e.claimIDs
        case .supplementaryRaised(let e):
            state.open(
                e.invoiceID, kind: .supplementaryInvoice, e.organisationID, e.contractID, service: e.serviceID, period: e.period,
                e.reference, e.invoiceDate, lines: e.lines, total: e.total, actualsVersion: e.actualsVersion, status: .submitted)
            state.supplementsInvoiceID = e.supplementsInvoiceID
        case .lineRemoved(let e):
            state.lines.removeAll { $0.cpliID == e.cpliID }
            state.total = e.total
        case .submitted:
            state.status = .submitted
        case .held(let e):
            state.status = .onHold
            state.holdReason = e.reason
        case .released:
            state.status = .submitted
            state.holdReason = nil
        case .approved:
            state.status = .approved
        case .returned(let e):
            state.status = .returned
            state.returnReason = e.reason
            state.holdReason = nil
            state.correctedSinceReturn = false
        case .corrected(let e):
            state.lines = e.lines
            state.total = e.total
            state.actualsVersion = e.actualsVersion
            if state.status == .returned { state.correctedSinceReturn = true }
        case .resubmitted:
            state.status = .submitted
            state.correctedSinceReturn = false
        case .paid(let e):
            state.status = .paid
            state.payment = e
        case .adjustedAfterPayment(let e):
            state.adjustments.append(InvoiceAdjustment(kind: e.kind, documentID: e.documentID, lines: e.lines, total: e.total))
        }
        return state
    }
}

import Chronology

/// One scheduled payment: a contract and a period.
public struct ScheduledPaymentKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var contractID: ContractID
    public var period: PeriodNumber

    public init(contractID: ContractID, period: PeriodNumber) {
        self.contractID = contractID
        self.period = period
    }

    /// `<contractId>/<period>`: the document id on a remittance.
    public var description: String { "\(contractID)/\(period)" }
    /// `SP-<contractId>-P<period>`: the reference on a remittance.
    public var reference: String { "SP-\(contractID)-P\(period)" }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.contractID, lhs.period) < (rhs.contractID, rhs.period) }
}

/// `scheduledpayments-<contractId>`: the four-weekly scheduled payments of a contract whose payment basis is
/// scheduled (R-PAY-1). Each period's payment is calculated from the planned quantities of the contract's
/// active CPLIs (pro-rata in weeks where a CPLI starts or ends, R-ACT-1), one line per CPLI; it is due on the
/// Monday of the period's third week, so it pays the period's first two weeks in arrears and its last two in
/// advance. A payment run pays it once it is due.
public enum ScheduledPayments: EventStream {
    public static let category = "scheduledpayments"

    public struct State: Codable, Equatable, Sendable {
        /// Calculated payments by period number (as text, so the JSON form is an object).
        public var calculated: [String: ScheduledPaymentCalculated] = [:]
        /// Payments made, by period number.
        public var paid: [String: ScheduledPaymentPaid] = [:]
        /// The provider's last word on each period's payment, by period number: confirmed, or queried with a
        /// reason (R-ROLE: the super user of a scheduled contract's provider).
        public var responses: [String: ScheduledPaymentResponse] = [:]

        /// The calculated, unpaid payments due on or before `date`, in period order.
        public func unpaid(dueBy date: BusinessDate) -> [ScheduledPaymentCalculated] {
            calculated.values.filter { paid[$0.period.description] == nil && $0.dueDate <= date }.sorted { $0.period < $1.period }
        }
    }

    public static let initialState = State()

    /// The day a period's scheduled payment is due: the Monday of its third week (two weeks in arrears, two in
    /// advance).
    public static func dueDate(of period: Period) -> BusinessDate { period.firstDay.adding(days: 14) }

    public enum Command: Sendable {
        /// Calculate the period's payment; `cplis` are the CPLIs of the services under the contract.
        case calculate(PeriodNumber, contract: ContractRegistered?, cplis: [CPLI.State])
        /// A payment run paid the period's payment.
        case markPaid(PeriodNumber, PaymentRunID, paymentDate: BusinessDate)
        /// The provider confirms the period's payment is right.
        case confirm(PeriodNumber)
        /// The provider queries the period's payment, saying what is wrong.
        case query(PeriodNumber, reason: String)

        public var requiredPermission: Permission {
            switch self {
            case .calculate, .markPaid: .edit(.paymentProcessing)
            // What the role table's "scheduled payments" gives a provider: super-user (scheduled) has it,
            // super-user (actuals) has everything else (R-ROLE).
            case .confirm, .query: .edit(.scheduledPayments)
            }
        }
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [ScheduledPaymentsEvent] {
        switch command {
        case .calculate(let number, let contract, let cplis):
            guard let contract else { throw DomainError.notFound(field: "contractID", "there is no such contract") }
            guard contract.paymentBasis == .scheduled else {
                throw DomainError.ruleBroken(
                    "R-PAY-1", field: "contractID", "contract \(contract.contractID) is paid from invoices; scheduled payments are for scheduled contracts")
            }
            let period = try context.calendar.requirePeriod(number)
            if state.calculated[number.description] != nil {
                throw DomainError.duplicate(field: "period", "the scheduled payment of contract \(contract.contractID) for period \(number) is calculated already", rule: "R-PAY-1")
            }
            guard period.lastDay >= contract.startDate, contract.endDate.map({ period.firstDay <= $0 }) ?? true else {
                throw DomainError.invalidValue(field: "period", "\(period) is outside contract \(contract.contractID)'s dates", rule: "R-PAY-1")
            }
            var lines: [ChargeLine] = []
            for cpli in cplis.sorted(by: { ($0.definition?.cpliID ?? "") < ($1.definition?.cpliID ?? "") }) where cpli.status == .active {
                guard let definition = cpli.definition, definition.organisationID == contract.organisationID else { continue }
                let weeks = period.weeks.compactMap { week in GeneratedActual(definition, week: week).map { WeekQuantity(week: week, quantity: $0.planned) } }
                if !weeks.isEmpty { lines.append(ChargeLine(definition, period: number, weeks: weeks)) }
            }
            guard !lines.isEmpty else {
                throw DomainError.wrongState(field: "period", "contract \(contract.contractID) has no active CPLI in \(period); there is nothing to pay", rule: "R-PAY-1")
            }
            let weeks = period.weeks
            return [.calculated(ScheduledPaymentCalculated(
                contractID: contract.contractID, organisationID: contract.organisationID, period: number, dueDate: dueDate(of: period),
                arrearsWeeks: Array(weeks.prefix(2)), advanceWeeks: Array(weeks.suffix(2)), lines: lines, total: Money.sum(lines.map(\.amount))))]
        case .markPaid(let number, let run, let paymentDate):
            guard let calculated = state.calculated[number.description] else {
                throw DomainError.notFound(field: "period", "no scheduled payment is calculated for period \(number)")
            }
            if let paid = state.paid[number.description] {
                throw DomainError.wrongState(field: "period", "the scheduled payment for period \(number) was paid by payment run \(paid.paymentRunID)", rule: "R-PAY-2")
            }
            guard calculated.dueDate <= paymentDate else {
                throw DomainError.wrongState(field: "period", "the scheduled payment for period \(number) is due on \(calculated.dueDate), after \(paymentDate)", rule: "R-PAY-1")
            }
            return [.paid(ScheduledPaymentPaid(contractID: calculated.contractID, period: number, paymentRunID: run, paymentDate: paymentDate))]
        case .confirm(let number):
            let calculated = try calculatedPayment(number, state)
            if case .confirmed? = state.responses[number.description] { return [] }
            return [.confirmed(ScheduledPaymentConfirmed(
                contractID: calculated.contractID, organisationID: calculated.organisationID, period: number, total: calculated.total))]
        case .query(let number, let reason):
            let calculated = try calculatedPayment(number, state)
            let text = try TextInput.required(reason, field: "reason", maximumLength: 500)
            if case .queried(let open)? = state.responses[number.description], open.reason == text { return [] }
            return [.queried(ScheduledPaymentQueried(
                contractID: calculated.contractID, organisationID: calculated.organisationID, period: number, total: calculated.total, reason: text))]
        }
    }

    /// The period's calculated payment, or an error naming the period: a payment is confirmed or queried once
    /// the Payments Team has calculated it (R-PAY-1), paid or not.
    static func calculatedPayment(_ number: PeriodNumber, _ state: State) throws(DomainError) -> ScheduledPaymentCalculated {
        guard let calculated = state.calculated[number.description] else {
            throw .notFound(field: "period", "no scheduled payment is calculated for period \(number); it can be confirmed or queried once it is")
        }
        return calculated
    }

    public static func evolve(_ state: State, _ event: ScheduledPaymentsEvent) -> State {
        var state = state
        switch event {
        case .calculated(let e): state.calculated[e.period.description] = e
        case .paid(let e): state.paid[e.period.description] = e
        case .confirmed(let e): state.responses[e.period.description] = .confirmed(e)
        case .queried(let e): state.responses[e.period.description] = .queried(e)
        }
        return state
    }
}

public enum ScheduledPaymentsEvent: StreamEvent {
    case calculated(ScheduledPaymentCalculated)
    case paid(ScheduledPaymentPaid)
    case confirmed(ScheduledPaymentConfirmed)
    case queried(ScheduledPaymentQueried)

    public static let payloadTypes: [any EventPayload.Type] = [
        ScheduledPaymentCalculated.self, ScheduledPaymentPaid.self, ScheduledPaymentConfirmed.self, ScheduledPaymentQueried.self,
    ]

    public var payload: any EventPayload {
        switch self {
        case .calculated(let p): p
        case .paid(let p): p
        case .confirmed(let p): p
        case .queried(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let p as ScheduledPaymentCalculated: self = .calculated(p)
        case let p as ScheduledPaymentPaid: self = .paid(p)
        case let p as ScheduledPaymentConfirmed: self = .confirmed(p)
        case let p as ScheduledPaymentQueried: self = .queried(p)
        default: return nil
        }
    }
}

/// The provider's last word on a period's scheduled payment.
public enum ScheduledPaymentResponse: Codable, Equatable, Sendable {
    case confirmed(ScheduledPaymentConfirmed)
    case queried(ScheduledPaymentQueried)
}

/// The provider confirmed a period's scheduled payment of a contract (its total as calculated): the amount is
/// right. Only a role that edits scheduled payments may (super-user-scheduled, R-ROLE).
public struct ScheduledPaymentConfirmed: EventPayload {
    public static let eventType = "ScheduledPaymentConfirmed"
    public static let schemaVersion = 1
    public var contractID: ContractID
    public var organisationID: OrganisationID
    public var period: PeriodNumber
    /// The total confirmed.
    public var total: Money

    public init(contractID: ContractID, organisationID: OrganisationID, period: PeriodNumber, total: Money) {
        self.contractID = contractID
        self.organisationID = organisationID
        self.period = period
        self.total = total
    }
}

/// The provider queried a period's scheduled payment of a contract, saying what is wrong (a CPLI missing, a rate,
/// the weeks paid), for the Payments Team to look into. A query does not stop the payment.
public struct ScheduledPaymentQueried: EventPayload {
    public static let eventType = "ScheduledPaymentQueried"
    public static let schemaVersion = 1
    public var contractID: ContractID
    public var organisationID: OrganisationID
    public var period: PeriodNumber
    /// The total queried.
    public var total: Money
    public var reason: String

    public init(contractID: ContractID, organisationID: OrganisationID, period: PeriodNumber, total: Money, reason: String) {
        self.contractID = contractID
        self.organisationID = organisationID
        self.period = period
        self.total = total
        self.reason = reason
    }
}

/// A period's scheduled payment of a contract was calculated from planned quantities (R-PAY-1).
public struct ScheduledPaymentCalculated: EventPayload {
    public static let eventType = "ScheduledPaymentCalculated"
    public static let schemaVersion = 1
    public var contractID: ContractID
    public var organisationID: OrganisationID
    public var period: PeriodNumber
    /// The Monday of the period's third week.
    public var dueDate: BusinessDate
    /// The period's first two weeks, paid in arrears.
    public var arrearsWeeks: [Week]
    /// The period's last two weeks, paid in advance.
    public var advanceWeeks: [Week]
    public var lines: [ChargeLine]
    public var total: Money

    public init(
        contractID: ContractID, organisationID: OrganisationID, period: PeriodNumber, dueDate: BusinessDate, arrearsWeeks: [Week],
        advanceWeeks: [Week], lines: [ChargeLine], total: Money
    ) {
        self.contractID = contractID
        self.organisationID = organisationID
        self.period = period
        self.dueDate = dueDate
        self.arrearsWeeks = arrearsWeeks
        self.advanceWeeks = advanceWeeks
        self.lines = lines
        self.total = total
    }

    public var key: ScheduledPaymentKey { ScheduledPaymentKey(contractID: contractID, period: period) }
}

/// A payment run paid a scheduled payment (R-PAY-2).
public struct ScheduledPaymentPaid: EventPayload {
    public static let eventType = "ScheduledPaymentPaid"
    public static let schemaVersion = 1
    public var contractID: ContractID
    public var period: PeriodNumber
    public var paymentRunID: PaymentRunID
    public var paymentDate: BusinessDate

    public init(contractID: ContractID, period: PeriodNumber, paymentRunID: PaymentRunID, paymentDate: BusinessDate) {
        self.contractID = contractID
        self.period = period
        self.paymentRunID = paymentRunID
        self.paymentDate = paymentDate
    }
}

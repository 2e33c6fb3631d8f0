import Chronology

/// The stay that preceded an unplanned absence (R-OOC-1).
public enum PrecedingStay: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case hospital
    case emergencyRespite = "emergency-respite"
    public var description: String { rawValue }
}

/// One client's unplanned absence as the provider enters it on a claim (R-OOC-1).
public struct OneOffClaimItemRequest: Sendable, Equatable {
    /// The client's CPLI: gives the client's reference, name and the rate.
    public var cpliID: CPLIID
    public var absenceFrom: BusinessDate
    public var absenceTo: BusinessDate
    public var precedingStay: PrecedingStay
    /// The hours claimed for the absence.
    public var hours: Quantity
    /// The authorising locality worker's name: required for an absence of 4 to 7 days (R-OOC-2).
    public var authoriser: String?

    public init(cpliID: CPLIID, absenceFrom: BusinessDate, absenceTo: BusinessDate, precedingStay: PrecedingStay, hours: Quantity, authoriser: String? = nil) {
        self.cpliID = cpliID
        self.absenceFrom = absenceFrom
        self.absenceTo = absenceTo
        self.precedingStay = precedingStay
        self.hours = hours
        self.authoriser = authoriser
    }
}

/// One item of a claim as recorded: the client, the absence, its day count, the hours at the CPLI's rate and
/// the amount (half-up to the penny, R-ACT-5).
public struct OneOffClaimItem: Sendable, Hashable, Codable {
    public var cpliID: CPLIID
    public var clientReference: String
    public var clientName: String
    public var absenceFrom: BusinessDate
    public var absenceTo: BusinessDate
    public var days: Int
    public var precedingStay: PrecedingStay
    public var hours: Quantity
    public var rate: Rate
    public var amount: Money
    public var authoriser: String?

    public init(
        cpliID: CPLIID, clientReference: String, clientName: String, absenceFrom: BusinessDate, absenceTo: BusinessDate, days: Int,
        precedingStay: PrecedingStay, hours: Quantity, rate: Rate, amount: Money, authoriser: String?
    ) {
        self.cpliID = cpliID
        self.clientReference = clientReference
        self.clientName = clientName
        self.absenceFrom = absenceFrom
        self.absenceTo = absenceTo
        self.days = days
        self.precedingStay = precedingStay
        self.hours = hours
        self.rate = rate
        self.amount = amount
        self.authoriser = authoriser
    }

    /// The item as a line of a contract-level invoice (R-OOC-4).
    public func chargeLine(claim: ClaimID, period: PeriodNumber) -> ChargeLine {
        ChargeLine(
            cpliID: cpliID, clientReference: clientReference, clientName: clientName, period: period, unit: .hours, rate: rate,
            weeks: [], quantity: hours, amount: amount, claimID: claim)
    }
}

/// A provider's one-off claim as entered.
public struct OneOffClaimRequest: Sendable, Equatable {
    public var claimID: ClaimID
    public var contractID: ContractID
    /// Must be the last day of a period (R-OOC-3).
    public var dateOfClaim: BusinessDate
    public var notes: String?
    public var items: [OneOffClaimItemRequest]

    public init(claimID: ClaimID, contractID: ContractID, dateOfClaim: BusinessDate, notes: String? = nil, items: [OneOffClaimItemRequest]) {
        self.claimID = claimID
        self.contractID = contractID
        self.dateOfClaim = dateOfClaim
        self.notes = notes
        self.items = items
    }
}

/// What the application knows of a claim item's CPLI: its stream state and the contract its service is under.
public struct ClaimItemFacts: Sendable, Equatable {
    public var cpli: CPLI.State
    /// Nil when the CPLI's service is unknown.
    public var contractID: ContractID?

    public init(cpli: CPLI.State, contractID: ContractID?) {
        self.cpli = cpli
        self.contractID = contractID
    }
}

/// `claim-<id>`: a one-off claim for unplanned absences (hospital or emergency respite stays) under a block
/// or framework contract (R-OOC). Created and submitted by the provider, approved or rejected by the Payments
/// Team, and, once approved, invoiced at contract level (R-OOC-4).
public enum OneOffClaim: EventStream {
    public static let category = "claim"

    /// Most days one absence may last; longer absences are refused (R-OOC-2).
    public static let maximumDays = 7
    /// Absences longer than this need the authorising locality worker's name (R-OOC-2).
    public static let daysWithoutAuthoriser = 3
    /// Most items on one claim.
    public static let maximumItems = 50

    public enum Status: String, Codable, Equatable, Sendable, CaseIterable, CustomStringConvertible {
        case none
        /// Created, not yet submitted.
        case draft
        case submitted
        case approved
        case rejected
        /// Deleted by the provider before submission.
        case withdrawn
        public var description: String { rawValue }
    }

    public struct State: Codable, Equatable, Sendable {
        public var created: OneOffClaimCreated?
        public var status: Status = .none
        public var rejectionReason: String?
        /// The contract-level invoice that pays the claim.
        public var invoiceID: InvoiceID?
    }

    public static let initialState = State()

    public enum Command: Sendable {
        /// `items` holds the facts of every CPLI the request names.
        case create(OneOffClaimRequest, contract: ContractRegistered?, items: [CPLIID: ClaimItemFacts])
        case submit
        case withdraw
        case approve
        case reject(reason: String)
        /// The claim was put on a contract-level invoice (R-OOC-4).
        case invoice(InvoiceID)

        public var requiredPermission: Permission {
            switch self {
            case .create, .submit, .withdraw: .edit(.oneOffClaims)
            case .approve, .reject: .edit(.paymentProcessing)
            case .invoice: .edit(.invoices)
            }
        }
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [OneOffClaimEvent] {
        if case .create(let request, let contract, let items) = command {
            guard state.status == .none else { throw DomainError.duplicate(field: "claimID", "claim \(request.claimID) exists already") }
            return [.created(try created(request, contract: contract, facts: items, context))]
        }
        guard let created = state.created else { throw DomainError.notFound(field: "claimID", "there is no such claim") }
        let id = created.claimID
        let today = context.today
        switch command {
        case .create:
            return []
        case .submit:
            try require(state, .draft, to: "submit it")
            return [.submitted(OneOffClaimSubmitted(claimID: id, date: today))]
        case .withdraw:
            try require(state, .draft, to: "delete it")
            return [.withdrawn(OneOffClaimWithdrawn(claimID: id, date: today))]
        case .approve:
            try require(state, .submitted, to: "approve it")
            return [.approved(OneOffClaimApproved(claimID: id, date: today))]
        case .reject(let reason):
            try require(state, .submitted, to: "reject it")
            return [.rejected(OneOffClaimRejected(claimID: id, reason: try TextInput.required(reason, field: "reason", maximumLength: 1000), date: today))]
        case .invoice(let invoice):
            if let earlier = state.invoiceID {
                throw DomainError.wrongState(field: "claimIDs", "claim \(id) is on invoice \(earlier) already", rule: "R-OOC-4")
            }
            try require(state, .approved, to: "invoice it")
            return [.invoiced(OneOffClaimInvoiced(claimID: id, invoiceID: invoice))]
        }
    }

    private static func require(_ state: State, _ status: Status, to verb: String) throws(DomainError) {
        guard state.status == status else {
            throw .wrongState(field: "claimID", "claim \(state.created?.claimID.rawValue ?? "?") is \(state.status); it must be \(status) to \(verb)", rule: "R-OOC-4")
        }
    }

    private static func created(
        _ request: OneOffClaimRequest, contract: ContractRegistered?, facts: [CPLIID: ClaimItemFacts], _ context: CommandContext
    ) throws(DomainError) -> OneOffClaimCreated {
        guard let contract, contract.contractID == request.contractID else {
            throw .notFound(field: "contractID", "there is no contract \(request.contractID)")
        }
        guard contract.contractType != .spotOldBlock else {
            throw .ruleBroken(
                "R-OOC-1", field: "contractID",
                "contract \(contract.contractID) is a spot contract; unplanned absences are claimed under a block or framework contract")
        }
        // R-OOC-3: the date of claim is the last day of a period; the absences lie in that period.
        let period = try context.calendar.requirePeriod(containing: request.dateOfClaim, field: "dateOfClaim")
        guard request.dateOfClaim == period.lastDay else {
            throw .ruleBroken(
                "R-OOC-3", field: "dateOfClaim",
                "the date of claim \(request.dateOfClaim) is not the last day of a period; \(period) ends on \(period.lastDay)")
        }
        guard !request.items.isEmpty else { throw .invalidValue(field: "items", "a claim needs at least one client item", rule: "R-OOC-1") }
        guard request.items.count <= maximumItems else {
            throw .invalidValue(field: "items", "a claim holds at most \(maximumItems) items; split it")
        }
        var items: [OneOffClaimItem] = []
        for (index, item) in request.items.enumerated() {
            do throws(DomainError) {
                let checked = try checkedItem(item, contract: contract, facts: facts[item.cpliID], period: period, today: context.today)
                if let overlap = items.first(where: { $0.cpliID == checked.cpliID && $0.absenceFrom <= checked.absenceTo && checked.absenceFrom <= $0.absenceTo }) {
                    throw DomainError.invalidValue(
                        field: "absenceFrom", "the absence overlaps the claim's absence of CPLI \(overlap.cpliID) from \(overlap.absenceFrom)", rule: "R-OOC-1")
                }
                items.append(checked)
            } catch {
                throw error.located("items[\(index)]: ")
            }
        }
        return OneOffClaimCreated(
            claimID: request.claimID, organisationID: contract.organisationID, contractID: contract.contractID,
            dateOfClaim: request.dateOfClaim, period: period.number,
            notes: try TextInput.optional(request.notes, field: "notes", maximumLength: 2000), items: items,
            total: Money.sum(items.map(\.amount)))
    }

    private static func checkedItem(
        _ item: OneOffClaimItemRequest, contract: ContractRegistered, facts: ClaimItemFacts?, period: Period, today: BusinessDate
    ) throws(DomainError) -> OneOffClaimItem {
        guard let facts, let definition = facts.cpli.definition, definition.organisationID == contract.organisationID else {
            throw .notFound(field: "cpliID", "there is no CPLI \(item.cpliID) of your organisation")
        }
        guard facts.contractID == contract.contractID else {
            throw .invalidValue(field: "cpliID", "CPLI \(item.cpliID) is for a service under another contract, not \(contract.contractID)", rule: "R-OOC-1")
        }
        guard facts.cpli.status == .active else {
            throw .ruleBroken("R-ISO-3", field: "cpliID", "CPLI \(item.cpliID) is not active: its ISO \(definition.isoID) has not been agreed")
        }
        guard definition.unit == .hours else {
            throw .invalidValue(field: "cpliID", "CPLI \(item.cpliID) is paid per night; a one-off claim pays hours", rule: "R-OOC-1")
        }
        guard item.absenceFrom <= item.absenceTo else {
            throw .invalidValue(field: "absenceTo", "absenceTo \(item.absenceTo) is before absenceFrom \(item.absenceFrom)")
        }
        guard period.contains(item.absenceFrom), period.contains(item.absenceTo) else {
            throw .invalidValue(
                field: "absenceFrom", "the absence \(item.absenceFrom) to \(item.absenceTo) is not within \(period), the period of the date of claim", rule: "R-OOC-3")
        }
        guard item.absenceTo <= today else {
            throw .invalidValue(field: "absenceTo", "absenceTo \(item.absenceTo) is in the future; claim an absence once it has happened")
        }
        guard definition.covers(item.absenceFrom), definition.covers(item.absenceTo) else {
            throw .invalidValue(
                field: "absenceFrom",
                "CPLI \(item.cpliID) does not run for the whole absence (it runs from \(definition.startDate) to \(definition.endDate?.description ?? "no end date"))")
        }
        let days = item.absenceFrom.distance(to: item.absenceTo) + 1
        guard days <= maximumDays else {
            throw .ruleBroken("R-OOC-2", field: "absenceTo", "the absence lasts \(days) days; more than \(maximumDays) days cannot be claimed")
        }
        let authoriser = try TextInput.optional(item.authoriser, field: "authoriser", maximumLength: 100)
        if days > daysWithoutAuthoriser && authoriser == nil {
            throw .ruleBroken("R-OOC-2", field: "authoriser", "the absence lasts \(days) days; an absence of 4 to 7 days needs the authorising locality worker's name")
        }
        let most = Quantity(24 * days)
        guard item.hours > .zero, item.hours <= most else {
            throw .invalidValue(field: "hours", "hours is \(item.hours); claim more than 0 and at most \(most) hours for \(days) day\(days == 1 ? "" : "s")", rule: "R-OOC-1")
        }
        return OneOffClaimItem(
            cpliID: definition.cpliID, clientReference: definition.clientReference, clientName: definition.clientName,
            absenceFrom: item.absenceFrom, absenceTo: item.absenceTo, days: days, precedingStay: item.precedingStay, hours: item.hours,
            rate: definition.rate, amount: item.hours.amount(at: definition.rate), authoriser: authoriser)
    }

    public static func evolve(_ state: State, _ event: OneOffClaimEvent) -> State {
        var state = state
        switch event {
        case .created(let e):
            state.created = e
            state.status = .draft
        case .submitted: state.status = .submitted
        case .withdrawn: state.status = .withdrawn
        case .approved: state.status = .approved
        case .rejected(let e):
            state.status = .rejected
            state.rejectionReason = e.reason
        case .invoiced(let e): state.invoiceID = e.invoiceID
        }
        return state
    }
}

public enum OneOffClaimEvent: StreamEvent {
    case created(OneOffClaimCreated)
    case submitted(OneOffClaimSubmitted)
    case withdrawn(OneOffClaimWithdrawn)
    case approved(OneOffClaimApproved)
    case rejected(OneOffClaimRejected)
    case invoiced(OneOffClaimInvoiced)

    public static let payloadTypes: [any EventPayload.Type] = [
        OneOffClaimCreated.self, OneOffClaimSubmitted.self, OneOffClaimWithdrawn.self, OneOffClaimApproved.self,
        OneOffClaimRejected.self, OneOffClaimInvoiced.self,
    ]

    public var payload: any EventPayload {
        switch self {
        case .created(let p): p
        case .submitted(let p): p
        case .withdrawn(let p): p
        case .approved(let p): p
        case .rejected(let p): p
        case .invoiced(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let p as OneOffClaimCreated: self = .created(p)
        case let p as OneOffClaimSubmitted: self = .submitted(p)
        case let p as OneOffClaimWithdrawn: self = .withdrawn(p)
        case let p as OneOffClaimApproved: self = .approved(p)
        case let p as OneOffClaimRejected: self = .rejected(p)
        case let p as OneOffClaimInvoiced: self = .invoiced(p)
        default: return nil
        }
    }
}

/// The provider created a one-off claim: its date of claim (a period's last day, R-OOC-3), the period, and
/// its items with their amounts; `total` is the sum of the items.
public struct OneOffClaimCreated: EventPayload {
    public static let eventType = "OneOffClaimCreated"
    public static let schemaVersion = 1
    public var claimID: ClaimID
    public var organisationID: OrganisationID
    public var contractID: ContractID
    public var dateOfClaim: BusinessDate
    public var period: PeriodNumber
    public var notes: String?
    public var items: [OneOffClaimItem]
    public var total: Money

    public init(
        claimID: ClaimID, organisationID: OrganisationID, contractID: ContractID, dateOfClaim: BusinessDate, period: PeriodNumber,
        notes: String?, items: [OneOffClaimItem], total: Money
    ) {
        self.claimID = claimID
        self.organisationID = organisationID
        self.contractID = contractID
        self.dateOfClaim = dateOfClaim
        self.period = period
        self.notes = notes
        self.items = items
        self.total = total
    }
}

/// The provider submitted the claim to the Payments Team.
public struct OneOffClaimSubmitted: EventPayload {
    public static let eventType = "OneOffClaimSubmitted"
    public static let schemaVersion = 1
    public var claimID: ClaimID
    public var date: BusinessDate

    public init(claimID: ClaimID, date: BusinessDate) {
        self.claimID = claimID
        self.date = date
    }
}

/// The provider deleted the claim before submitting it.
public struct OneOffClaimWithdrawn: EventPayload {
    public static let eventType = "OneOffClaimWithdrawn"
    public static let schemaVersion = 1
    public var claimID: ClaimID
    public var date: BusinessDate

    public init(claimID: ClaimID, date: BusinessDate) {
        self.claimID = claimID
        self.date = date
    }
}

/// The Payments Team approved the claim; the provider may now invoice it at contract level (R-OOC-4).
public struct OneOffClaimApproved: EventPayload {
    public static let eventType = "OneOffClaimApproved"
    public static let schemaVersion = 1
    public var claimID: ClaimID
    public var date: BusinessDate

    public init(claimID: ClaimID, date: BusinessDate) {
        self.claimID = claimID
        self.date = date
    }
}

/// The Payments Team rejected the claim, saying why.
public struct OneOffClaimRejected: EventPayload {
    public static let eventType = "OneOffClaimRejected"
    public static let schemaVersion = 1
    public var claimID: ClaimID
    public var reason: String
    public var date: BusinessDate

    public init(claimID: ClaimID, reason: String, date: BusinessDate) {
        self.claimID = claimID
        self.reason = reason
        self.date = date
    }
}

/// The approved claim was put on a contract-level invoice, in the same append that created it (R-OOC-4).
public struct OneOffClaimInvoiced: EventPayload {
    public static let eventType = "OneOffClaimInvoiced"
    public static let schemaVersion = 1
    public var claimID: ClaimID
    public var invoiceID: InvoiceID

    public init(claimID: ClaimID, invoiceID: InvoiceID) {
        self.claimID = claimID
        self.invoiceID = invoiceID
    }
}

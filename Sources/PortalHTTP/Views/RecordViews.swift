import Chronology
import PortalApplication
import PortalDomain
import PortalProjections

/// A change request waiting for the helpdesk (R-CON-1).
struct PendingDetailsChangeView: Encodable {
    var requestID: ChangeRequestID
    var proposed: ContactDetails
}

extension PendingChangeRequests where Change == ContactDetails {
    var views: [PendingDetailsChangeView] {
        open.sorted { $0.key < $1.key }.map { PendingDetailsChangeView(requestID: $0.key, proposed: $0.value) }
    }
}

extension [PendingDetailsChange] {
    /// The read model's pending requests as the record views show them: by request id.
    var views: [PendingDetailsChangeView] {
        sorted { $0.requestID < $1.requestID }.map { PendingDetailsChangeView(requestID: $0.requestID, proposed: $0.proposed) }
    }
}

/// A provider organisation.
struct OrganisationView: Encodable {
    var organisationID: OrganisationID
    var details: ContactDetails
    var pendingChangeRequests: [PendingDetailsChangeView]
    var version: UInt64

    init?(_ snapshot: StreamSnapshot<Organisation.State>) {
        guard let id = snapshot.state.id, let details = snapshot.state.details else { return nil }
        organisationID = id
        self.details = details
        pendingChangeRequests = snapshot.state.changeRequests.views
        version = snapshot.version
    }

    /// From the providers read model.
    init(_ entry: OrganisationEntry) {
        organisationID = entry.organisationID
        details = entry.details
        pendingChangeRequests = entry.pendingChanges.views
        version = entry.version
    }
}

/// A contract between the council and a provider.
struct ContractView: Encodable {
    var contract: ContractRegistered
    var version: UInt64
}

extension ContractView {
    /// From the providers read model.
    init(_ entry: ContractEntry) {
        self.init(contract: entry.contract, version: entry.version)
    }
}

/// A service of a provider.
struct ServiceView: Encodable {
    var serviceID: ServiceID
    var organisationID: OrganisationID
    var contractID: ContractID
    var startDate: BusinessDate
    var details: ContactDetails
    var pendingChangeRequests: [PendingDetailsChangeView]
    var version: UInt64

    init?(_ snapshot: StreamSnapshot<Service.State>) {
        guard let registration = snapshot.state.registration else { return nil }
        serviceID = registration.serviceID
        organisationID = registration.organisationID
        contractID = registration.contractID
        startDate = registration.startDate
        details = snapshot.state.details ?? registration.details
        pendingChangeRequests = snapshot.state.changeRequests.views
        version = snapshot.version
    }

    /// From the providers read model.
    init(_ entry: ServiceEntry) {
        serviceID = entry.serviceID
        organisationID = entry.organisationID
        contractID = entry.contractID
        startDate = entry.startDate
        details = entry.details
        pendingChangeRequests = entry.pendingChanges.views
        version = entry.version
    }
}

/// An account: a provider contact, council staff or an auditor. Never a secret.
struct AccountView: Encodable {
    struct PendingChange: Encodable {
        var requestID: ChangeRequestID
        /// `creation`, `amend` or `role-removal`.
        var change: String
        var person: Person?
        var role: ProviderRole?
    }

    var userID: UserID
    /// `provider-contact`, `council-staff` or `auditor`.
    var kind: String
    var organisationID: OrganisationID?
    var role: ProviderRole?
    var team: CouncilTeam?
    var person: Person?
    var status: String
    var pendingChangeRequests: [PendingChange]
    var security: AccountSecurityView
    var version: UInt64

    init?(_ snapshot: StreamSnapshot<User.State>) {
        self.init(snapshot.state, version: snapshot.version)
    }

    /// From the contacts read model, which folds the account with the domain's own `User.evolve`.
    init?(_ entry: ContactEntry) {
        self.init(entry.account, version: entry.version)
    }

    init?(_ state: User.State, version: UInt64) {
        guard let userID = state.userID, let kind = state.kind else { return nil }
        self.userID = userID
        switch kind {
        case .providerContact(let organisation, let role):
            self.kind = "provider-contact"; organisationID = organisation; self.role = role
        case .councilStaff(let team):
            self.kind = "council-staff"; self.team = team
        case .auditor:
            self.kind = "auditor"
        }
        person = state.person
        status = state.status.rawValue
        pendingChangeRequests = state.changeRequests.open.sorted { $0.key < $1.key }.map { id, change in
            switch change {
            case .creation: PendingChange(requestID: id, change: "creation")
            case .amend(let person, let role): PendingChange(requestID: id, change: "amend", person: person, role: role)
            case .roleRemoval: PendingChange(requestID: id, change: "role-removal")
            }
        }
        security = AccountSecurityView(state.security)
        self.version = version
    }
}

/// A contract document (ISO) with its CPLIs.
struct ContractDocumentView: Encodable {
    var isoID: ISOID
    var organisationID: OrganisationID
    var serviceID: ServiceID
    var clientReference: String
    var clientName: String
    var status: String
    var rejectionReason: String?
    var cplis: [CPLIView]
    var updatedAt: Timestamp?
    var version: UInt64
}

/// A CPLI with its cost breakdown (R-ISO-3): weekly (planned × rate, half-up to the penny) and for a four-week
/// period (four weekly amounts, as an invoice adds them).
struct CPLIView: Encodable {
    var cpliID: CPLIID
    var isoID: ISOID
    var organisationID: OrganisationID
    var serviceID: ServiceID
    var clientReference: String
    var clientName: String
    var serviceType: ServiceType
    var unit: CareUnit
    var plannedPerWeek: Quantity
    var rate: Rate
    var weeklyCost: Money
    var periodCost: Money
    var startDate: BusinessDate
    var endDate: BusinessDate?
    var temporaryOf: CPLIID?
    /// `commissioned` (ISO published) or `active` (ISO agreed).
    var status: String

    init?(_ state: CPLI.State) {
        guard let definition = state.definition else { return nil }
        cpliID = definition.cpliID
        isoID = definition.isoID
        organisationID = definition.organisationID
        serviceID = definition.serviceID
        clientReference = definition.clientReference
        clientName = definition.clientName
        serviceType = definition.serviceType
        unit = definition.unit
        plannedPerWeek = definition.plannedPerWeek
        rate = definition.rate
        weeklyCost = definition.weeklyCost
        periodCost = definition.periodCost
        startDate = definition.startDate
        endDate = definition.endDate
        temporaryOf = definition.temporaryOf
        status = state.status.rawValue
    }
}

/// One CPLI's week of actuals.
struct ActualLineView: Encodable {
    var cpliID: CPLIID
    var week: Week
    var planned: Quantity
    var isProRata: Bool
    var actual: Quantity
    var frustrated: Quantity
    var missed: Quantity
    var extra: Quantity
    var visits: Int
    var comment: String
    var invoiceReference: String?
    var abortedVisits: [AbortedVisitClaim]
    var paidQuantity: Quantity
    var flags: [ActualFlag]
    /// True when the line was edited (an event), false for a generated line (R-ACT-1).
    var isRecorded: Bool

    init(_ line: ActualRecorded, isRecorded: Bool) {
        cpliID = line.cpliID
        week = line.week
        planned = line.planned
        isProRata = line.isProRata
        actual = line.actual
        frustrated = line.frustrated
        missed = line.missed
        extra = line.extra
        visits = line.visits
        comment = line.comment
        invoiceReference = line.invoiceReference
        abortedVisits = line.abortedVisits
        paidQuantity = line.paidQuantity
        flags = line.flags
        self.isRecorded = isRecorded
    }
}

/// The actuals of a service in a period or one week of it.
struct ActualsView: Encodable {
    var serviceID: ServiceID
    var period: PeriodNumber
    var firstDay: BusinessDate
    var lastDay: BusinessDate
    var week: Week?
    /// The period open for edits today, nil when none (R-PER-2).
    var openPeriod: PeriodNumber?
    var isLocked: Bool
    /// Weeks confirmed by the provider (R-ACT-9), by Monday.
    var confirmedWeeks: [Week]
    var lines: [ActualLineView]
    var version: UInt64
}

/// The period locks of a service (R-PER).
struct PeriodLocksView: Encodable {
    struct Lock: Encodable {
        var period: PeriodNumber
        var invoiceID: InvoiceID
        /// Why the next period opened: held, approved or paid; nil while locked without release.
        var release: PeriodRelease?
    }

    var serviceID: ServiceID
    var openPeriod: PeriodNumber?
    var locks: [Lock]
    var version: UInt64
}

/// A first password issued to a new account or by a reset: shown once, to the helpdesk (R-ACC-1).
struct FirstPasswordView: Encodable {
    var userID: UserID
    var firstPassword: String?
    var account: AccountView?
}

/// A change request waiting for the helpdesk (R-CON-1), as the helpdesk's queue lists it.
struct ChangeRequestView: Encodable {
    /// `contact-creation`, `contact-amend`, `contact-role-removal`, `organisation-details` or `service-details`.
    var kind: String
    var requestID: ChangeRequestID
    var organisationID: OrganisationID?
    /// The contact, for a contact request.
    var userID: UserID?
    /// The service, for a service details request.
    var serviceID: ServiceID?
    /// The person and role asked for (contact creation and amendment).
    var person: Person?
    var role: ProviderRole?
    /// The details asked for (organisation and service details).
    var proposed: ContactDetails?
    /// Who asked, and when.
    var requested: StepRecord
    /// Where the helpdesk accepts it (POST, with `If-Match`); `…/reject` next to it rejects it.
    var accept: String
}

/// A service's periods as the period board shows them (R-PER-2, R-PER-3).
struct PeriodBoardView: Encodable {
    struct Step: Encodable {
        var status: PeriodLockStatus
        var invoiceID: InvoiceID
        var nextPeriodOpenedBecause: PeriodRelease?
        /// The event, who and when.
        var step: StepRecord
    }

    struct Period: Encodable {
        var period: PeriodNumber
        var firstDay: BusinessDate
        var lastDay: BusinessDate
        /// `open` (never locked), `locked` (its invoice was submitted) or `reopened` (its invoice was returned).
        var status: PeriodLockStatus
        /// The one period open for edits today (R-PER-2).
        var isOpenForEdits: Bool
        var invoiceID: InvoiceID?
        /// While locked: why the next period opened (its invoice was held, approved or paid).
        var nextPeriodOpenedBecause: PeriodRelease?
        var history: [Step]

        init(_ standing: PeriodLockQueries.PeriodStanding) {
            period = standing.period
            firstDay = standing.firstDay
            lastDay = standing.lastDay
            status = standing.status
            isOpenForEdits = standing.isOpenForEdits
            invoiceID = standing.entry?.invoiceID
            nextPeriodOpenedBecause = standing.entry?.nextPeriodOpenedBecause
            history = standing.entry?.history.map {
                Step(status: $0.status, invoiceID: $0.invoiceID, nextPeriodOpenedBecause: $0.nextPeriodOpenedBecause, step: $0.step)
            } ?? []
        }
    }

    var serviceID: ServiceID
    var today: BusinessDate
    var openPeriod: PeriodNumber?
    var periods: [Period]
}

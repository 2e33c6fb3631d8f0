import Chronology
import PortalDomain

/// Period locks per service and period: open, locked or reopened, and why — which invoice, which event,
/// who and when (R-PER-2, R-PER-3). Each service's locks are folded by the domain's `PeriodLocks.evolve`, so
/// the open-period rule reads them exactly as the domain does.
///
/// Tables: `services` [org, service] → ``ServicePeriods``; `periods` [org, service, period] →
/// ``PeriodLockEntry``; `service-owners` [service] → org.
public enum PeriodLocksProjection: Projection {
    public static let name = "period-locks"
    public static let version = 1
    public static let tables = ["services", "periods", "service-owners"]
    public static let eventTypes: Set<String> = [
        ServiceRegistered.eventType, PeriodLocked.eventType, NextPeriodOpened.eventType, PeriodReopened.eventType,
    ]

    public static func apply(_ event: ProjectedEvent, to model: borrowing ReadModelWriter) throws {
        if let registered = event.payload as? ServiceRegistered {
            try model.putOwner(registered.organisationID, "service-owners", registered.serviceID.rawValue)
            try model.put(ServicePeriods(serviceID: registered.serviceID, organisationID: registered.organisationID,
                                         startDate: registered.startDate, locks: PeriodLocks.initialState),
                          "services", ReadModelKey(.text(registered.organisationID.rawValue), .text(registered.serviceID.rawValue)))
            return
        }
        guard let lockEvent = PeriodLocksEvent(payload: event.payload) else { return }
        let (service, period, invoice, status, release): (ServiceID, PeriodNumber, InvoiceID, PeriodLockStatus, PeriodRelease?) =
            switch lockEvent {
            case .locked(let e): (e.serviceID, e.period, e.invoiceID, .locked, nil)
            case .nextPeriodOpened(let e): (e.serviceID, e.period, e.invoiceID, .locked, e.reason)
            case .reopened(let e): (e.serviceID, e.period, e.invoiceID, .reopened, nil)
            }
        let owner = try model.requireOwner("service-owners", service.rawValue, "service", for: event)
        let serviceKey = ReadModelKey(.text(owner.rawValue), .text(service.rawValue))
        var periods = try model.require(ServicePeriods.self, "services", serviceKey, "service \(service)", for: event)
        periods.locks = PeriodLocks.evolve(periods.locks, lockEvent)
        try model.put(periods, "services", serviceKey)

        let key = serviceKey.appending(.period(period))
        var entry = try model.get(PeriodLockEntry.self, "periods", key)
            ?? PeriodLockEntry(serviceID: service, organisationID: owner, period: period, status: .open, invoiceID: nil,
                               nextPeriodOpenedBecause: nil, history: [])
        entry.status = status
        entry.invoiceID = invoice
        entry.nextPeriodOpenedBecause = release
        entry.history.append(PeriodLockStep(status: status, invoiceID: invoice, nextPeriodOpenedBecause: release, step: StepRecord(event)))
        try model.put(entry, "periods", key)
    }
}

/// Where a service's period stands.
public enum PeriodLockStatus: String, Codable, Sendable, Hashable {
    /// Never locked: its actuals can be edited once it is the open period (R-PER-2).
    case open
    /// Its invoice was submitted (R-PER-3).
    case locked
    /// Its invoice was returned: open for edits again (R-PER-3).
    case reopened
}

/// One lock step of a period, with its reason and who took it.
public struct PeriodLockStep: Codable, Sendable, Equatable {
    public var status: PeriodLockStatus
    public var invoiceID: InvoiceID
    /// Set on the step that opened the next period: the invoice was held, approved or paid.
    public var nextPeriodOpenedBecause: PeriodRelease?
    public var step: StepRecord
}

/// One period of one service: its lock status, the invoice that set it, and every lock step so far.
public struct PeriodLockEntry: Codable, Sendable, Equatable {
    public var serviceID: ServiceID
    public var organisationID: OrganisationID
    public var period: PeriodNumber
    public var status: PeriodLockStatus
    /// The invoice whose submission, hold, approval, payment or return set the status.
    public var invoiceID: InvoiceID?
    /// While locked: why the next period is open (the invoice was held, approved or paid), or nil when the
    /// invoice awaits the Payments Team.
    public var nextPeriodOpenedBecause: PeriodRelease?
    /// Every lock step, oldest first.
    public var history: [PeriodLockStep]
}

/// A service's period locks as the domain folds them, with what the open-period rule needs.
public struct ServicePeriods: Codable, Sendable, Equatable {
    public var serviceID: ServiceID
    public var organisationID: OrganisationID
    public var startDate: BusinessDate
    public var locks: PeriodLocks.State
}

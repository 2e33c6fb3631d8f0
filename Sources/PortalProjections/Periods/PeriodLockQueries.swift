import Chronology
import PortalDomain

/// Reads of period locks (``PeriodLocksProjection``).
public struct PeriodLockQueries: Sendable {
    let engine: ProjectionEngine

    /// A period as the board shows it: its dates, lock status, and whether it is the one open for edits today.
    public struct PeriodStanding: Sendable, Equatable {
        public var period: PeriodNumber
        public var firstDay: BusinessDate
        public var lastDay: BusinessDate
        public var status: PeriodLockStatus
        /// The period open for edits today (R-PER-2): at most one per service.
        public var isOpenForEdits: Bool
        /// The lock history, when the period was ever locked.
        public var entry: PeriodLockEntry?
    }

    /// One period's lock entry; nil when it was never locked (it is open) or the scope may not see the service.
    public func lock(_ service: ServiceID, _ period: PeriodNumber, _ scope: ReadScope) throws -> PeriodLockEntry? {
        try engine.read(PeriodLocksProjection.self) { reader in
            guard let owner = try reader.owner("service-owners", service.rawValue), scope.allows(owner) else { return nil }
            return try reader.get(PeriodLockEntry.self, "periods",
                                  ReadModelKey(.text(owner.rawValue), .text(service.rawValue), .period(period)))
        }
    }

    /// Every period of a service that was ever locked, in period order.
    public func locks(_ service: ServiceID, _ scope: ReadScope) throws -> [PeriodLockEntry] {
        try engine.read(PeriodLocksProjection.self) { reader in
            guard let owner = try reader.owner("service-owners", service.rawValue), scope.allows(owner) else { return [] }
            return try reader.values(PeriodLockEntry.self, "periods", prefix: ReadModelKey(.text(owner.rawValue), .text(service.rawValue)))
        }
    }

    /// The service's locks as the domain folds them, or nil when the service is unknown or not visible.
    public func servicePeriods(_ service: ServiceID, _ scope: ReadScope) throws -> ServicePeriods? {
        try engine.read(PeriodLocksProjection.self) { reader in
            try reader.owned(ServicePeriods.self, "services", owners: "service-owners", id: service.rawValue, scope)
        }
    }

    /// The period open for edits `today` (R-PER-2), by the domain's rule; nil when none is open or the service
    /// is unknown or not visible.
    public func openPeriod(_ service: ServiceID, today: BusinessDate, calendar: PeriodCalendar, _ scope: ReadScope) throws -> PeriodNumber? {
        guard let periods = try servicePeriods(service, scope) else { return nil }
        return PeriodLocks.openPeriod(periods.locks, service: .init(startDate: periods.startDate, calendar: calendar),
                                      today: today, calendar: calendar)
    }

    /// The service's periods from its first through the one containing `today`: status and which is open.
    public func board(_ service: ServiceID, today: BusinessDate, calendar: PeriodCalendar, _ scope: ReadScope) throws -> [PeriodStanding] {
        guard let periods = try servicePeriods(service, scope) else { return [] }
        let entries = Dictionary(uniqueKeysWithValues: try locks(service, scope).map { ($0.period, $0) })
        let facts = PeriodLocks.ServiceFacts(startDate: periods.startDate, calendar: calendar)
        let open = PeriodLocks.openPeriod(periods.locks, service: facts, today: today, calendar: calendar)
        guard let current = calendar.period(containing: today)?.number, facts.firstPeriod <= current else { return [] }
        return (facts.firstPeriod.value...current.value).map { number in
            let period = calendar.period(PeriodNumber(number))
            let entry = entries[period.number]
            return PeriodStanding(period: period.number, firstDay: period.firstDay, lastDay: period.lastDay,
                                  status: entry?.status ?? .open, isOpenForEdits: open == period.number, entry: entry)
        }
    }
}

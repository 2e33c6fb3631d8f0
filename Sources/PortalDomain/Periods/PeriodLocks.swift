import Chronology

/// Why the period after a submitted one opened (R-PER-3).
public enum PeriodRelease: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case held
    case approved
    case paid
    public var description: String { rawValue }
}

/// `periods-<serviceId>`: the period locks of one service, written by the invoice lifecycle (part 2):
/// submitting the period's invoice locks it; holding, approving or paying it opens the next period;
/// returning it reopens its period (R-PER-2, R-PER-3).
public enum PeriodLocks: EventStream {
    public static let category = "periods"

    /// Where one period's invoice is.
    public struct Lock: Codable, Equatable, Sendable {
        public var invoiceID: InvoiceID
        /// Set once the invoice was held, approved or paid: the next period may open.
        public var release: PeriodRelease?
    }

    public struct State: Codable, Equatable, Sendable {
        /// Locked periods by number (as text, so the JSON form is an object).
        public var locks: [String: Lock] = [:]

        public func lock(of period: PeriodNumber) -> Lock? { locks[period.description] }
    }

    public static let initialState = State()

    public enum Command: Sendable {
        /// The period's invoice was submitted.
        case lock(ServiceID, PeriodNumber, invoice: InvoiceID)
        /// The period's invoice was held, approved or paid: the next period opens.
        case openNext(ServiceID, after: PeriodNumber, invoice: InvoiceID, because: PeriodRelease)
        /// The period's invoice was returned: the period is open for edits again.
        case reopen(ServiceID, PeriodNumber, invoice: InvoiceID)

        public var requiredPermission: Permission { .edit(.periodLocks) }
    }

    /// The service's own facts the open-period rule needs.
    public struct ServiceFacts: Sendable, Equatable {
        /// The service's first period: the period of its start date, or period 1 when it started earlier.
        public var firstPeriod: PeriodNumber

        public init(firstPeriod: PeriodNumber) {
            self.firstPeriod = firstPeriod
        }

        public init(startDate: BusinessDate, calendar: PeriodCalendar) {
            self.firstPeriod = calendar.period(containing: startDate)?.number ?? PeriodNumber(1)
        }
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [PeriodLocksEvent] {
        switch command {
        case .lock(let service, let period, let invoice):
            if let existing = state.lock(of: period) {
                throw DomainError.wrongState(field: "period", "period \(period) is locked already by invoice \(existing.invoiceID)", rule: "R-PER-3")
            }
            return [.locked(PeriodLocked(serviceID: service, period: period, invoiceID: invoice))]
        case .openNext(let service, let period, let invoice, let reason):
            let lock = try requireLock(state, period, invoice)
            guard lock.release == nil else { return [] }
            return [.nextPeriodOpened(NextPeriodOpened(serviceID: service, period: period, invoiceID: invoice, reason: reason))]
        case .reopen(let service, let period, let invoice):
            _ = try requireLock(state, period, invoice)
            return [.reopened(PeriodReopened(serviceID: service, period: period, invoiceID: invoice))]
        }
    }

    private static func requireLock(_ state: State, _ period: PeriodNumber, _ invoice: InvoiceID) throws(DomainError) -> Lock {
        guard let lock = state.lock(of: period) else {
            throw .wrongState(field: "period", "period \(period) is not locked", rule: "R-PER-3")
        }
        guard lock.invoiceID == invoice else {
            throw .wrongState(field: "invoiceID", "period \(period) is locked by invoice \(lock.invoiceID), not \(invoice)", rule: "R-PER-3")
        }
        return lock
    }

    public static func evolve(_ state: State, _ event: PeriodLocksEvent) -> State {
        var state = state
        switch event {
        case .locked(let e):
            state.locks[e.period.description] = Lock(invoiceID: e.invoiceID, release: nil)
        case .nextPeriodOpened(let e):
            state.locks[e.period.description]?.release = e.reason
        case .reopened(let e):
            state.locks[e.period.description] = nil
        }
        return state
    }

    /// The period open for edits `today` (R-PER-2): the earliest from the service's first period whose
    /// invoice was not submitted, reached only through periods whose invoices were held, approved or paid,
    /// and never one that has not started. Nil when none is open (an invoice awaits the Payments Team, or
    /// the next period has not started).
    public static func openPeriod(_ state: State, service: ServiceFacts, today: BusinessDate, calendar: PeriodCalendar) -> PeriodNumber? {
        guard let current = calendar.period(containing: today)?.number else { return nil }
        var period = service.firstPeriod
        while let lock = state.lock(of: period) {
            guard lock.release != nil else { return nil }
            period = period.next
        }
        return period <= current ? period : nil
    }

    /// Refuses an edit in `period` unless it is the open period, with the reason it is not.
    public static func requireOpen(
        _ period: PeriodNumber, _ state: State, service: ServiceFacts, today: BusinessDate, calendar: PeriodCalendar
    ) throws(DomainError) {
        if openPeriod(state, service: service, today: today, calendar: calendar) == period { return }
        if let lock = state.lock(of: period) {
            throw .ruleBroken("R-PER-3", field: "period", "period \(period) is locked: its invoice \(lock.invoiceID) was submitted")
        }
        let dates = calendar.period(period)
        if dates.firstDay > today {
            throw .ruleBroken("R-PER-2", field: "period", "period \(period) has not started; it opens for edits from \(dates.firstDay)")
        }
        if period < service.firstPeriod {
            throw .ruleBroken("R-PER-2", field: "period", "period \(period) is before the service's first period, \(service.firstPeriod)")
        }
        var earlier = service.firstPeriod
        while earlier < period {
            if let lock = state.lock(of: earlier) {
                if lock.release == nil {
                    throw .ruleBroken(
                        "R-PER-3", field: "period",
                        "period \(period) is not open: the invoice \(lock.invoiceID) of period \(earlier) awaits the Payments Team")
                }
            } else {
                throw .ruleBroken(
                    "R-PER-2", field: "period",
                    "period \(period) is not open: period \(earlier) must be invoiced first (one period is open at a time)")
            }
            earlier = earlier.next
        }
        throw .ruleBroken("R-PER-2", field: "period", "period \(period) is not open for edits")
    }
}

public enum PeriodLocksEvent: StreamEvent {
    case locked(PeriodLocked)
    case nextPeriodOpened(NextPeriodOpened)
    case reopened(PeriodReopened)

    public static let payloadTypes: [any EventPayload.Type] = [PeriodLocked.self, NextPeriodOpened.self, PeriodReopened.self]

    public var payload: any EventPayload {
        switch self {
        case .locked(let p): p
        case .nextPeriodOpened(let p): p
        case .reopened(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let p as PeriodLocked: self = .locked(p)
        case let p as NextPeriodOpened: self = .nextPeriodOpened(p)
        case let p as PeriodReopened: self = .reopened(p)
        default: return nil
        }
    }
}

/// The period's invoice was submitted: no more edits of its actuals (R-PER-3).
public struct PeriodLocked: EventPayload {
    public static let eventType = "PeriodLocked"
    public static let schemaVersion = 1
    public var serviceID: ServiceID
    public var period: PeriodNumber
    public var invoiceID: InvoiceID
    public init(serviceID: ServiceID, period: PeriodNumber, invoiceID: InvoiceID) {
        self.serviceID = serviceID
        self.period = period
        self.invoiceID = invoiceID
    }
}

/// The invoice of `period` was held, approved or paid: the next period is open for edits (R-PER-3).
public struct NextPeriodOpened: EventPayload {
    public static let eventType = "NextPeriodOpened"
    public static let schemaVersion = 1
    public var serviceID: ServiceID
    public var period: PeriodNumber
    public var invoiceID: InvoiceID
    public var reason: PeriodRelease
    public init(serviceID: ServiceID, period: PeriodNumber, invoiceID: InvoiceID, reason: PeriodRelease) {
        self.serviceID = serviceID
        self.period = period
        self.invoiceID = invoiceID
        self.reason = reason
    }
}

/// The invoice of `period` was returned: the period is open for edits again (R-PER-3).
public struct PeriodReopened: EventPayload {
    public static let eventType = "PeriodReopened"
    public static let schemaVersion = 1
    public var serviceID: ServiceID
    public var period: PeriodNumber
    public var invoiceID: InvoiceID
    public init(serviceID: ServiceID, period: PeriodNumber, invoiceID: InvoiceID) {
        self.serviceID = serviceID
        self.period = period
        self.invoiceID = invoiceID
    }
}

import Chronology
import PortalDomain

/// One line of the actuals calendar: a CPLI's week as recorded, or as generated when nobody edited it.
public struct CalendarLine: Codable, Sendable, Equatable {
    public var cpliID: CPLIID
    public var clientReference: String
    public var clientName: String
    public var serviceType: ServiceType
    public var unit: CareUnit
    public var rate: Rate
    /// The week's values: the recorded edit, or the generated line (Actual = Planned, R-ACT-1). Its paid
    /// quantity is what is paid for the week (R-ACT-5, R-ACT-8).
    public var values: ActualRecorded
    /// Paid quantity × rate, half-up to the penny (R-ACT-5).
    public var amount: Money
    /// Planned × rate, half-up to the penny: what the week would cost as commissioned.
    public var plannedAmount: Money
    public var flags: CalendarFlags
    /// Who recorded the edit and when; nil for a generated line (R-ACT-1).
    public var recorded: StepRecord?
}

/// The marks of a calendar line.
public struct CalendarFlags: Codable, Sendable, Equatable {
    /// Actual is more than 1.2 × Planned (R-ACT-6): the line must leave the invoice (R-INV-2).
    public var exception: Bool
    /// The CPLI runs only some days of the week: Planned is pro-rata (R-ACT-1).
    public var proRata: Bool
    /// The line's values need a comment under the deployment's policy (R-ACT-3, R-ACT-4, R-ACT-7).
    public var needsComment: Bool
    /// The week's period is locked by a submitted invoice (R-PER-3).
    public var locked: Bool
}

/// One week of one service on the actuals calendar.
public struct CalendarWeek: Codable, Sendable, Equatable {
    public var serviceID: ServiceID
    public var organisationID: OrganisationID
    public var week: Week
    public var period: PeriodNumber
    /// The invoice whose submission locked the period, if it is locked (R-PER-3).
    public var lockedByInvoice: InvoiceID?
    /// The provider's last confirmation of the week (R-ACT-9).
    public var confirmation: StepRecord?
    /// A line was recorded after the last confirmation.
    public var changedSinceConfirmation: Bool
    /// Every active CPLI of the service that runs in the week, by CPLI id.
    public var lines: [CalendarLine]
    /// Sum of the lines' planned amounts.
    public var plannedTotal: Money
    /// Sum of the lines' amounts.
    public var total: Money
}

/// Reads of the actuals calendar (``ActualsCalendarProjection``).
public struct ActualsCalendarQueries: Sendable {
    let engine: ProjectionEngine

    /// One week of a service, or nil when the service is unknown, not visible, or the week is before the
    /// calendar's first period. `policy` decides which lines need a comment.
    public func week(_ service: ServiceID, _ week: Week, policy: PolicyProfile, calendar: PeriodCalendar,
                     _ scope: ReadScope) throws -> CalendarWeek? {
        try engine.read(ActualsCalendarProjection.self) { reader in
            try reader.calendarWeek(service, week, policy: policy, calendar: calendar, scope)
        }
    }

    /// The four weeks of a service's period, in one read.
    public func period(_ service: ServiceID, _ period: PeriodNumber, policy: PolicyProfile, calendar: PeriodCalendar,
                       _ scope: ReadScope) throws -> [CalendarWeek] {
        guard period.value >= 1 else { return [] }
        return try engine.read(ActualsCalendarProjection.self) { reader in
            try reader.calendarWeeks(service, calendar.period(period).weeks, policy: policy, calendar: calendar, scope)
        }
    }

    static func line(_ d: CPLIDefinition, _ a: ActualRecorded, recorded: StepRecord?, policy: PolicyProfile, locked: Bool) -> CalendarLine {
        CalendarLine(
            cpliID: d.cpliID, clientReference: d.clientReference, clientName: d.clientName, serviceType: d.serviceType,
            unit: d.unit, rate: d.rate, values: a, amount: a.paidQuantity.amount(at: d.rate),
            plannedAmount: a.planned.amount(at: d.rate),
            flags: CalendarFlags(exception: a.isOverException, proRata: a.isProRata,
                                 needsComment: needsComment(a, policy: policy), locked: locked),
            recorded: recorded)
    }

    /// Whether the line's values need a comment: Actual 0 (R-ACT-3), Frustrated above 0 (R-ACT-4), or, where
    /// the policy wants a reason for every variance, a line that differs from Planned (R-ACT-7).
    public static func needsComment(_ a: ActualRecorded, policy: PolicyProfile) -> Bool {
        if a.actual.isZero || a.frustrated > .zero { return true }
        let differs = a.actual != a.planned || a.missed > .zero || a.extra > .zero
        return policy.varianceNeedsReason && differs
    }
}

extension ReadModelReader {
    /// Several weeks of a service, in one read transaction.
    func calendarWeeks(_ service: ServiceID, _ weeks: [Week], policy: PolicyProfile, calendar: PeriodCalendar,
                       _ scope: ReadScope) throws -> [CalendarWeek] {
        var found: [CalendarWeek] = []
        for week in weeks {
            if let one = try calendarWeek(service, week, policy: policy, calendar: calendar, scope) { found.append(one) }
        }
        return found
    }

    /// One week of a service on the calendar (see ``ActualsCalendarQueries/week(_:_:policy:calendar:_:)``).
    func calendarWeek(_ service: ServiceID, _ week: Week, policy: PolicyProfile, calendar: PeriodCalendar,
                      _ scope: ReadScope) throws -> CalendarWeek? {
        guard let owner = try owner("service-owners", service.rawValue), scope.allows(owner),
              let period = calendar.period(containing: week.monday)?.number else { return nil }
        let serviceKey = ReadModelKey(.text(owner.rawValue), .text(service.rawValue))
        let lockedBy = try getBytes("locks", serviceKey.appending(.period(period))).map { InvoiceID(String(decoding: $0, as: UTF8.self)) }
        let weekKey = serviceKey.appending(.date(week.monday))
        var lines: [CalendarLine] = []
        var lastRecorded: UInt64 = 0
        for cpli in try values(CalendarCPLI.self, "cplis", prefix: serviceKey) where cpli.isActive {
            let d = cpli.definition
            if let recorded = try event(ActualRecorded.self, "recorded", weekKey.appending(.text(d.cpliID.rawValue))) {
                lastRecorded = max(lastRecorded, recorded.step.position)
                lines.append(ActualsCalendarQueries.line(d, recorded.payload, recorded: recorded.step, policy: policy, locked: lockedBy != nil))
            } else if let generated = GeneratedActual(d, week: week) {
                let values = Actuals.generatedLine(generated, key: Actuals.Key(serviceID: service, period: period),
                                                   cpli: d.cpliID, week: week, policy: policy)
                lines.append(ActualsCalendarQueries.line(d, values, recorded: nil, policy: policy, locked: lockedBy != nil))
            }
        }
        let confirmation = try get(StepRecord.self, "confirmations", weekKey)
        return CalendarWeek(
            serviceID: service, organisationID: owner, week: week, period: period, lockedByInvoice: lockedBy,
            confirmation: confirmation, changedSinceConfirmation: confirmation.map { lastRecorded > $0.position } ?? false,
            lines: lines, plannedTotal: Money.sum(lines.map(\.plannedAmount)), total: Money.sum(lines.map(\.amount)))
    }
}

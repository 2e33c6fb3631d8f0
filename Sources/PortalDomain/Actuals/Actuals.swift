import Chronology

/// `actuals-<serviceId>-<period>`: the actuals of one service in one four-week period. Generated lines are
/// computed (``GeneratedActual``); only edits (`ActualRecorded`) and weekly confirmations (`WeekConfirmed`,
/// R-ACT-9) are events.
public enum Actuals: EventStream {
    public static let category = "actuals"

    /// Which actuals stream: a service and a period.
    public struct Key: Sendable, Hashable {
        public var serviceID: ServiceID
        public var period: PeriodNumber

        public init(serviceID: ServiceID, period: PeriodNumber) {
            self.serviceID = serviceID
            self.period = period
        }

        /// `<serviceId>-<period>`: the stream id without its category.
        public var id: String { "\(serviceID.rawValue)-\(period.value)" }
        /// `actuals-<serviceId>-<period>`.
        public var streamID: String { Actuals.streamID(id) }
    }

    /// A week's confirmation by the provider (R-ACT-9).
    public struct WeekConfirmation: Codable, Equatable, Sendable {
        /// An edit of the week was recorded after its last confirmation.
        public var changedSinceConfirmation: Bool
    }

    public struct State: Codable, Equatable, Sendable {
        /// The latest recorded actual of each CPLI and week, keyed `<cpliId>/<week>`.
        public var recorded: [String: ActualRecorded] = [:]
        /// Confirmed weeks, keyed by the week's Monday.
        public var confirmations: [String: WeekConfirmation] = [:]

        public func recorded(_ cpli: CPLIID, _ week: Week) -> ActualRecorded? { recorded[Actuals.lineKey(cpli, week)] }
        public func confirmation(of week: Week) -> WeekConfirmation? { confirmations[week.description] }
    }

    static func lineKey(_ cpli: CPLIID, _ week: Week) -> String { "\(cpli.rawValue)/\(week)" }

    public static let initialState = State()

    public enum Command: Sendable {
        /// Records one CPLI's week (R-ACT-2 … R-ACT-8, R-ABT).
        case record(Key, ActualEntry, facts: ActualFacts, source: ActualSource, importID: ImportID?)
        /// Changes the fields given of one CPLI's week, keeping the others as the line stands (``ActualChanges``).
        case change(Key, CPLIID, Week, ActualChanges, facts: ActualFacts, source: ActualSource, importID: ImportID?)
        /// Confirms a week's actuals of the service, changed or not (R-ACT-9).
        case confirmWeek(Key, Week, service: PeriodLocks.ServiceFacts, periodLocks: PeriodLocks.State)

        public var requiredPermission: Permission { .edit(.actuals) }
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [ActualsEvent] {
        switch command {
        case .record(let key, let entry, let facts, let source, let importID):
            let recorded = try evaluate(entry, key: key, facts: facts, source: source, importID: importID, state: state, context: context)
            return recorded.map { [.recorded($0)] } ?? []
        case .change(let key, let cpli, let week, let changes, let facts, let source, let importID):
            let recorded = try evaluate(changes, cpli: cpli, week: week, key: key, facts: facts, source: source, importID: importID, state: state, context: context)
            return recorded.map { [.recorded($0)] } ?? []
        case .confirmWeek(let key, let week, let service, let locks):
            let period = try context.calendar.requirePeriod(key.period)
            guard period.contains(week) else {
                throw DomainError.invalidValue(field: "week", "week \(week) is not in \(period)")
            }
            try PeriodLocks.requireOpen(key.period, locks, service: service, today: context.today, calendar: context.calendar)
            guard week.monday <= context.today else {
                throw DomainError.ruleBroken("R-ACT-9", field: "week", "week \(week) has not started; it can be confirmed from \(week.monday)")
            }
            if let confirmation = state.confirmation(of: week), !confirmation.changedSinceConfirmation { return [] }
            return [.weekConfirmed(WeekConfirmed(serviceID: key.serviceID, period: key.period, week: week))]
        }
    }

    /// The line of a CPLI's week as it stands: the recorded edit, else the generated line; nil when the CPLI is
    /// unknown or does not run in the week.
    public static func line(_ cpli: CPLIID, _ week: Week, definition: CPLIDefinition?, key: Key, state: State, policy: PolicyProfile) -> ActualRecorded? {
        if let recorded = state.recorded(cpli, week) { return recorded }
        guard let definition, let generated = GeneratedActual(definition, week: week) else { return nil }
        return generatedLine(generated, key: key, cpli: cpli, week: week, policy: policy)
    }

    /// Applies the fields given to the line as it stands (``ActualChanges/applied(to:)``), then checks the entry
    /// like any other (``evaluate(_:key:facts:source:importID:state:context:)``). A line that does not exist (an
    /// unknown CPLI, a week outside its dates) is refused by those checks, whatever the changes.
    public static func evaluate(
        _ changes: ActualChanges, cpli: CPLIID, week: Week, key: Key, facts: ActualFacts, source: ActualSource, importID: ImportID?,
        state: State, context: CommandContext
    ) throws(DomainError) -> ActualRecorded? {
        let entry = entry(changes, cpli: cpli, week: week, key: key, facts: facts, state: state, policy: context.policy)
        return try evaluate(entry, key: key, facts: facts, source: source, importID: importID, state: state, context: context)
    }

    /// The entry the changes make of the line as it stands.
    public static func entry(_ changes: ActualChanges, cpli: CPLIID, week: Week, key: Key, facts: ActualFacts, state: State, policy: PolicyProfile) -> ActualEntry {
        if let line = line(cpli, week, definition: facts.cpli.definition, key: key, state: state, policy: policy) {
            return changes.applied(to: line)
        }
        // No line to keep values of: the checks refuse the CPLI or the week before any value counts.
        return changes.applied(to: ActualRecorded(
            serviceID: key.serviceID, period: key.period, cpliID: cpli, week: week, planned: .zero, isProRata: false, actual: .zero,
            frustrated: .zero, missed: .zero, extra: .zero, visits: 0, comment: "", invoiceReference: nil, abortedVisits: [],
            paidQuantity: .zero, flags: [], source: .calendar, importID: nil))
    }

    /// Checks an entry against every rule and returns the event to record, or nil when the entry equals the
    /// line as it stands. Shared by the calendar edit and the CSV import.
    public static func evaluate(
        _ entry: ActualEntry, key: Key, facts: ActualFacts, source: ActualSource, importID: ImportID?,
        state: State, context: CommandContext
    ) throws(DomainError) -> ActualRecorded? {
        let week = entry.week
        let prefix = "week \(week): "
        // The CPLI: known, of the actor's organisation (R-ROLE-2), of this service, active (R-ISO-3).
        guard let definition = facts.cpli.definition,
              context.actor.organisation.map({ $0 == definition.organisationID }) ?? true
        else {
            throw .notFound(field: "cpli", "there is no CPLI \(entry.cpliID) for your organisation")
        }
        guard definition.serviceID == key.serviceID else {
            throw .invalidValue(field: "cpli", "CPLI \(entry.cpliID) is a CPLI of service \(definition.serviceID), not of \(key.serviceID)")
        }
        guard facts.cpli.status == .active else {
            throw .ruleBroken("R-ISO-3", field: "cpli", "CPLI \(entry.cpliID) is not active: its ISO \(definition.isoID) has not been agreed")
        }
        // The week: in the period, within the CPLI's dates, and the period open (R-PER-2, R-PER-3).
        let period = try context.calendar.requirePeriod(key.period)
        guard period.contains(week) else {
            throw .invalidValue(field: "week", "week \(week) is not in \(period)")
        }
        guard let generated = GeneratedActual(definition, week: week) else {
            let dates = "\(definition.startDate) to \(definition.endDate?.description ?? "no end date")"
            throw .invalidValue(field: "week", "\(prefix)CPLI \(entry.cpliID) does not run in this week (it runs from \(dates))", rule: "R-ACT-1")
        }
        switch facts.editWindow {
        case .openPeriod:
            try PeriodLocks.requireOpen(key.period, facts.periodLocks, service: facts.service, today: context.today, calendar: context.calendar)
        case .paidPeriod(let invoice):
            guard facts.periodLocks.lock(of: key.period)?.invoiceID == invoice else {
                throw .wrongState(field: "period", "period \(key.period) is not locked by invoice \(invoice); only a paid period's actuals are corrected after payment", rule: "R-INV-4")
            }
        }

        // Quantities: never negative (parsed so), within the weekly sanity bound (R-ACT-2).
        let bound = context.policy.weeklyBound(for: definition.unit)
        let claims = try AbortedVisits.claims(entry.abortedVisits, in: week, contractType: facts.contractType)
        let computedFrustrated = Quantity.sum(claims.map(\.claimable))
        if let given = entry.frustrated, !claims.isEmpty, given != computedFrustrated {
            throw .invalidValue(
                field: "frustrated",
                "\(prefix)Frustrated \(given) differs from \(computedFrustrated), the claim computed from the aborted visits listed",
                rule: "R-ABT")
        }
        let frustrated = entry.frustrated ?? computedFrustrated
        for (field, name, value) in [("actual", "Actual", entry.actual), ("frustrated", "Frustrated", frustrated),
                                     ("missed", "Missed", entry.missed), ("extra", "Extra", entry.extra)] {
            guard !value.isNegative else { throw .invalidValue(field: field, "\(prefix)\(name) is \(value); it may not be negative", rule: "R-ACT-2") }
            guard value <= bound else {
                throw .invalidValue(field: field, "\(prefix)\(name) is \(value); a week holds at most \(bound) \(definition.unit) (weekly bound)", rule: "R-ACT-2")
            }
        }
        guard entry.actual + frustrated <= bound else {
            throw .invalidValue(field: "actual", "\(prefix)Actual + Frustrated is \(entry.actual + frustrated); a week holds at most \(bound) \(definition.unit) (weekly bound)", rule: "R-ACT-2")
        }
        guard (0...context.policy.maximumVisitsPerWeek).contains(entry.visits) else {
            throw .invalidValue(field: "visits", "\(prefix)Visits is \(entry.visits); it must be a whole number from 0 to \(context.policy.maximumVisitsPerWeek)", rule: "R-ACT-2")
        }

        // Comments (R-ACT-3, R-ACT-4, R-ACT-7).
        let comment = try TextInput.optional(entry.comment, field: "comment", maximumLength: 500) ?? ""
        let (reason, invoiceReference) = split(comment, policy: context.policy)
        if entry.actual.isZero && reason.isEmpty {
            throw .ruleBroken("R-ACT-3", field: "comment", "\(prefix)Actual is 0, a comment is required")
        }
        if frustrated > .zero {
            let named = CommentDates.dates(in: reason, week: week).filter(week.contains)
            if reason.isEmpty || named.isEmpty {
                throw .ruleBroken("R-ACT-4", field: "comment", "\(prefix)Frustrated is \(frustrated), a comment with the date(s) of the aborted visit(s) is required (like 17/11/2026)")
            }
            if let missing = entry.abortedVisits.map(\.date).first(where: { !named.contains($0) }) {
                throw .ruleBroken("R-ACT-4", field: "comment", "\(prefix)the comment does not name the aborted visit of \(missing)")
            }
        }
        if context.policy.lineMustBalanceToPlanned && !generated.isProRata {
            let total = entry.actual + frustrated + entry.missed
            if total != generated.planned {
                throw .ruleBroken(
                    "R-ACT-7", field: "missed",
                    "\(prefix)Actual \(entry.actual) + Frustrated \(frustrated) + Missed \(entry.missed) = \(total) must equal Planned \(generated.planned)")
            }
        }
        let differs = entry.actual != generated.planned || frustrated > .zero || entry.missed > .zero || entry.extra > .zero
        if context.policy.varianceNeedsReason && differs && reason.isEmpty {
            throw .ruleBroken("R-ACT-7", field: "comment", "\(prefix)the line differs from Planned \(generated.planned), a comment giving the reason is required (before any |)")
        }

        // Flag (R-ACT-6) and paid quantity (R-ACT-5, R-ACT-8).
        let overException = Int128(entry.actual.tenThousandths) * 100 > Int128(generated.planned.tenThousandths) * Int128(context.policy.overExceptionPercent)
        let paid = entry.actual + frustrated + (context.policy.extraIsPaid ? entry.extra : .zero)
        let recorded = ActualRecorded(
            serviceID: key.serviceID, period: key.period, cpliID: entry.cpliID, week: week,
            planned: generated.planned, isProRata: generated.isProRata, actual: entry.actual, frustrated: frustrated,
            missed: entry.missed, extra: entry.extra, visits: entry.visits, comment: comment, invoiceReference: invoiceReference,
            abortedVisits: claims, paidQuantity: paid, flags: overException ? [.overException] : [],
            source: source, importID: importID)
        if let previous = state.recorded(entry.cpliID, week) {
            if previous.sameValues(as: recorded) { return nil }
        } else if recorded.sameValues(as: generatedLine(generated, key: key, cpli: entry.cpliID, week: week, policy: context.policy)) {
            return nil
        }
        return recorded
    }

    /// The reason part of a comment and, under a policy with an invoice reference separator, the text after it.
    static func split(_ comment: String, policy: PolicyProfile) -> (reason: String, invoiceReference: String?) {
        guard let separator = policy.invoiceReferenceSeparator, let index = comment.firstIndex(of: separator) else {
            return (comment, nil)
        }
        let reference = String(comment[comment.index(after: index)...]).trimmingWhitespace
        return (String(comment[..<index]).trimmingWhitespace, reference.isEmpty ? nil : reference)
    }

    /// The generated line as an `ActualRecorded`: Actual = Planned, nothing else (R-ACT-1).
    public static func generatedLine(_ generated: GeneratedActual, key: Key, cpli: CPLIID, week: Week, policy: PolicyProfile) -> ActualRecorded {
        ActualRecorded(
            serviceID: key.serviceID, period: key.period, cpliID: cpli, week: week, planned: generated.planned,
            isProRata: generated.isProRata, actual: generated.planned, frustrated: .zero, missed: .zero, extra: .zero, visits: 0,
            comment: "", invoiceReference: nil, abortedVisits: [], paidQuantity: generated.planned,
            flags: [], source: .calendar, importID: nil)
    }

    /// Every line of `cplis` in the period: the recorded actual where there is one, else the generated one.
    /// Only active CPLIs appear (R-ISO-3).
    public static func lines(_ state: State, key: Key, cplis: [CPLI.State], calendar: PeriodCalendar, policy: PolicyProfile) -> [ActualRecorded] {
        let weeks = calendar.period(key.period).weeks
        var lines: [ActualRecorded] = []
        for cpli in cplis where cpli.status == .active {
            guard let definition = cpli.definition, definition.serviceID == key.serviceID else { continue }
            for week in weeks {
                if let recorded = state.recorded(definition.cpliID, week) {
                    lines.append(recorded)
                } else if let generated = GeneratedActual(definition, week: week) {
                    lines.append(generatedLine(generated, key: key, cpli: definition.cpliID, week: week, policy: policy))
                }
            }
        }
        return lines
    }

    public static func evolve(_ state: State, _ event: ActualsEvent) -> State {
        var state = state
        switch event {
        case .recorded(let e):
            state.recorded[lineKey(e.cpliID, e.week)] = e
            if state.confirmations[e.week.description] != nil {
                state.confirmations[e.week.description]?.changedSinceConfirmation = true
            }
        case .weekConfirmed(let e):
            state.confirmations[e.week.description] = WeekConfirmation(changedSinceConfirmation: false)
        }
        return state
    }
}

public enum ActualsEvent: StreamEvent {
    case recorded(ActualRecorded)
    case weekConfirmed(WeekConfirmed)

    public static let payloadTypes: [any EventPayload.Type] = [ActualRecorded.self, WeekConfirmed.self]

    public var payload: any EventPayload {
        switch self {
        case .recorded(let p): p
        case .weekConfirmed(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let p as ActualRecorded: self = .recorded(p)
        case let p as WeekConfirmed: self = .weekConfirmed(p)
        default: return nil
        }
    }
}

/// A provider's edit of one CPLI's week, as checked: the Planned snapshot, the quantities, the aborted
/// visits with their computed claims, the paid quantity and the flags.
public struct ActualRecorded: EventPayload {
    public static let eventType = "ActualRecorded"
    public static let schemaVersion = 1
    public var serviceID: ServiceID
    public var period: PeriodNumber
    public var cpliID: CPLIID
    public var week: Week
    public var planned: Quantity
    public var isProRata: Bool
    public var actual: Quantity
    public var frustrated: Quantity
    public var missed: Quantity
    public var extra: Quantity
    public var visits: Int
    public var comment: String
    /// The provider's own invoice reference: the comment's text after `|` (lancashire, R-ACT-7).
    public var invoiceReference: String?
    public var abortedVisits: [AbortedVisitClaim]
    /// What is paid for the week: Actual + Frustrated (+ Extra under lancashire) (R-ACT-5, R-ACT-8).
    public var paidQuantity: Quantity
    public var flags: [ActualFlag]
    public var source: ActualSource
    public var importID: ImportID?

    public init(
        serviceID: ServiceID, period: PeriodNumber, cpliID: CPLIID, week: Week, planned: Quantity, isProRata: Bool,
        actual: Quantity, frustrated: Quantity, missed: Quantity, extra: Quantity, visits: Int, comment: String,
        invoiceReference: String?, abortedVisits: [AbortedVisitClaim], paidQuantity: Quantity, flags: [ActualFlag],
        source: ActualSource, importID: ImportID?
    ) {
        self.serviceID = serviceID
        self.period = period
        self.cpliID = cpliID
        self.week = week
        self.planned = planned
        self.isProRata = isProRata
        self.actual = actual
        self.frustrated = frustrated
        self.missed = missed
        self.extra = extra
        self.visits = visits
        self.comment = comment
        self.invoiceReference = invoiceReference
        self.abortedVisits = abortedVisits
        self.paidQuantity = paidQuantity
        self.flags = flags
        self.source = source
        self.importID = importID
    }

    /// Whether the line's values equal another's, wherever the edit came from.
    public func sameValues(as other: ActualRecorded) -> Bool {
        var mine = self
        mine.source = other.source
        mine.importID = other.importID
        return mine == other
    }

    /// The over-exception flag (R-ACT-6).
    public var isOverException: Bool { flags.contains(.overException) }
}

/// The provider confirmed a week's actuals of the service, changed or not (R-ACT-9).
public struct WeekConfirmed: EventPayload {
    public static let eventType = "WeekConfirmed"
    public static let schemaVersion = 1
    public var serviceID: ServiceID
    public var period: PeriodNumber
    public var week: Week
    public init(serviceID: ServiceID, period: PeriodNumber, week: Week) {
        self.serviceID = serviceID
        self.period = period
        self.week = week
    }
}

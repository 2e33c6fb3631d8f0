import Chronology

/// What a provider enters for one CPLI in one week, by the calendar or a CSV row (R-ACT-2).
public struct ActualEntry: Sendable, Equatable {
    public var cpliID: CPLIID
    public var week: Week
    public var actual: Quantity
    /// Nil: computed from `abortedVisits` (zero when none are listed).
    public var frustrated: Quantity?
    public var missed: Quantity
    public var extra: Quantity
    public var visits: Int
    public var comment: String
    public var abortedVisits: [AbortedVisit]

    public init(
        cpliID: CPLIID, week: Week, actual: Quantity, frustrated: Quantity? = nil, missed: Quantity = .zero,
        extra: Quantity = .zero, visits: Int = 0, comment: String = "", abortedVisits: [AbortedVisit] = []
    ) {
        self.cpliID = cpliID
        self.week = week
        self.actual = actual
        self.frustrated = frustrated
        self.missed = missed
        self.extra = extra
        self.visits = visits
        self.comment = comment
        self.abortedVisits = abortedVisits
    }
}

/// The facts of other streams an actual edit is checked against; the application loads them and the
/// append is made conditional on the CPLI's and the period locks' streams at the versions read.
public struct ActualFacts: Sendable, Equatable {
    /// The CPLI's stream state.
    public var cpli: CPLI.State
    /// The type of the contract the service is under (R-ABT).
    public var contractType: ContractType
    public var service: PeriodLocks.ServiceFacts
    /// The service's period locks.
    public var periodLocks: PeriodLocks.State
    /// Which period rule the edit is checked against: the open period, or a paid period's correction.
    public var editWindow: EditWindow

    public init(
        cpli: CPLI.State, contractType: ContractType, service: PeriodLocks.ServiceFacts, periodLocks: PeriodLocks.State,
        editWindow: EditWindow = .openPeriod
    ) {
        self.cpli = cpli
        self.contractType = contractType
        self.service = service
        self.periodLocks = periodLocks
        self.editWindow = editWindow
    }
}

/// The period rule an actual edit is checked against.
public enum EditWindow: Sendable, Equatable {
    /// The usual edit: the period must be the one open for edits (R-PER-2, R-PER-3).
    case openPeriod
    /// A correction of a period locked by this invoice, which was paid (R-INV-4). The caller has checked the
    /// payment; the difference goes on a credit note or a supplementary invoice, never into the paid invoice.
    case paidPeriod(InvoiceID)
}

/// Where an edit came from.
public enum ActualSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// One week at a time, on the calendar screen.
    case calendar
    /// A row of an imported CSV file.
    case `import`
}

/// Marks on a recorded actual.
public enum ActualFlag: String, Sendable, Hashable, Codable, CaseIterable {
    /// Actual is more than 1.2 × Planned: the line must leave the invoice until a temporary CPLI covers it
    /// (R-ACT-6, R-INV-2).
    case overException = "over-exception"
}

/// The generated actual of a CPLI in a week (R-ACT-1): Planned is the weekly quantity, pro-rata
/// (`planned × days/7`, half-up at 4 dp) in a week where the CPLI starts or ends mid-week. Not an event:
/// a pure function of the CPLI and the week.
public struct GeneratedActual: Sendable, Equatable {
    public var planned: Quantity
    /// True when the CPLI runs only some days of the week.
    public var isProRata: Bool

    /// The generated actual, or nil when the CPLI does not run in the week.
    public init?(_ definition: CPLIDefinition, week: Week) {
        let days = definition.daysCovered(in: week)
        guard days > 0 else { return nil }
        self.isProRata = days < 7
        self.planned = days == 7 ? definition.plannedPerWeek : definition.plannedPerWeek.scaled(by: days, over: 7)
    }
}

/// Dates written in a comment: `2026-11-17`, `17/11/2026`, `17/11/26` or `17/11` (the last read as the
/// date of that day and month in the week it is about).
enum CommentDates {
    static func dates(in comment: String, week: Week) -> [BusinessDate] {
        let tokens = comment.split(whereSeparator: { !($0.isNumber || $0 == "/" || $0 == "-") })
        var found: [BusinessDate] = []
        for token in tokens {
            if let date = BusinessDate(iso8601: String(token)) {
                found.append(date)
                continue
            }
            let parts = token.split(separator: "/").compactMap { Int($0) }
            guard token.split(separator: "/").count == parts.count, parts.count == 2 || parts.count == 3 else { continue }
            let (day, month) = (parts[0], parts[1])
            if parts.count == 3 {
                let year = parts[2] < 100 ? 2000 + parts[2] : parts[2]
                if let date = BusinessDate(year: year, month: month, day: day) { found.append(date) }
            } else if let date = week.days.first(where: { $0.day == day && $0.month == month }) {
                found.append(date)
            }
        }
        return found
    }
}

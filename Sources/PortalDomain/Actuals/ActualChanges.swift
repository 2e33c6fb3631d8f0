import Chronology

/// An edit of one CPLI's week that names only the fields it changes: the calendar's `PATCH` (JSON merge
/// patch), a CSV row whose file has no column for a field, a web form. Every field left nil keeps the line's
/// value as it stands — the recorded edit, or else the generated line (R-ACT-1): an edit never resets a field
/// its caller did not mention. A `PUT` gives every field (``missingFields`` is empty).
///
/// Frustrated follows the aborted visits: when Frustrated is not mentioned and the line lists aborted visits
/// (before or after the change), it is computed from them (R-ABT); when neither lists any, the line's
/// Frustrated is kept. Given together with aborted visits, it must equal the claim they compute.
public struct ActualChanges: Sendable, Equatable {
    /// How Frustrated is given.
    public enum Frustrated: Sendable, Equatable {
        /// Computed from the aborted visits listed (R-ABT): zero when none are.
        case computed
        /// As given (the guide's way without visits: a quantity and a comment with the dates, R-ACT-4).
        case given(Quantity)
    }

    public var actual: Quantity?
    public var frustrated: Frustrated?
    public var missed: Quantity?
    public var extra: Quantity?
    public var visits: Int?
    public var comment: String?
    public var abortedVisits: [AbortedVisit]?

    /// The fields of a line an edit may give, as the JSON API names them.
    public static let fieldNames = ["actual", "frustrated", "missed", "extra", "visits", "comment", "abortedVisits"]

    public init(
        actual: Quantity? = nil, frustrated: Frustrated? = nil, missed: Quantity? = nil, extra: Quantity? = nil,
        visits: Int? = nil, comment: String? = nil, abortedVisits: [AbortedVisit]? = nil
    ) {
        self.actual = actual
        self.frustrated = frustrated
        self.missed = missed
        self.extra = extra
        self.visits = visits
        self.comment = comment
        self.abortedVisits = abortedVisits
    }

    /// Every field of `entry` given (Frustrated computed when the entry leaves it nil).
    public init(_ entry: ActualEntry) {
        self.init(actual: entry.actual, frustrated: entry.frustrated.map(Frustrated.given) ?? .computed, missed: entry.missed,
                  extra: entry.extra, visits: entry.visits, comment: entry.comment, abortedVisits: entry.abortedVisits)
    }

    /// The fields not given, in ``fieldNames`` order.
    public var missingFields: [String] {
        let given: [Bool] = [actual != nil, frustrated != nil, missed != nil, extra != nil, visits != nil, comment != nil, abortedVisits != nil]
        return zip(Self.fieldNames, given).filter { !$0.1 }.map(\.0)
    }

    /// True when no field is given: the line stays as it is.
    public var isEmpty: Bool { missingFields.count == Self.fieldNames.count }

    /// The entry that `line` becomes with these changes: given fields replace the line's, the others are kept.
    public func applied(to line: ActualRecorded) -> ActualEntry {
        let kept = line.abortedVisits.map(\.visit)
        let visitsListed = abortedVisits ?? kept
        let frustrated: Quantity? = switch self.frustrated {
        case .given(let quantity)?: quantity
        case .computed?: nil
        // Not mentioned: computed while aborted visits are listed (or were, and are now cleared), else kept.
        case nil: visitsListed.isEmpty && kept.isEmpty ? line.frustrated : nil
        }
        return ActualEntry(
            cpliID: line.cpliID, week: line.week, actual: actual ?? line.actual, frustrated: frustrated,
            missed: missed ?? line.missed, extra: extra ?? line.extra, visits: visits ?? line.visits,
            comment: comment ?? line.comment, abortedVisits: visitsListed)
    }
}

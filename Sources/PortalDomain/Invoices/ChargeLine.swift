/// One week's quantity on a charge line, with the over-20% exception of that week's actual (R-ACT-6).
public struct WeekQuantity: Sendable, Hashable, Codable {
    public var week: Week
    /// Paid quantity of the week (an invoice), planned quantity (a scheduled payment), or a difference (a
    /// credit note or supplementary invoice: may be negative).
    public var quantity: Quantity
    public var overException: Bool

    public init(week: Week, quantity: Quantity, overException: Bool = false) {
        self.week = week
        self.quantity = quantity
        self.overException = overException
    }
}

/// One line of a payment document: one CPLI's quantity at its rate over one period — on an invoice, a
/// supplementary invoice, a credit note or a scheduled payment — or one item of a one-off claim on a
/// contract-level invoice.
///
/// The amount is the line's quantity × rate, rounded half-up to the penny once per line; a document's total
/// is the sum of its lines (R-ACT-5). An invoice line is a CPLI over the whole period: its quantity is the
/// sum of the weeks' exact paid quantities, and the rounding happens on the line, not per week.
public struct ChargeLine: Sendable, Hashable, Codable {
    public var cpliID: CPLIID
    public var clientReference: String
    public var clientName: String
    public var period: PeriodNumber
    public var unit: CareUnit
    public var rate: Rate
    /// The weeks the quantity is made of; empty on a one-off claim line.
    public var weeks: [WeekQuantity]
    public var quantity: Quantity
    public var amount: Money
    /// The one-off claim this line pays (contract-level invoices only).
    public var claimID: ClaimID?

    public init(
        cpliID: CPLIID, clientReference: String, clientName: String, period: PeriodNumber, unit: CareUnit, rate: Rate,
        weeks: [WeekQuantity], quantity: Quantity, amount: Money, claimID: ClaimID? = nil
    ) {
        self.cpliID = cpliID
        self.clientReference = clientReference
        self.clientName = clientName
        self.period = period
        self.unit = unit
        self.rate = rate
        self.weeks = weeks
        self.quantity = quantity
        self.amount = amount
        self.claimID = claimID
    }

    /// The line of `definition`'s CPLI over `weeks`: quantity = sum of the weeks, amount = quantity × rate,
    /// half-up to the penny (R-ACT-5).
    public init(_ definition: CPLIDefinition, period: PeriodNumber, weeks: [WeekQuantity]) {
        let quantity = Quantity.sum(weeks.map(\.quantity))
        self.init(
            cpliID: definition.cpliID, clientReference: definition.clientReference, clientName: definition.clientName,
            period: period, unit: definition.unit, rate: definition.rate, weeks: weeks, quantity: quantity,
            amount: quantity.amount(at: definition.rate))
    }

    /// True when a week of the line carries the over-20% exception (R-ACT-6): the line must leave the invoice
    /// before it is submitted (R-INV-2).
    public var isOverException: Bool { weeks.contains { $0.overException } }

    /// `CPLI cpli-1 (client C1001, weeks 2026-11-23)`: how a refusal names a line.
    public var label: String {
        let flagged = weeks.filter(\.overException).map(\.week.description)
        let weeksText = flagged.isEmpty ? "" : ", week\(flagged.count == 1 ? "" : "s") \(flagged.joined(separator: ", "))"
        return "CPLI \(cpliID) (client \(clientReference)\(weeksText))"
    }

    /// This line minus `other` (the same CPLI and rate): the quantities and amounts a credit note or a
    /// supplementary invoice carries. Weeks are matched by date; the amount is the exact difference of the two
    /// already rounded line amounts, so the documents add up to what should have been paid.
    public func minus(_ other: ChargeLine) -> ChargeLine {
        var byWeek: [Week: Quantity] = [:]
        for week in weeks { byWeek[week.week, default: .zero] += week.quantity }
        for week in other.weeks { byWeek[week.week, default: .zero] = byWeek[week.week, default: .zero] - week.quantity }
        let differences = byWeek.filter { !$0.value.isZero }.sorted { $0.key < $1.key }.map { WeekQuantity(week: $0.key, quantity: $0.value) }
        var result = self
        result.weeks = differences
        result.quantity = quantity - other.quantity
        result.amount = amount - other.amount
        return result
    }

    /// This line plus an adjustment of the same CPLI (a credit note's or supplementary invoice's line).
    public func plus(_ adjustment: ChargeLine) -> ChargeLine {
        var byWeek: [Week: Quantity] = [:]
        for week in weeks + adjustment.weeks { byWeek[week.week, default: .zero] += week.quantity }
        var result = self
        result.weeks = byWeek.sorted { $0.key < $1.key }.map { WeekQuantity(week: $0.key, quantity: $0.value) }
        result.quantity = quantity + adjustment.quantity
        result.amount = amount + adjustment.amount
        return result
    }

    /// The line with an empty quantity: what was invoiced for a CPLI the document left out.
    public var zeroed: ChargeLine {
        var result = self
        result.weeks = []
        result.quantity = .zero
        result.amount = .zero
        return result
    }
}

/// The invoice creation wizard (R-INV-1): proposes every CPLI with actuals in a service's period, one line
/// per CPLI, from the actuals as they stand (recorded edits, else the generated lines).
public enum InvoiceWizard {
    /// The proposed lines, in CPLI id order. `actuals` are the period's lines (`Actuals.lines`); `cplis` the
    /// definitions of the service's CPLIs.
    public static func propose(_ actuals: [ActualRecorded], cplis: [CPLIDefinition], period: PeriodNumber) -> [ChargeLine] {
        let definitions = Dictionary(cplis.map { ($0.cpliID, $0) }, uniquingKeysWith: { first, _ in first })
        var weeks: [CPLIID: [WeekQuantity]] = [:]
        for line in actuals where line.period == period {
            weeks[line.cpliID, default: []].append(WeekQuantity(week: line.week, quantity: line.paidQuantity, overException: line.isOverException))
        }
        return weeks.keys.sorted().compactMap { cpli in
            guard let definition = definitions[cpli] else { return nil }
            return ChargeLine(definition, period: period, weeks: weeks[cpli]!.sorted { $0.week < $1.week })
        }
    }
}

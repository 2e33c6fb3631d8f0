/// A correction of actuals in a paid period (R-INV-4). Nothing paid is edited in place: the corrected actual
/// is recorded, and the difference between the CPLI's corrected line and what stands invoiced for it (the paid
/// line plus earlier adjustments) goes on a credit note when it is downwards, or on a supplementary invoice
/// when it is upwards — all in one atomic append with an event on the paid invoice's stream.
public enum PaidPeriodCorrection {
    /// What a correction raises.
    public enum Outcome: Sendable, Equatable {
        /// The money does not change (e.g. a comment, or quantities moved between Actual and Frustrated).
        case nothing
        /// A negative line: the amount to credit.
        case creditNote(ChargeLine)
        /// A positive line: the amount to invoice on top.
        case supplementaryInvoice(ChargeLine)
    }

    /// Refuses a correction unless `invoice`, the invoice that locked the period, was paid. A submitted, held or
    /// approved invoice's period changes only once Payments returns the invoice (R-PER-3).
    public static func requirePaid(_ invoice: Invoice.State, period: PeriodNumber) throws(DomainError) {
        guard invoice.kind == .invoice, invoice.status == .paid else {
            let reference = invoice.invoiceID.map { "\(invoice.reference) (\($0))" } ?? "no invoice"
            throw .wrongState(
                field: "period",
                "period \(period)'s invoice \(reference) is \(invoice.status); its actuals are corrected after payment only, or after the Payments Team returns it",
                rule: "R-INV-4")
        }
    }

    /// The difference between `corrected`, the CPLI's line from the corrected actuals of the period, and what
    /// stands invoiced for that CPLI on the paid `invoice`.
    public static func outcome(corrected: ChargeLine, invoice: Invoice.State) -> Outcome {
        let invoiced = invoice.invoicedLine(for: corrected.cpliID) ?? corrected.zeroed
        let difference = corrected.minus(invoiced)
        if difference.amount < .zero { return .creditNote(difference) }
        if difference.amount > .zero { return .supplementaryInvoice(difference) }
        return .nothing
    }
}

import Chronology
import PortalDomain

/// Where a payment run finds what it may pay without folding every invoice, credit note and schedule of the
/// county: lists kept by the read models. Each candidate is still loaded from its own stream, checked, and made
/// a condition of the run's append, so a list that lags behind the log can only leave something for the next
/// run — never pay what is not approved, nor pay anything twice.
public protocol PaymentCandidates: Sendable {
    /// Invoices approved and not yet paid.
    func approvedInvoices() throws -> [InvoiceID]
    /// Credit notes raised and not yet deducted.
    func raisedCreditNotes() throws -> [CreditNoteID]
    /// Scheduled contracts with a calculated payment not yet paid, due on or before `date`.
    func contractsWithScheduledPaymentsDue(by date: BusinessDate) throws -> [ContractID]
}

import Chronology
import PortalApplication
import PortalDomain
import PortalProjections

/// The payment run's candidates (``PaymentCandidates``) from the invoices and scheduled-payments read models: the
/// adapter between the application's port and the read models, where the server puts the two together.
public struct ReadModelPaymentCandidates: PaymentCandidates {
    let models: PortalReadModels

    public func approvedInvoices() throws -> [InvoiceID] {
        try models.invoices.approvedInvoiceIDs()
    }

    public func raisedCreditNotes() throws -> [CreditNoteID] {
        try models.invoices.creditNotes(.council).filter { $0.note.status == .raised }.compactMap { $0.note.raised?.creditNoteID }
    }

    public func contractsWithScheduledPaymentsDue(by date: BusinessDate) throws -> [ContractID] {
        var seen = Set<ContractID>()
        return try models.scheduledPayments.unpaid(dueBy: date, .council).compactMap { entry in
            seen.insert(entry.payment.contractID).inserted ? entry.payment.contractID : nil
        }
    }
}

extension PortalReadModels {
    /// What payment runs may pay, from these read models.
    public var paymentCandidates: ReadModelPaymentCandidates { ReadModelPaymentCandidates(models: self) }
}

extension PortalAPI {
    /// The payment run's candidates from the read models once they have caught up with the log; nil when the
    /// server keeps no read models (the run then folds every stream it may pay).
    public func paymentCandidates() async throws -> ReadModelPaymentCandidates? {
        guard readModels != nil else { return nil }
        return try await readModelsAtHead().paymentCandidates
    }
}

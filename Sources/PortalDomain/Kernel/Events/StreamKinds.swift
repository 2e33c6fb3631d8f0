extension EventRegistry {
    /// Every kind of stream, one per category, in the order of ``streamEvents``. The audit tool folds any
    /// stream by its category; the projection engine treats these categories as the domain's own. A new
    /// stream kind adds itself here and its event enum to ``streamEvents``.
    public static let streamKinds: [any EventStream.Type] = [
        Organisation.self,
        Contract.self,
        Service.self,
        User.self,
        ISO.self,
        CPLI.self,
        ServiceCPLIs.self,
        Actuals.self,
        PeriodLocks.self,
        Imports.self,
        // Part 2: invoices, credit notes, claims, conversations, payments.
        Invoice.self,
        InvoiceReferences.self,
        CreditNote.self,
        OneOffClaim.self,
        Conversation.self,
        ScheduledPayments.self,
        PaymentRun.self,
        Deployment.self,
        JobKey.self,
    ]

    /// The kind of stream whose ids start with `category-`.
    public static func streamKind(ofCategory category: String) -> (any EventStream.Type)? {
        streamKinds.first { $0.category == category }
    }

    /// The categories the domain owns.
    public static var categories: Set<String> { Set(streamKinds.map { $0.category }) }
}

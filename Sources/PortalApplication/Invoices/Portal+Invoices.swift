import PortalDomain

/// Invoices (R-INV): the wizard, the provider's steps (create, remove a line, submit, correct), the Payments
/// Team's steps (hold, release, approve, return), contract-level invoices of one-off claims, and corrections
/// of paid periods (credit notes and supplementary invoices). Every step that moves a period lock is one
/// atomic append with the `periods-<serviceId>` events (R-PER-3); a provider attempting a Payments step is
/// refused before anything is decided.
extension Portal {
    // MARK: Reads

    /// The wizard's pre-invoice template for a service's period: one line per CPLI with actuals (R-INV-1).
    public func proposeInvoice(service: ServiceID, period: PeriodNumber, for actor: Actor) throws -> [ChargeLine] {
        let attempt = CommandAttempt(log: log, folds: folds)
        let facts = try servicePeriodFacts(service, period, in: attempt)
        try authorise(actor, .read(.invoices), organisation: facts.service?.organisationID)
        return facts.proposal
    }

    /// An invoice as it stands, for someone who may read its organisation's invoices.
    public func invoice(_ id: InvoiceID, for actor: Actor) throws -> Invoice.State {
        let state = try self.state(of: Invoice.self, id.rawValue)
        try authorise(actor, .read(.invoices), organisation: state.organisationID)
        guard state.invoiceID != nil else { throw DomainError.notFound(field: "invoiceID", "there is no invoice \(id)") }
        return state
    }

    /// The facts of a service's period for the wizard, loaded in `attempt` (so the append is conditional on
    /// the service, its contract, its period locks, its CPLIs and the period's actuals as read).
    func servicePeriodFacts(_ service: ServiceID, _ period: PeriodNumber, in attempt: CommandAttempt) throws -> ServicePeriodFacts {
        let facts = try loadService(service, in: attempt)
        let key = Actuals.Key(serviceID: service, period: period)
        let actuals = try attempt.load(Actuals.self, key.id)
        let cplis = try self.cplis(of: service, in: attempt)
        let lines = Actuals.lines(actuals, key: key, cplis: cplis, calendar: configuration.calendar, policy: configuration.policy)
        return ServicePeriodFacts(
            service: facts.registration, periodLocks: facts.locks,
            proposal: InvoiceWizard.propose(lines, cplis: cplis.compactMap(\.definition), period: period),
            actualsVersion: attempt.version(of: key.streamID) ?? 0)
    }

    // MARK: The provider's steps

    /// The wizard creates an unsubmitted invoice (R-INV-1) and reserves its reference for the provider, atomically.
    public func createInvoice(_ draft: InvoiceDraft, _ request: CommandRequest) async throws -> CommandOutcome<[InvoiceEvent]> {
        try await perform(request) { attempt, context in
            let facts = try servicePeriodFacts(draft.serviceID, draft.period, in: attempt)
            let organisation = try require(facts.service?.organisationID, field: "serviceID", "service \(draft.serviceID)")
            try authorise(request.actor, .edit(.invoices), organisation: organisation)
            let events = try attempt.decide(Invoice.self, draft.invoiceID.rawValue, .create(draft, facts), context)
            try reserve(draft.reference, of: organisation, for: .invoice, draft.invoiceID.rawValue, attempt, context)
            return events
        }
    }

    /// Removes a line from an unsubmitted invoice (R-INV-2).
    public func removeInvoiceLine(_ id: InvoiceID, cpli: CPLIID, _ request: CommandRequest) async throws -> CommandOutcome<[InvoiceEvent]> {
        try await invoiceStep(id, .removeLine(cpli), request)
    }

    /// Submits (or resubmits after a return and a correction) an invoice: refused while a line has the over-20%
    /// exception (R-INV-2) or the actuals changed since the lines were computed. A period invoice locks its
    /// period in the same append, conditional on the actuals stream as read (R-PER-3).
    public func submitInvoice(_ id: InvoiceID, _ request: CommandRequest) async throws -> CommandOutcome<[InvoiceEvent]> {
        try await perform(request) { attempt, context in
            let invoice = try loadInvoice(id, permission: .edit(.invoices), request.actor, attempt)
            var actualsVersion: UInt64?
            if invoice.kind == .invoice, let service = invoice.serviceID, let period = invoice.period {
                let key = Actuals.Key(serviceID: service, period: period)
                _ = try attempt.load(Actuals.self, key.id)
                actualsVersion = attempt.version(of: key.streamID)
            }
            return try decideInvoice(id, .submit(actualsVersion: actualsVersion), attempt, context)
        }
    }

    /// Recomputes an invoice's lines from its period's actuals as they stand: after a return, or of an
    /// unsubmitted invoice whose actuals changed. `selection` keeps the same CPLIs, or every proposed CPLI but
    /// those unticked.
    public func correctInvoice(_ id: InvoiceID, selection: InvoiceLineSelection = .sameCPLIs, _ request: CommandRequest) async throws -> CommandOutcome<[InvoiceEvent]> {
        try await perform(request) { attempt, context in
            let invoice = try loadInvoice(id, permission: .edit(.invoices), request.actor, attempt)
            guard let service = invoice.serviceID, let period = invoice.period, invoice.kind == .invoice else {
                return try decideInvoice(id, .correct(selection, ServicePeriodFacts(service: nil, periodLocks: PeriodLocks.initialState, proposal: [], actualsVersion: 0)), attempt, context)
            }
            return try decideInvoice(id, .correct(selection, try servicePeriodFacts(service, period, in: attempt)), attempt, context)
        }
    }

    // MARK: The Payments Team's steps (R-INV-3)

    /// Puts a submitted invoice on hold with a reason; the next period opens for edits (R-PER-3).
    public func holdInvoice(_ id: InvoiceID, reason: String, _ request: CommandRequest) async throws -> CommandOutcome<[InvoiceEvent]> {
        try await invoiceStep(id, .hold(reason: reason), request)
    }

    /// Releases an invoice from hold.
    public func releaseInvoice(_ id: InvoiceID, _ request: CommandRequest) async throws -> CommandOutcome<[InvoiceEvent]> {
        try await invoiceStep(id, .release, request)
    }

    /// Approves a submitted invoice for payment; the next period opens if it had not (R-PER-3).
    public func approveInvoice(_ id: InvoiceID, _ request: CommandRequest) async throws -> CommandOutcome<[InvoiceEvent]> {
        try await invoiceStep(id, .approve, request)
    }

    /// Returns a submitted or held invoice to the provider with a reason; its period reopens (R-PER-3).
    public func returnInvoice(_ id: InvoiceID, reason: String, _ request: CommandRequest) async throws -> CommandOutcome<[InvoiceEvent]> {
        try await invoiceStep(id, .return(reason: reason), request)
    }

    // MARK: Contract-level invoices (R-OOC-4)

    /// Invoices approved one-off claims of a contract at contract level: the invoice, its reference and each
    /// claim's `OneOffClaimInvoiced`, atomically.
    public func createContractInvoice(_ draft: ContractInvoiceDraft, _ request: CommandRequest) async throws -> CommandOutcome<[InvoiceEvent]> {
        try await perform(request) { attempt, context in
            let contract = try attempt.load(Contract.self, draft.contractID.rawValue).registration
            let organisation = try require(contract?.organisationID, field: "contractID", "contract \(draft.contractID)")
            try authorise(request.actor, .edit(.invoices), organisation: organisation)
            var claims: [ClaimID: OneOffClaim.State] = [:]
            for claim in draft.claimIDs { claims[claim] = try attempt.load(OneOffClaim.self, claim.rawValue) }
            let events = try attempt.decide(Invoice.self, draft.invoiceID.rawValue, .createForClaims(draft, contract: contract, claims: claims), context)
            for claim in draft.claimIDs {
                try attempt.decide(OneOffClaim.self, claim.rawValue, .invoice(draft.invoiceID), context)
            }
            try reserve(draft.reference, of: organisation, for: .contractInvoice, draft.invoiceID.rawValue, attempt, context)
            return events
        }
    }

    // MARK: Corrections after payment (R-INV-4)

    /// Corrects one CPLI's week in a period whose invoice was paid. Nothing paid is edited: in one atomic append
    /// the corrected actual is recorded and, when the money changes, a credit note (downwards) or a
    /// supplementary invoice (upwards) of exactly the difference is raised under `documentID` with the
    /// provider's `reference`, and the paid invoice records it. Every field of the line is given.
    public func correctPaidActual(
        _ key: Actuals.Key, _ entry: ActualEntry, documentID: String, reference: String, _ request: CommandRequest
    ) async throws -> CommandOutcome<PaidPeriodCorrection.Outcome> {
        try await correctPaidActual(key, cpli: entry.cpliID, week: entry.week, ActualChanges(entry), documentID: documentID, reference: reference, request)
    }

    /// Corrects the fields given of one CPLI's week in a paid period, keeping the others as the line stands
    /// (``ActualChanges``), as ``correctPaidActual(_:_:documentID:reference:_:)`` does.
    public func correctPaidActual(
        _ key: Actuals.Key, cpli: CPLIID, week: Week, _ changes: ActualChanges, documentID: String, reference: String, _ request: CommandRequest
    ) async throws -> CommandOutcome<PaidPeriodCorrection.Outcome> {
        try await perform(request) { attempt, context in
            let service = try loadSubjectService(key.serviceID, in: attempt)
            let organisation = service.registration.organisationID
            try authorise(request.actor, .edit(.actuals), organisation: organisation)
            try authorise(request.actor, .edit(.invoices), organisation: organisation)
            guard let lock = service.locks.lock(of: key.period) else {
                throw DomainError.wrongState(
                    field: "period", "period \(key.period) has no submitted invoice; record its actuals as usual while it is open", rule: "R-INV-4")
            }
            let paid = try attempt.load(Invoice.self, lock.invoiceID.rawValue)
            try PaidPeriodCorrection.requirePaid(paid, period: key.period)
            let facts = ActualFacts(
                cpli: try attempt.load(CPLI.self, cpli.rawValue), contractType: service.contractType,
                service: service.firstPeriod, periodLocks: service.locks, editWindow: .paidPeriod(lock.invoiceID))
            let recorded = try attempt.decide(
                Actuals.self, key.id, .change(key, cpli, week, changes, facts: facts, source: .calendar, importID: nil), context)
            guard !recorded.isEmpty else { return .nothing }
            let corrected = try servicePeriodFacts(key.serviceID, key.period, in: attempt).proposal.first { $0.cpliID == cpli }
            guard let corrected else { return .nothing }
            let outcome = PaidPeriodCorrection.outcome(corrected: corrected, invoice: paid)
            switch outcome {
            case .nothing:
                break
            case .creditNote(let difference):
                let id = try CreditNoteID.parse(documentID, field: "documentID")
                let raised = try attempt.decide(CreditNote.self, id.rawValue, .raise(id, reference: reference, difference: difference, against: paid), context)
                guard case .raised(let note)? = raised.first else { break }
                try reserve(reference, of: organisation, for: .creditNote, id.rawValue, attempt, context)
                try attempt.decide(Invoice.self, lock.invoiceID.rawValue, .recordAdjustment(InvoiceAdjustment(
                    kind: .creditNote, documentID: id.rawValue, lines: note.lines, total: note.total)), context)
            case .supplementaryInvoice(let difference):
                let id = try InvoiceID.parse(documentID, field: "documentID")
                let version = attempt.version(of: key.streamID) ?? 0
                try attempt.decide(Invoice.self, id.rawValue, .raiseSupplementary(
                    invoiceID: id, reference: reference, difference: difference, against: paid, actualsVersion: version), context)
                try reserve(reference, of: organisation, for: .supplementaryInvoice, id.rawValue, attempt, context)
                try attempt.decide(Invoice.self, lock.invoiceID.rawValue, .recordAdjustment(InvoiceAdjustment(
                    kind: .supplementaryInvoice, documentID: id.rawValue, lines: [difference], total: difference.amount)), context)
            }
            return outcome
        }
    }

    // MARK: Shared steps

    /// One step on an existing invoice, authorised on its organisation, with its period lock step.
    func invoiceStep(_ id: InvoiceID, _ command: Invoice.Command, _ request: CommandRequest) async throws -> CommandOutcome<[InvoiceEvent]> {
        try await perform(request) { attempt, context in
            _ = try loadInvoice(id, permission: command.requiredPermission, request.actor, attempt)
            return try decideInvoice(id, command, attempt, context)
        }
    }

    /// Loads an invoice and authorises `permission` on its organisation. The authorisation comes first, so a
    /// provider asking about an unknown invoice is refused like one asking about another's.
    func loadInvoice(_ id: InvoiceID, permission: Permission, _ actor: Actor, _ attempt: CommandAttempt) throws -> Invoice.State {
        let invoice = try attempt.load(Invoice.self, id.rawValue)
        try authorise(actor, permission, organisation: invoice.organisationID)
        guard invoice.invoiceID != nil else { throw DomainError.notFound(field: "invoiceID", "there is no invoice \(id)") }
        return invoice
    }

    /// Decides an invoice command and, for each event that moves a period lock, the lock step on the
    /// service's periods stream, in the same attempt (R-PER-3).
    func decideInvoice(_ id: InvoiceID, _ command: Invoice.Command, _ attempt: CommandAttempt, _ context: CommandContext) throws -> [InvoiceEvent] {
        var state = try attempt.load(Invoice.self, id.rawValue)
        let events = try attempt.decide(Invoice.self, id.rawValue, command, context)
        for event in events {
            state = Invoice.evolve(state, event)
            if let step = Invoice.periodLockStep(after: event, state), let service = state.serviceID {
                try attempt.decide(PeriodLocks.self, service.rawValue, step, context)
            }
        }
        return events
    }

    /// Reserves a provider's document reference in `invoicerefs-<organisationId>` (R-INV-1).
    func reserve(
        _ reference: String, of organisation: OrganisationID, for kind: DocumentKind, _ documentID: String,
        _ attempt: CommandAttempt, _ context: CommandContext
    ) throws {
        try attempt.decide(InvoiceReferences.self, organisation.rawValue,
                           .reserve(organisation: organisation, reference: reference, kind: kind, documentID: documentID), context)
    }

    /// The organisation of a record that must exist, or a not-found error naming it.
    func require(_ organisation: OrganisationID?, field: String, _ what: String) throws -> OrganisationID {
        guard let organisation else { throw DomainError.notFound(field: field, "there is no \(what)") }
        return organisation
    }
}

import Crypto
import Foundation
import PortalDomain

/// Scheduled payments (R-PAY-1), payment runs and remittance advice (R-PAY-2, R-PAY-3).
extension Portal {
    /// Calculates a scheduled contract's payment for a period from the planned quantities of the active CPLIs of
    /// the services under it (R-PAY-1). Payments Team or a scheduled job.
    public func calculateScheduledPayment(
        contract contractID: ContractID, period: PeriodNumber, _ request: CommandRequest
    ) async throws -> CommandOutcome<[ScheduledPaymentsEvent]> {
        try await perform(request) { attempt, context in
            let contract = try attempt.load(Contract.self, contractID.rawValue).registration
            let organisation = try require(contract?.organisationID, field: "contractID", "contract \(contractID)")
            let command = ScheduledPayments.Command.calculate(period, contract: contract, cplis: [])
            try authorise(request.actor, command.requiredPermission, organisation: organisation)
            // The services under the contract, then their CPLIs through each service's list, each loaded as a
            // condition of the append.
            let scratch = CommandAttempt(log: log, folds: folds)
            let services = try everyStream(Service.self, in: scratch).compactMap { $0.registration }
                .filter { $0.contractID == contractID }.map(\.serviceID).sorted()
            var cplis: [CPLI.State] = []
            for service in services { cplis += try self.cplis(of: service, in: attempt) }
            return try attempt.decide(ScheduledPayments.self, contractID.rawValue, .calculate(period, contract: contract, cplis: cplis), context)
        }
    }

    /// Runs a payment (R-PAY-2): in one atomic append it pays every approved invoice (or exactly those named,
    /// each of which must be approved), every calculated scheduled payment due by the payment date, deducts
    /// every credit note not yet deducted, opens the next period of each paid period invoice (R-PER-3), and
    /// records each provider's remittance with the SHA-256 of its CSV. Only the streams it pays or deducts,
    /// and the organisations it names, are conditions of the append. `candidates` (the read models' lists)
    /// saves folding every invoice, credit note and schedule of the county to find them; without it, it does.
    ///
    /// `previewed` is the ``PaymentRunPlan/digest`` of a preview the person looked at: the run is then refused,
    /// writing nothing, unless it pays exactly that (nothing approved, held or deducted in between).
    public func runPayment(_ run: PaymentRunRequest, candidates: (any PaymentCandidates)? = nil, previewed: String? = nil,
                           _ request: CommandRequest) async throws -> CommandOutcome<PaymentRunPlan> {
        try await perform(request) { attempt, context in
            try authorise(request.actor, .edit(.paymentProcessing), organisation: nil)
            let facts = try paymentRunFacts(run, candidates: candidates, in: attempt)
            let plan = try PaymentRun.plan(run, facts, context)
            if let previewed, previewed != plan.digest {
                throw DomainError.wrongState(
                    field: "previewed", "what this run would pay has changed since the preview (an invoice was approved, held or paid, or a credit note raised); preview it again",
                    rule: "R-PAY-2")
            }
            var digests: [OrganisationID: String] = [:]
            for advice in plan.remittances { digests[advice.organisationID] = Self.sha256(advice.csvBytes) }
            try attempt.decide(PaymentRun.self, run.paymentRunID.rawValue, .run(run, facts, csvSHA256: digests), context)
            for invoice in plan.invoiceIDs {
                _ = try decideInvoice(invoice, .pay(run.paymentRunID, paymentDate: run.paymentDate), attempt, context)
            }
            for key in plan.scheduledPayments {
                try attempt.decide(ScheduledPayments.self, key.contractID.rawValue, .markPaid(key.period, run.paymentRunID, paymentDate: run.paymentDate), context)
            }
            for note in plan.creditNoteIDs {
                try attempt.decide(CreditNote.self, note.rawValue, .settle(run.paymentRunID, paymentDate: run.paymentDate), context)
            }
            return plan
        }
    }

    /// What a payment run would pay — the same plan the run makes, per provider with its remittance — without
    /// paying anything or writing anything. For whoever may run payments.
    public func previewPaymentRun(_ run: PaymentRunRequest, candidates: (any PaymentCandidates)? = nil, for actor: Actor) throws -> PaymentRunPlan {
        try authorise(actor, .edit(.paymentProcessing), organisation: nil)
        let attempt = CommandAttempt(log: log, folds: folds)
        let facts = try paymentRunFacts(run, candidates: candidates, in: attempt)
        return try PaymentRun.plan(run, facts, context(for: actor))
    }

    /// Everything a payment run may pay, each loaded in `attempt` (a condition of its append): the named or
    /// approved invoices, the schedules with payments due, the credit notes not yet deducted, and the names of
    /// the organisations they belong to.
    func paymentRunFacts(_ run: PaymentRunRequest, candidates: (any PaymentCandidates)?, in attempt: CommandAttempt) throws -> PaymentRunFacts {
        let scratch = CommandAttempt(log: log, folds: folds)
        var invoices: [InvoiceID: Invoice.State] = [:]
        if let named = run.invoiceIDs {
            for id in named { invoices[id] = try attempt.load(Invoice.self, id.rawValue) }
        } else if let candidates {
            for id in try candidates.approvedInvoices() {
                let state = try attempt.load(Invoice.self, id.rawValue)
                if state.status == .approved { invoices[id] = state }
            }
        } else {
            for candidate in try everyStream(Invoice.self, in: scratch) where candidate.status == .approved {
                guard let id = candidate.invoiceID else { continue }
                invoices[id] = try attempt.load(Invoice.self, id.rawValue)
            }
        }
        var schedules: [ContractID: ScheduledPayments.State] = [:]
        if let candidates {
            for contract in try candidates.contractsWithScheduledPaymentsDue(by: run.paymentDate) {
                let state = try attempt.load(ScheduledPayments.self, contract.rawValue)
                if !state.unpaid(dueBy: run.paymentDate).isEmpty { schedules[contract] = state }
            }
        } else {
            for candidate in try everyStream(ScheduledPayments.self, in: scratch) {
                guard let contract = candidate.unpaid(dueBy: run.paymentDate).first?.contractID else { continue }
                schedules[contract] = try attempt.load(ScheduledPayments.self, contract.rawValue)
            }
        }
        var creditNotes: [CreditNoteID: CreditNote.State] = [:]
        if let candidates {
            for id in try candidates.raisedCreditNotes() {
                let state = try attempt.load(CreditNote.self, id.rawValue)
                if state.status == .raised { creditNotes[id] = state }
            }
        } else {
            for candidate in try everyStream(CreditNote.self, in: scratch) where candidate.status == .raised {
                guard let id = candidate.raised?.creditNoteID else { continue }
                creditNotes[id] = try attempt.load(CreditNote.self, id.rawValue)
            }
        }
        var facts = PaymentRunFacts(invoices: invoices, schedules: schedules, creditNotes: creditNotes, organisationNames: [:])
        let organisations = Set(invoices.values.compactMap(\.organisationID) + schedules.values.flatMap { $0.calculated.values.map(\.organisationID) }
            + creditNotes.values.compactMap { $0.raised?.organisationID })
        for organisation in organisations {
            facts.organisationNames[organisation] = try attempt.load(Organisation.self, organisation.rawValue).details?.name
        }
        return facts
    }

    /// A provider's remittance advice of a payment run, rebuilt from the run's events alone (R-PAY-3).
    public func remittance(of run: PaymentRunID, for organisation: OrganisationID, actor: Actor) throws -> RemittanceAdvice {
        try authorise(actor, .read(.invoices), organisation: organisation)
        let state = try self.state(of: PaymentRun.self, run.rawValue)
        guard let issued = state.remittances.first(where: { $0.organisationID == organisation }) else {
            throw DomainError.notFound(field: "paymentRunID", "payment run \(run) has no remittance for organisation \(organisation)")
        }
        return RemittanceAdvice(issued)
    }

    /// The remittance's CSV bytes, checked against the SHA-256 the run recorded: the same bytes as when the run
    /// was made (R-PAY-3).
    public func remittanceCSV(of run: PaymentRunID, for organisation: OrganisationID, actor: Actor) throws -> Data {
        let advice = try remittance(of: run, for: organisation, actor: actor)
        let recorded = try self.state(of: PaymentRun.self, run.rawValue).remittances.first { $0.organisationID == organisation }?.csvSHA256
        let bytes = advice.csvBytes
        guard Self.sha256(bytes) == recorded else {
            throw PortalError.unreadableStream(
                PaymentRun.streamID(run.rawValue), "the remittance of \(organisation) renders differently from the CSV recorded when the run was made")
        }
        return Data(bytes)
    }

    static func sha256<D: DataProtocol>(_ bytes: D) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

extension PaymentRunPlan {
    /// SHA-256 of every remittance's CSV, in order: two plans with the same digest pay exactly the same lines to
    /// the same providers under the same run, date and reference.
    public var digest: String {
        var hasher = SHA256()
        for advice in remittances {
            hasher.update(data: advice.csvBytes)
            hasher.update(data: [0])
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

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
    /// and the organisations it names, are conditions of the append.
    public func runPayment(_ run: PaymentRunRequest, _ request: CommandRequest) async throws -> CommandOutcome<PaymentRunPlan> {
        try await perform(request) { attempt, context in
            try authorise(request.actor, .edit(.paymentProcessing), organisation: nil)
            let scratch = CommandAttempt(log: log, folds: folds)
            var invoices: [InvoiceID: Invoice.State] = [:]
            if let named = run.invoiceIDs {
                for id in named { invoices[id] = try attempt.load(Invoice.self, id.rawValue) }
            } else {
                for candidate in try everyStream(Invoice.self, in: scratch) where candidate.status == .approved {
                    guard let id = candidate.invoiceID else { continue }
                    invoices[id] = try attempt.load(Invoice.self, id.rawValue)
                }
            }
            var schedules: [ContractID: ScheduledPayments.State] = [:]
            for candidate in try everyStream(ScheduledPayments.self, in: scratch) {
                guard let contract = candidate.unpaid(dueBy: run.paymentDate).first?.contractID else { continue }
                schedules[contract] = try attempt.load(ScheduledPayments.self, contract.rawValue)
            }
            var creditNotes: [CreditNoteID: CreditNote.State] = [:]
            for candidate in try everyStream(CreditNote.self, in: scratch) where candidate.status == .raised {
                guard let id = candidate.raised?.creditNoteID else { continue }
                creditNotes[id] = try attempt.load(CreditNote.self, id.rawValue)
            }
            var facts = PaymentRunFacts(invoices: invoices, schedules: schedules, creditNotes: creditNotes, organisationNames: [:])
            let organisations = Set(invoices.values.compactMap(\.organisationID) + schedules.values.flatMap { $0.calculated.values.map(\.organisationID) }
                + creditNotes.values.compactMap { $0.raised?.organisationID })
            for organisation in organisations {
                facts.organisationNames[organisation] = try attempt.load(Organisation.self, organisation.rawValue).details?.name
            }
            let plan = try PaymentRun.plan(run, facts, context)
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

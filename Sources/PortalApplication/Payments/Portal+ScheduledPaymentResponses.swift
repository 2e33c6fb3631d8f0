import PortalDomain

/// A scheduled contract's provider confirms or queries each period's scheduled payment (R-PAY-1): what the role
/// table's "scheduled payments" lets a provider edit, so super-user (scheduled) may and super-user (actuals) may
/// not (R-ROLE). Other councils' portals let a scheduled provider agree its payment schedule in the same way.
extension Portal {
    /// The provider confirms the period's calculated payment of its contract: the amount is right. Confirming
    /// again changes nothing; confirming after a query withdraws it.
    public func confirmScheduledPayment(contract: ContractID, period: PeriodNumber, _ request: CommandRequest) async throws -> CommandOutcome<[ScheduledPaymentsEvent]> {
        try await respondToScheduledPayment(contract, .confirm(period), request)
    }

    /// The provider queries the period's calculated payment of its contract, saying what is wrong, for the
    /// Payments Team. The payment is still paid when due: the council decides on the query.
    public func queryScheduledPayment(
        contract: ContractID, period: PeriodNumber, reason: String, _ request: CommandRequest
    ) async throws -> CommandOutcome<[ScheduledPaymentsEvent]> {
        try await respondToScheduledPayment(contract, .query(period, reason: reason), request)
    }

    /// A contract's scheduled payments with the provider's responses, for someone who may read its organisation's
    /// scheduled payments.
    public func scheduledPayments(of contractID: ContractID, for actor: Actor) throws -> StreamSnapshot<ScheduledPayments.State> {
        let contract = try state(of: Contract.self, contractID.rawValue).registration
        try authoriseOnRecord(actor, .read(.scheduledPayments), organisation: contract?.organisationID, exists: contract != nil, "contract \(contractID)")
        return try snapshot(of: ScheduledPayments.self, contractID.rawValue)
    }

    private func respondToScheduledPayment(
        _ contractID: ContractID, _ command: ScheduledPayments.Command, _ request: CommandRequest
    ) async throws -> CommandOutcome<[ScheduledPaymentsEvent]> {
        try await perform(request) { attempt, context in
            let contract = try attempt.load(Contract.self, contractID.rawValue).registration
            try authoriseOnRecord(request.actor, command.requiredPermission, organisation: contract?.organisationID, exists: contract != nil,
                                  "contract \(contractID)")
            guard case .provider = request.actor else {
                throw AccessRefused(
                    missingPermission: command.requiredPermission, organisation: contract?.organisationID, rule: "R-ROLE",
                    message: "a scheduled payment is confirmed or queried by its provider (a super user (scheduled)), not by council staff")
            }
            return try attempt.decide(ScheduledPayments.self, contractID.rawValue, command, context)
        }
    }
}

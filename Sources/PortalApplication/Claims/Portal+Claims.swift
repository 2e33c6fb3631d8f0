import PortalDomain

/// One-off claims for unplanned absences (R-OOC): the provider creates, submits or deletes a claim; the
/// Payments Team approves or rejects it; an approved claim is invoiced at contract level
/// (``Portal/createContractInvoice(_:_:)``).
extension Portal {
    /// Creates a claim, checking each item's CPLI (of the provider, active, under the claim's contract).
    public func createClaim(_ claim: OneOffClaimRequest, _ request: CommandRequest) async throws -> CommandOutcome<[OneOffClaimEvent]> {
        try await perform(request) { attempt, context in
            let contract = try attempt.load(Contract.self, claim.contractID.rawValue).registration
            let organisation = try require(contract?.organisationID, field: "contractID", "contract \(claim.contractID)")
            try authorise(request.actor, .edit(.oneOffClaims), organisation: organisation)
            var items: [CPLIID: ClaimItemFacts] = [:]
            for cpliID in Set(claim.items.map(\.cpliID)) {
                let cpli = try attempt.load(CPLI.self, cpliID.rawValue)
                let contractID = try cpli.definition.flatMap { try attempt.load(Service.self, $0.serviceID.rawValue).registration?.contractID }
                items[cpliID] = ClaimItemFacts(cpli: cpli, contractID: contractID)
            }
            return try attempt.decide(OneOffClaim.self, claim.claimID.rawValue, .create(claim, contract: contract, items: items), context)
        }
    }

    /// The provider submits a claim to the Payments Team.
    public func submitClaim(_ id: ClaimID, _ request: CommandRequest) async throws -> CommandOutcome<[OneOffClaimEvent]> {
        try await claimStep(id, .submit, request)
    }

    /// The provider deletes a claim before submitting it.
    public func withdrawClaim(_ id: ClaimID, _ request: CommandRequest) async throws -> CommandOutcome<[OneOffClaimEvent]> {
        try await claimStep(id, .withdraw, request)
    }

    /// The Payments Team approves a submitted claim (R-OOC-4).
    public func approveClaim(_ id: ClaimID, _ request: CommandRequest) async throws -> CommandOutcome<[OneOffClaimEvent]> {
        try await claimStep(id, .approve, request)
    }

    /// The Payments Team rejects a submitted claim, saying why.
    public func rejectClaim(_ id: ClaimID, reason: String, _ request: CommandRequest) async throws -> CommandOutcome<[OneOffClaimEvent]> {
        try await claimStep(id, .reject(reason: reason), request)
    }

    /// A claim as it stands, for someone who may read its organisation's claims.
    public func claim(_ id: ClaimID, for actor: Actor) throws -> OneOffClaim.State {
        try claimRecord(id, for: actor).state
    }

    /// A claim as it stands with its version (the ETag), for someone who may read its organisation's claims.
    public func claimRecord(_ id: ClaimID, for actor: Actor) throws -> StreamSnapshot<OneOffClaim.State> {
        try readable(OneOffClaim.self, id.rawValue, .oneOffClaims, for: actor, "claim \(id)",
                     exists: { $0.created != nil }, organisation: { $0.created?.organisationID })
    }

    /// A credit note as it stands with its version, for someone who may read its organisation's invoices (R-INV-4).
    public func creditNote(_ id: CreditNoteID, for actor: Actor) throws -> StreamSnapshot<CreditNote.State> {
        try readable(CreditNote.self, id.rawValue, .invoices, for: actor, "credit note \(id)",
                     exists: { $0.raised != nil }, organisation: { $0.raised?.organisationID })
    }

    /// A step on an existing claim, authorised on its organisation; an unknown claim, or another organisation's,
    /// is not found.
    func claimStep(_ id: ClaimID, _ command: OneOffClaim.Command, _ request: CommandRequest) async throws -> CommandOutcome<[OneOffClaimEvent]> {
        try await perform(request) { attempt, context in
            let state = try attempt.load(OneOffClaim.self, id.rawValue)
            try authoriseOnRecord(request.actor, command.requiredPermission, organisation: state.created?.organisationID,
                                  exists: state.created != nil, "claim \(id)")
            return try attempt.decide(OneOffClaim.self, id.rawValue, command, context)
        }
    }
}

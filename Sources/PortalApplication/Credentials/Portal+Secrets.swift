import EventLog
import Foundation
import PortalDomain

/// Commands that issue a secret (a first or reset password, a changed password, a passcode) or give a user a
/// username. The log and the credential store are separate environments; these keep them from disagreeing.
extension Portal {
    /// How a command that issues a secret ended.
    struct SecretIssue {
        var outcome: CommandOutcome<[UserEvent]>
        /// The secret staged by this call is now the user's (false for a retry, which staged nothing, and when
        /// another command staged a newer secret meanwhile).
        var isEffective: Bool
    }

    /// Appends a command that issues a secret. In order: `username` is claimed (when given); the secret's hash
    /// is staged in the credential store, awaiting the command's first event; the command is appended; the
    /// staged hash is committed. When the append is refused or fails (nothing lands), the staged hash is
    /// dropped and the claim given back; a crash after the append leaves the hash staged, and opening the data
    /// folder commits it because the event is in the log. A retry of a command already applied (found by its
    /// idempotency key) stages nothing and commits what its first attempt staged, if a crash left it staged.
    func appendIssuingSecret(
        _ kind: CredentialStore.StagedSecret.Kind, of user: UserID, claiming username: String? = nil, _ request: CommandRequest,
        stage: (UUID) async throws -> Void,
        append: (CommandRequest) async throws -> CommandOutcome<[UserEvent]>
    ) async throws -> SecretIssue {
        let request = request.withEventIDsKnownInAdvance()
        guard let eventID = request.eventID(index: 0) else { preconditionFailure("a request with an idempotency key has event ids") }
        let isRetry = try log.event(withID: eventID) != nil
        var claim: CredentialStore.UsernameClaim?
        if let username { claim = try await credentials.claimUsername(username, for: user) }
        let outcome: CommandOutcome<[UserEvent]>
        do {
            if !isRetry { try await stage(eventID) }
            outcome = try await append(request)
        } catch {
            if !isRetry { try? await giveBack(kind, of: user, eventID, claim) }
            throw error
        }
        guard !outcome.positions.isEmpty else {
            try await giveBack(kind, of: user, eventID, claim)
            return SecretIssue(outcome: outcome, isEffective: false)
        }
        let committed = try await credentials.commitStaged(kind, of: user, awaiting: eventID)
        return SecretIssue(outcome: outcome, isEffective: committed && !isRetry)
    }

    /// Appends a command that gives `user` the username `username` (when given): claimed first, so that no
    /// other user can take it meanwhile, and given back when the append is refused or fails.
    func appendClaimingUsername(
        _ username: String?, for user: UserID, _ append: () async throws -> CommandOutcome<[UserEvent]>
    ) async throws -> CommandOutcome<[UserEvent]> {
        guard let username else { return try await append() }
        let claim = try await credentials.claimUsername(username, for: user)
        do {
            return try await append()
        } catch {
            try? await credentials.release(claim)
            throw error
        }
    }

    private func giveBack(_ kind: CredentialStore.StagedSecret.Kind, of user: UserID, _ eventID: UUID, _ claim: CredentialStore.UsernameClaim?) async throws {
        try await credentials.discardStaged(kind, of: user, awaiting: eventID)
        if let claim { try await credentials.release(claim) }
    }
}

import PortalDomain

extension Portal {
    /// The common shape of a one-stream command: load the stream, authorise `permission` on the organisation
    /// the state (or the command) names, decide, append. Returns the events decided.
    func decideOne<S: EventStream>(
        _ kind: S.Type, _ id: String, _ command: S.Command, permission: Permission, request: CommandRequest,
        organisation: @escaping (S.State) -> OrganisationID?
    ) async throws -> CommandOutcome<[S.Event]> {
        try await perform(request) { attempt, context in
            let state = try attempt.load(kind, id)
            try authorise(request.actor, permission, organisation: organisation(state))
            let events = try S.decide(command, state, context)
            attempt.append(kind, id, events)
            return events
        }
    }
}

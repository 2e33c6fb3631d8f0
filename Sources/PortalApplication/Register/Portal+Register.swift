import PortalDomain

/// Organisations, contracts and services: registered by the council, details changed by change request (R-CON-1).
extension Portal {
    public func registerOrganisation(_ id: OrganisationID, details: ContactDetails, _ request: CommandRequest) async throws -> CommandOutcome<[OrganisationEvent]> {
        let command = Organisation.Command.register(id, details)
        return try await decideOne(Organisation.self, id.rawValue, command, permission: command.requiredPermission, request: request) { _ in id }
    }

    /// A change request step on an organisation's details: request (provider), accept or reject (helpdesk).
    public func changeOrganisationDetails(_ id: OrganisationID, _ change: DetailsChange, _ request: CommandRequest) async throws -> CommandOutcome<[OrganisationEvent]> {
        let command = Organisation.Command.changeDetails(change)
        return try await decideOne(Organisation.self, id.rawValue, command, permission: command.requiredPermission, request: request) { _ in id }
    }

    public func registerContract(_ registration: ContractRegistered, _ request: CommandRequest) async throws -> CommandOutcome<[ContractEvent]> {
        try await perform(request) { attempt, context in
            let organisation = try attempt.load(Organisation.self, registration.organisationID.rawValue)
            let command = Contract.Command.register(registration, organisationIsRegistered: organisation.isRegistered)
            try authorise(request.actor, command.requiredPermission, organisation: registration.organisationID)
            return try attempt.decide(Contract.self, registration.contractID.rawValue, command, context)
        }
    }

    public func registerService(_ registration: ServiceRegistered, _ request: CommandRequest) async throws -> CommandOutcome<[ServiceEvent]> {
        try await perform(request) { attempt, context in
            let contract = try attempt.load(Contract.self, registration.contractID.rawValue)
            let command = Service.Command.register(registration, contract: contract)
            try authorise(request.actor, command.requiredPermission, organisation: registration.organisationID)
            return try attempt.decide(Service.self, registration.serviceID.rawValue, command, context)
        }
    }

    /// A change request step on a service's details.
    public func changeServiceDetails(_ id: ServiceID, _ change: DetailsChange, _ request: CommandRequest) async throws -> CommandOutcome<[ServiceEvent]> {
        let command = Service.Command.changeDetails(change)
        return try await decideOne(Service.self, id.rawValue, command, permission: command.requiredPermission, request: request) { $0.organisationID }
    }
}

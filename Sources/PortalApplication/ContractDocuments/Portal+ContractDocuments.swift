import PortalDomain

/// Contract documents (R-ISO): brokerage publishes an ISO with its CPLIs; the provider agrees (activating
/// the CPLIs in the same atomic append) or rejects it with a reason.
extension Portal {
    /// Publishes `publication` and commissions `cplis` (whose ids must be the ISO's `cpliIDs`), listing each
    /// under its service (`servicecplis-<serviceId>`) in the same append.
    public func publishISO(_ publication: ISOPublished, cplis: [CPLIDefinition], _ request: CommandRequest) async throws -> CommandOutcome<[ISOEvent]> {
        try await perform(request) { attempt, context in
            let service = try attempt.load(Service.self, publication.serviceID.rawValue)
            let command = ISO.Command.publish(publication, service: service)
            try authorise(request.actor, command.requiredPermission, organisation: publication.organisationID)
            guard cplis.map(\.cpliID) == publication.cpliIDs else {
                throw DomainError.invalidValue(field: "cplis", "the CPLIs given are not the ISO's cpliIDs \(publication.cpliIDs.map(\.rawValue))")
            }
            let events = try attempt.decide(ISO.self, publication.isoID.rawValue, command, context)
            for (index, definition) in cplis.enumerated() {
                guard definition.isoID == publication.isoID, definition.organisationID == publication.organisationID,
                      definition.serviceID == publication.serviceID, definition.clientReference == publication.clientReference
                else {
                    throw DomainError.invalidValue(field: "cplis[\(index)]", "CPLI \(definition.cpliID) must name the ISO's id, organisation, service and client")
                }
                let original = try definition.temporaryOf.map { try attempt.load(CPLI.self, $0.rawValue) }
                do {
                    try attempt.decide(CPLI.self, definition.cpliID.rawValue, .commission(definition, original: original), context)
                    try attempt.decide(ServiceCPLIs.self, definition.serviceID.rawValue, .list(definition), context)
                } catch let error as DomainError {
                    throw error.located("cplis[\(index)]: ")
                }
            }
            return events
        }
    }

    /// The provider agrees a published ISO; its CPLIs become active (R-ISO-1, R-ISO-3).
    public func agreeISO(_ id: ISOID, _ request: CommandRequest) async throws -> CommandOutcome<[ISOEvent]> {
        try await perform(request) { attempt, context in
            let iso = try attempt.load(ISO.self, id.rawValue)
            try authorise(request.actor, ISO.Command.agree.requiredPermission, organisation: iso.organisationID)
            let events = try attempt.decide(ISO.self, id.rawValue, .agree, context)
            for cpli in iso.publication?.cpliIDs ?? [] {
                try attempt.decide(CPLI.self, cpli.rawValue, .activate(id), context)
            }
            return events
        }
    }

    /// The provider rejects a published ISO, saying what is wrong in it (R-ISO-1).
    public func rejectISO(_ id: ISOID, reason: String, _ request: CommandRequest) async throws -> CommandOutcome<[ISOEvent]> {
        let command = ISO.Command.reject(reason: reason)
        return try await decideOne(ISO.self, id.rawValue, command, permission: command.requiredPermission, request: request) { $0.organisationID }
    }
}

// MARK: Reads

extension Portal {
    /// A contract document as it stands, for someone who may read its organisation's contract documents: the
    /// ISO with its version, its CPLIs, and the names of the provider and the service (the client's is the
    /// ISO's), for the document view and its PDF.
    public func contractDocument(_ id: ISOID, for actor: Actor) throws -> ContractDocumentRead {
        let snapshot = try readable(ISO.self, id.rawValue, .contractDocuments, for: actor, "contract document \(id)",
                                    exists: { $0.publication != nil }, organisation: \.organisationID)
        guard let publication = snapshot.state.publication else { throw PortalError.notFound("contract document \(id)") }
        let attempt = CommandAttempt(log: log, folds: folds)
        let cplis = try publication.cpliIDs.map { try attempt.load(CPLI.self, $0.rawValue) }
        let organisation = try attempt.load(Organisation.self, publication.organisationID.rawValue).details?.name
        let service = try attempt.load(Service.self, publication.serviceID.rawValue).registration?.details.name
        return ContractDocumentRead(snapshot: snapshot, publication: publication, cplis: cplis, organisationName: organisation, serviceName: service)
    }
}

/// A contract document with the names it prints.
public struct ContractDocumentRead: Sendable {
    public var snapshot: StreamSnapshot<ISO.State>
    public var publication: ISOPublished
    public var cplis: [CPLI.State]
    /// The provider's name, nil when its record has no details (never for a registered organisation).
    public var organisationName: String?
    /// The service's name.
    public var serviceName: String?
}

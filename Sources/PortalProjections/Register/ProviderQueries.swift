import PortalDomain

/// Reads of the provider register (``ProvidersProjection``).
public struct ProviderQueries: Sendable {
    let engine: ProjectionEngine

    /// The organisations the scope sees: a provider its own, the council every one.
    public func organisations(_ scope: ReadScope) throws -> [OrganisationEntry] {
        try engine.read(ProvidersProjection.self) { reader in
            switch scope {
            case .organisation(let own):
                return try reader.get(OrganisationEntry.self, "organisations", ReadModelKey(.text(own.rawValue))).map { [$0] } ?? []
            case .council:
                return try reader.values(OrganisationEntry.self, "organisations", prefix: ReadModelKey())
            }
        }
    }

    /// One organisation, or nil when it does not exist or the scope may not see it.
    public func organisation(_ id: OrganisationID, _ scope: ReadScope) throws -> OrganisationEntry? {
        guard scope.allows(id) else { return nil }
        return try engine.read(ProvidersProjection.self) { reader in
            try reader.get(OrganisationEntry.self, "organisations", ReadModelKey(.text(id.rawValue)))
        }
    }

    /// The contracts of an organisation (every organisation's for the council when nil).
    public func contracts(of organisation: OrganisationID? = nil, _ scope: ReadScope) throws -> [ContractEntry] {
        try engine.read(ProvidersProjection.self) { reader in
            try reader.scopedValues(ContractEntry.self, "contracts", scope, organisation: organisation)
        }
    }

    /// The services of an organisation (every organisation's for the council when nil), by id.
    public func services(of organisation: OrganisationID? = nil, _ scope: ReadScope) throws -> [ServiceEntry] {
        try engine.read(ProvidersProjection.self) { reader in
            try reader.scopedValues(ServiceEntry.self, "services", scope, organisation: organisation)
        }
    }

    /// One service, or nil when it does not exist or the scope may not see it.
    public func service(_ id: ServiceID, _ scope: ReadScope) throws -> ServiceEntry? {
        try engine.read(ProvidersProjection.self) { reader in
            try reader.owned(ServiceEntry.self, "services", owners: "service-owners", id: id.rawValue, scope)
        }
    }
}

import PortalDomain

/// Reads for an actor, authorised once here (R-ROLE): the HTTP routes, the web pages and the CLI ask these
/// rather than folding streams and checking access themselves.
extension Portal {
    /// One stream as it stands, for an actor who may read `area` of the organisation its state names.
    /// `PortalError.notFound` when the stream holds no such record, and also when a provider asks for another
    /// organisation's record (or council data): a provider never learns that it exists (R-ROLE-2).
    func readable<S: EventStream>(
        _ kind: S.Type, _ id: String, _ area: PortalArea, for actor: Actor, _ what: String,
        exists: (S.State) -> Bool, organisation: (S.State) -> OrganisationID?
    ) throws -> StreamSnapshot<S.State> {
        let snapshot = try self.snapshot(of: kind, id)
        guard snapshot.version > 0, exists(snapshot.state) else { throw PortalError.notFound(what) }
        try authoriseRead(actor, area, organisation: organisation(snapshot.state), what)
        return snapshot
    }

    /// Refuses unless `actor` may read `area` of `organisation` (nil: council data). A provider asking for
    /// another organisation's data is told there is no `what` (R-ROLE-2).
    public func authoriseRead(_ actor: Actor, _ area: PortalArea, organisation: OrganisationID?, _ what: String) throws {
        try authoriseOnRecord(actor, .read(area), organisation: organisation, exists: true, what)
    }

    /// Refuses a command on (or a read of) one record: not found when it does not exist, or when a provider
    /// names another organisation's record or council data (R-ROLE-2: it learns nothing of it); else refused
    /// unless the actor has `permission` on the record's organisation (R-ROLE).
    func authoriseOnRecord(_ actor: Actor, _ permission: Permission, organisation: OrganisationID?, exists: Bool, _ what: String) throws {
        guard exists else { throw PortalError.notFound(what) }
        if case .provider(_, let own, _) = actor, organisation != own { throw PortalError.notFound(what) }
        try authorise(actor, permission, organisation: organisation)
    }
}

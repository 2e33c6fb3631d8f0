import PortalApplication
import PortalDomain
import PortalProjections

/// The contract documents' downloads, one function each for the JSON API and the web pages: the same bytes
/// whichever asks (an ISO's PDF, the CPLI list as CSV with the cost breakdown, R-ISO-2, R-ISO-3).
extension PortalAPI {
    /// The PDF of ISO `id` and its stream's version, for an actor who may read it (404 for another
    /// organisation's).
    public func contractDocumentPDF(_ id: ISOID, for actor: Actor) throws -> (bytes: [UInt8], version: UInt64) {
        let snapshot = try existing(ISO.self, id.rawValue, "contract document \(id)")
        try requireReadable(actor, .contractDocuments, organisation: snapshot.state.organisationID, "contract document \(id)")
        guard let view = try ContractDocumentRoutes(api: self).view(snapshot) else { throw Problem.notFound("there is no contract document \(id)") }
        return (ContractDocumentPDF.render(view), snapshot.version)
    }

    /// The CPLIs the actor may see (narrowed to an organisation and a service when given) as CSV with the cost
    /// breakdown, from the CPLIs read model.
    public func cpliCSV(of organisation: OrganisationID?, service: ServiceID?, for actor: Actor, models: PortalReadModels) throws -> String {
        let entries = try models.cplis.cplis(of: organisation, service: service, ReadScope(actor))
        return CPLIExport.csv(entries.compactMap { CPLIView($0.cpli) }.filter { organisation == nil || $0.organisationID == organisation })
    }
}

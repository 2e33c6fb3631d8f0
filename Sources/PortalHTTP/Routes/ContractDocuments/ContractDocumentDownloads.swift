import PortalApplication
import PortalDomain
import PortalProjections

/// An ISO's PDF, one function for the JSON API and the web pages: the same bytes whichever asks (R-ISO-2).
extension PortalAPI {
    /// The PDF of ISO `id` with names rather than ids, on as many pages as its CPLIs need, and its stream's
    /// version, for an actor who may read it (404 for another organisation's); 503 naming the font to install
    /// when the server has none.
    public func contractDocumentPDF(_ id: ISOID, for actor: Actor) throws -> (bytes: [UInt8], version: UInt64, isoID: ISOID) {
        let read = try portal.contractDocument(id, for: actor)
        let fonts: [TrueTypeFont]
        switch PDFFonts.loaded {
        case .success(let loaded): fonts = loaded
        case .failure(let problem): throw Problem.unavailable("the server cannot print PDFs: \(problem)")
        }
        let publication = read.publication
        let document = ContractDocumentPDF.Document(
            isoID: publication.isoID, clientName: publication.clientName, clientReference: publication.clientReference,
            providerName: read.organisationName ?? publication.organisationID.rawValue, serviceName: read.serviceName ?? publication.serviceID.rawValue,
            status: read.snapshot.state.status.rawValue, rejectionReason: read.snapshot.state.rejectionReason, cplis: read.cplis.compactMap(CPLIView.init))
        return (ContractDocumentPDF.render(document, fonts: fonts), read.snapshot.version, publication.isoID)
    }
}

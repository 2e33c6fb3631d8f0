import Chronology
import Foundation
import Hummingbird
import NIOCore
import PortalApplication
import PortalDomain
import PortalProjections

/// Contract documents (ISOs) and their CPLIs (R-ISO): service brokerage publishes; the provider agrees or
/// rejects with a reason; lists filter by status and "updated since"; each ISO renders as a PDF; the CPLI
/// list exports as CSV with the cost breakdown.
struct ContractDocumentRoutes {
    let api: PortalAPI

    struct Publication: Decodable {
        struct Line: Decodable {
            /// Absent: the server makes one (`cpli-…`).
            var cpliID: String?
            var serviceType: String
            var unit: String
            var plannedPerWeek: String
            var rate: String
            var startDate: String
            var endDate: String?
            var temporaryOf: String?
        }

        /// Absent: the server makes one (`iso-…`).
        var isoID: String?
        var organisationID: String
        var serviceID: String
        var clientReference: String
        var clientName: String
        var cplis: [Line]
    }

    struct Rejection: Decodable {
        var reason: String
    }

    func register(on router: Router<PortalRequestContext>) {
        router.post("/contract-documents") { request, context in try await publish(request, context) }
        router.get("/contract-documents") { request, context in try await list(request, context) }
        router.get("/contract-documents/{isoID}") { _, context in try document(context) }
        router.get("/contract-documents/{isoID}/pdf") { _, context in try pdf(context) }
        router.post("/contract-documents/{isoID}/agree") { request, context in try await decide(request, context, agree: true) }
        router.post("/contract-documents/{isoID}/reject") { request, context in try await decide(request, context, agree: false) }
        router.get("/cplis") { request, context in try await cplis(request, context) }
        router.get("/cplis/{cpliID}") { _, context in try cpli(context) }
    }

    // MARK: Contract documents

    func publish(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "publish-contract-document") { write in
            try api.requireCouncilWork(write.actor, .commissioning)
            let body = try write.decode(Publication.self)
            let (publication, definitions) = try parsed { () throws -> (ISOPublished, [CPLIDefinition]) in
                let iso: ISOID = try write.newID(body.isoID, field: "isoID", prefix: "iso")
                let organisation = try OrganisationID.parse(body.organisationID, field: "organisationID")
                let service = try ServiceID.parse(body.serviceID, field: "serviceID")
                var definitions: [CPLIDefinition] = []
                for (index, line) in body.cplis.enumerated() {
                    let at = "cplis[\(index)]."
                    definitions.append(CPLIDefinition(
                        cpliID: try write.newID(line.cpliID, field: at + "cpliID", prefix: "cpli"), isoID: iso, organisationID: organisation, serviceID: service,
                        clientReference: body.clientReference, clientName: body.clientName,
                        serviceType: try Parse.choice(line.serviceType, ServiceType.self, field: at + "serviceType"),
                        unit: try Parse.choice(line.unit, CareUnit.self, field: at + "unit"),
                        plannedPerWeek: try Quantity.parse(line.plannedPerWeek, field: at + "plannedPerWeek"),
                        rate: try Rate.parse(line.rate, field: at + "rate"),
                        startDate: try Parse.date(line.startDate, field: at + "startDate"),
                        endDate: try line.endDate.map { try Parse.date($0, field: at + "endDate") },
                        temporaryOf: try line.temporaryOf.map { try CPLIID.parse($0, field: at + "temporaryOf") }))
                }
                return (ISOPublished(isoID: iso, organisationID: organisation, serviceID: service, clientReference: body.clientReference,
                                     clientName: body.clientName, cpliIDs: definitions.map(\.cpliID)), definitions)
            }
            _ = try await api.portal.publishISO(publication, cplis: definitions, write.command())
            return try documentResponse(publication.isoID, status: .created)
        }
    }

    func view(_ snapshot: StreamSnapshot<ISO.State>) throws -> ContractDocumentView? {
        guard let publication = snapshot.state.publication else { return nil }
        let cplis = try publication.cpliIDs.compactMap { try CPLIView(api.portal.state(of: CPLI.self, $0.rawValue)) }
        return ContractDocumentView(
            isoID: publication.isoID, organisationID: publication.organisationID, serviceID: publication.serviceID,
            clientReference: publication.clientReference, clientName: publication.clientName, status: snapshot.state.status.rawValue,
            rejectionReason: snapshot.state.rejectionReason, cplis: cplis, updatedAt: snapshot.updatedAt, version: snapshot.version)
    }

    func documentResponse(_ id: ISOID, status: HTTPResponse.Status = .ok) throws -> Reply {
        let snapshot = try api.existing(ISO.self, id.rawValue, "contract document \(id)")
        guard let view = try view(snapshot) else { throw Problem.notFound("there is no contract document \(id)") }
        return try api.json(view, status: status, etag: snapshot.version, location: status == .created ? "/contract-documents/\(id)" : nil)
    }

    /// The documents the actor may see, in order of their last change, filtered by status, "updated since"
    /// and organisation (R-ISO-2), from the contract documents read model with each one's CPLIs from the
    /// CPLIs read model.
    func list(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let status = try request.query("status").map { text in try parsed { try Parse.choice(text, ISO.Status.self, field: "status") } }
        let updatedSince = try request.query("updatedSince").map { text in
            guard let instant = Timestamp(iso8601: text) ?? BusinessDate(iso8601: text)?.startOfDay else {
                throw Problem.invalid("updatedSince '\(text)' is not a date or instant like 2026-11-16 or 2026-11-16T09:00:00Z", field: "updatedSince")
            }
            return instant
        }
        let organisation = try api.organisationQuery(request)
        let models = try await api.readModelsAtHead()
        let scope = ReadScope(actor)
        let documents = try models.contractDocuments.documents(of: organisation, status: status, updatedSince: updatedSince, scope)
        let cplis = Dictionary(uniqueKeysWithValues: try models.cplis.cplis(of: organisation, scope).map { ($0.definition.cpliID, $0.cpli) })
        let views = documents.compactMap { entry -> ContractDocumentView? in
            guard let publication = entry.document.publication else { return nil }
            return ContractDocumentView(
                isoID: publication.isoID, organisationID: publication.organisationID, serviceID: publication.serviceID,
                clientReference: publication.clientReference, clientName: publication.clientName, status: entry.status.rawValue,
                rejectionReason: entry.document.rejectionReason, cplis: publication.cpliIDs.compactMap { cplis[$0].flatMap(CPLIView.init) },
                updatedAt: entry.updated.at, version: entry.version)
        }
        return try api.json(views)
    }

    func document(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let read = try api.portal.contractDocument(try context.identifier("isoID", as: ISOID.self), for: actor)
        guard let view = try view(read.snapshot) else { throw Problem.notFound("there is no such contract document") }
        return try api.json(view, etag: read.snapshot.version)
    }

    /// The document as a PDF (R-ISO-2), with names rather than ids, on as many pages as its CPLIs need; 503
    /// naming the font to install when the server has none.
    func pdf(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let (bytes, version, isoID) = try api.contractDocumentPDF(try context.identifier("isoID", as: ISOID.self), for: actor)
        var headers: HTTPFields = [.contentType: "application/pdf", .eTag: ETag.format(version)]
        headers[.contentDisposition] = "inline; filename=\"\(isoID).pdf\""
        return Reply(status: .ok, headers: headers, body: ByteBuffer(bytes: bytes))
    }

    func decide(_ request: Request, _ context: PortalRequestContext, agree: Bool) async throws -> Reply {
        try await api.write(request, context, command: agree ? "agree-contract-document" : "reject-contract-document") { write in
            let id = try context.identifier("isoID", as: ISOID.self)
            let command = try write.command(changing: try api.portal.contractDocument(id, for: write.actor).snapshot.streamID,
                                            resource: "contract document \(id)")
            if agree {
                _ = try await api.portal.agreeISO(id, command)
            } else {
                _ = try await api.portal.rejectISO(id, reason: try write.decode(Rejection.self).reason, command)
            }
            return try documentResponse(id)
        }
    }

    // MARK: CPLIs

    /// The CPLIs the actor may see (`?organisationID=`, `?serviceID=` narrow), by organisation and id, from the
    /// CPLIs read model; as JSON or as CSV with the cost breakdown (R-ISO-3).
    func cplis(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let organisation = try api.organisationQuery(request)
        let service = try request.query("serviceID").map { text in try parsed { try ServiceID.parse(text, field: "serviceID") } }
        let format = request.query("format")
        if let format, format != "json", format != "csv" { throw Problem.invalid("format '\(format)' is not json or csv", field: "format") }
        let models = try await api.readModelsAtHead()
        switch format {
        case nil, "json"?:
            let entries = try models.cplis.cplis(of: organisation, service: service, ReadScope(actor))
            // A service narrows within the organisation asked for, if any.
            return try api.json(entries.compactMap { CPLIView($0.cpli) }.filter { organisation == nil || $0.organisationID == organisation })
        case "csv"?:
            return api.text(try models.cplis.csv(of: organisation, service: service, ReadScope(actor)), mediaType: "text/csv; charset=utf-8",
                            fileName: "cplis.csv")
        case let other?:
            throw Problem.invalid("format '\(other)' is not json or csv", field: "format")
        }
    }

    func cpli(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let id = try context.identifier("cpliID", as: CPLIID.self)
        let snapshot = try api.existing(CPLI.self, id.rawValue, "CPLI \(id)")
        try api.requireReadable(actor, .carePackageLineItems, organisation: snapshot.state.definition?.organisationID, "CPLI \(id)")
        guard let view = CPLIView(snapshot.state) else { throw Problem.notFound("there is no CPLI \(id)") }
        return try api.json(view, etag: snapshot.version)
    }
}

import Chronology
import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalProjections

/// Organisations, contracts and services: registered by procurement; details changed by change requests
/// that the helpdesk accepts or rejects (R-CON-1).
struct RegisterRoutes {
    let api: PortalAPI

    struct OrganisationRegistration: Decodable {
        /// Absent: the server makes one (`org-…`).
        var organisationID: String?
        var details: ContactDetails
    }

    struct ContractRegistration: Decodable {
        /// Absent: the server makes one (`contract-…`).
        var contractID: String?
        var organisationID: String
        var name: String
        var contractType: String
        var paymentBasis: String
        var startDate: String
        var endDate: String?
    }

    struct ServiceRegistration: Decodable {
        /// Absent: the server makes one (`svc-…`).
        var serviceID: String?
        var organisationID: String
        var contractID: String
        var details: ContactDetails
        var startDate: String
    }

    struct DetailsChangeRequest: Decodable {
        var requestID: String
        var details: ContactDetails
    }

    struct Rejection: Decodable {
        var reason: String
    }

    func register(on router: Router<PortalRequestContext>) {
        router.post("/organisations") { request, context in try await registerOrganisation(request, context) }
        router.get("/organisations") { _, context in try await listOrganisations(context) }
        router.get("/organisations/{organisationID}") { _, context in try organisation(context) }
        router.post("/organisations/{organisationID}/change-requests") { request, context in
            try await changeOrganisation(request, context, step: .request)
        }
        router.post("/organisations/{organisationID}/change-requests/{requestID}/accept") { request, context in
            try await changeOrganisation(request, context, step: .accept)
        }
        router.post("/organisations/{organisationID}/change-requests/{requestID}/reject") { request, context in
            try await changeOrganisation(request, context, step: .reject)
        }
        router.post("/contracts") { request, context in try await registerContract(request, context) }
        router.get("/contracts") { request, context in try await listContracts(request, context) }
        router.get("/contracts/{contractID}") { _, context in try contract(context) }
        router.post("/services") { request, context in try await registerService(request, context) }
        router.get("/organisations/{organisationID}/services") { _, context in try await services(context) }
        router.get("/services/{serviceID}") { _, context in try service(context) }
        router.post("/services/{serviceID}/change-requests") { request, context in
            try await changeService(request, context, step: .request)
        }
        router.post("/services/{serviceID}/change-requests/{requestID}/accept") { request, context in
            try await changeService(request, context, step: .accept)
        }
        router.post("/services/{serviceID}/change-requests/{requestID}/reject") { request, context in
            try await changeService(request, context, step: .reject)
        }
    }

    enum Step { case request, accept, reject }

    // MARK: Organisations

    func registerOrganisation(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "register-organisation") { write in
            try api.requireCouncilWork(write.actor, .providerRegister)
            let body = try write.decode(OrganisationRegistration.self)
            let id: OrganisationID = try write.newID(body.organisationID, field: "organisationID", prefix: "org")
            _ = try await api.portal.registerOrganisation(id, details: body.details, write.command())
            return try organisationResponse(id, status: .created)
        }
    }

    func organisationResponse(_ id: OrganisationID, status: HTTPResponse.Status = .ok) throws -> Reply {
        let snapshot = try api.existing(Organisation.self, id.rawValue, "organisation \(id)")
        guard let view = OrganisationView(snapshot) else { throw Problem.notFound("there is no organisation \(id)") }
        return try api.json(view, status: status, etag: snapshot.version, location: status == .created ? "/organisations/\(id)" : nil)
    }

    /// The organisations the actor may see, by id (a provider: its own), from the providers read model.
    func listOrganisations(_ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let models = try await api.readModelsAtHead()
        return try api.json(try models.providers.organisations(ReadScope(actor)).map(OrganisationView.init))
    }

    func organisation(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let id = try context.identifier("organisationID", as: OrganisationID.self)
        try api.requireReadable(actor, .organisationDetails, organisation: id, "organisation \(id)")
        return try organisationResponse(id)
    }

    func changeOrganisation(_ request: Request, _ context: PortalRequestContext, step: Step) async throws -> Reply {
        try await api.write(request, context, command: "change-organisation-details") { write in
            let id = try context.identifier("organisationID", as: OrganisationID.self)
            try api.requireVisible(write.actor, organisation: id, "organisation \(id)")
            let snapshot = try api.existing(Organisation.self, id.rawValue, "organisation \(id)")
            let change = try detailsChange(step, write, context)
            _ = try await api.portal.changeOrganisationDetails(id, change, try write.command(changing: snapshot.streamID, resource: "organisation \(id)"))
            return try organisationResponse(id)
        }
    }

    func detailsChange(_ step: Step, _ write: WriteRequest, _ context: PortalRequestContext) throws -> DetailsChange {
        switch step {
        case .request:
            let body = try write.decode(DetailsChangeRequest.self)
            return .request(try parsed { try ChangeRequestID.parse(body.requestID, field: "requestID") }, body.details)
        case .accept:
            return .accept(try context.identifier("requestID", as: ChangeRequestID.self))
        case .reject:
            let body = try write.decode(Rejection.self)
            return .reject(try context.identifier("requestID", as: ChangeRequestID.self), reason: body.reason)
        }
    }

    // MARK: Contracts

    func registerContract(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "register-contract") { write in
            try api.requireCouncilWork(write.actor, .providerRegister)
            let body = try write.decode(ContractRegistration.self)
            let registration = try parsed {
                ContractRegistered(
                    contractID: try write.newID(body.contractID, field: "contractID", prefix: "contract"),
                    organisationID: try OrganisationID.parse(body.organisationID, field: "organisationID"),
                    name: body.name,
                    contractType: try Parse.choice(body.contractType, ContractType.self, field: "contractType"),
                    paymentBasis: try Parse.choice(body.paymentBasis, PaymentBasis.self, field: "paymentBasis"),
                    startDate: try Parse.date(body.startDate, field: "startDate"),
                    endDate: try body.endDate.map { try Parse.date($0, field: "endDate") })
            }
            _ = try await api.portal.registerContract(registration, write.command())
            return try contractResponse(registration.contractID, status: .created)
        }
    }

    func contractResponse(_ id: ContractID, status: HTTPResponse.Status = .ok) throws -> Reply {
        let snapshot = try api.existing(Contract.self, id.rawValue, "contract \(id)")
        guard let registration = snapshot.state.registration else { throw Problem.notFound("there is no contract \(id)") }
        return try api.json(ContractView(contract: registration, version: snapshot.version), status: status, etag: snapshot.version,
                            location: status == .created ? "/contracts/\(id)" : nil)
    }

    /// The contracts the actor may see (`?organisationID=` narrows), by organisation and id, from the providers
    /// read model; a provider lists only its own.
    func listContracts(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let organisation = try api.organisationQuery(request)
        let models = try await api.readModelsAtHead()
        return try api.json(try models.providers.contracts(of: organisation, ReadScope(actor)).map(ContractView.init))
    }

    func contract(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let id = try context.identifier("contractID", as: ContractID.self)
        let snapshot = try api.existing(Contract.self, id.rawValue, "contract \(id)")
        try api.requireReadable(actor, .organisationDetails, organisation: snapshot.state.registration?.organisationID, "contract \(id)")
        return try contractResponse(id)
    }

    // MARK: Services

    func registerService(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "register-service") { write in
            try api.requireCouncilWork(write.actor, .providerRegister)
            let body = try write.decode(ServiceRegistration.self)
            let registration = try parsed {
                ServiceRegistered(
                    serviceID: try write.newID(body.serviceID, field: "serviceID", prefix: "svc"),
                    organisationID: try OrganisationID.parse(body.organisationID, field: "organisationID"),
                    contractID: try ContractID.parse(body.contractID, field: "contractID"),
                    details: body.details, startDate: try Parse.date(body.startDate, field: "startDate"))
            }
            _ = try await api.portal.registerService(registration, write.command())
            return try serviceResponse(registration.serviceID, status: .created)
        }
    }

    func serviceResponse(_ id: ServiceID, status: HTTPResponse.Status = .ok) throws -> Reply {
        let snapshot = try api.existing(Service.self, id.rawValue, "service \(id)")
        guard let view = ServiceView(snapshot) else { throw Problem.notFound("there is no service \(id)") }
        return try api.json(view, status: status, etag: snapshot.version, location: status == .created ? "/services/\(id)" : nil)
    }

    func service(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        let id = try context.identifier("serviceID", as: ServiceID.self)
        let snapshot = try api.existing(Service.self, id.rawValue, "service \(id)")
        try api.requireReadable(actor, .serviceDetails, organisation: snapshot.state.organisationID, "service \(id)")
        return try serviceResponse(id)
    }

    /// An organisation's services, by id, from the providers read model.
    func services(_ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let id = try context.identifier("organisationID", as: OrganisationID.self)
        try api.requireReadable(actor, .serviceDetails, organisation: id, "organisation \(id)")
        let models = try await api.readModelsAtHead()
        let scope = ReadScope(actor)
        guard try models.providers.organisation(id, scope) != nil else { throw Problem.notFound("there is no organisation \(id)") }
        return try api.json(try models.providers.services(of: id, scope).map(ServiceView.init))
    }

    func changeService(_ request: Request, _ context: PortalRequestContext, step: Step) async throws -> Reply {
        try await api.write(request, context, command: "change-service-details") { write in
            let id = try context.identifier("serviceID", as: ServiceID.self)
            let snapshot = try api.existing(Service.self, id.rawValue, "service \(id)")
            try api.requireVisible(write.actor, organisation: snapshot.state.organisationID, "service \(id)")
            let change = try detailsChange(step, write, context)
            _ = try await api.portal.changeServiceDetails(id, change, try write.command(changing: snapshot.streamID, resource: "service \(id)"))
            return try serviceResponse(id)
        }
    }
}

/// Parsing of request values into domain values, each refusal naming the field.
enum Parse {
    static func date(_ text: String, field: String) throws(DomainError) -> BusinessDate {
        guard let date = BusinessDate(iso8601: text.trimmingCharacters(in: .whitespaces)) else {
            throw .invalidValue(field: field, "\(field) '\(text)' is not a date like 2026-11-16")
        }
        return date
    }

    static func choice<T: RawRepresentable & CaseIterable>(_ text: String, _ type: T.Type, field: String) throws(DomainError) -> T
    where T.RawValue == String {
        guard let value = T(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw .invalidValue(field: field, "\(field) '\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}

import Foundation
import Hummingbird
import PortalApplication
import PortalDomain
import PortalProjections

/// What a new conversation of an organisation may be about (user guide §12, R-CNV-1): for a "related to", the
/// organisation's own records of that kind to choose the entity from, and the teams the caller may assign it to
/// (a provider never Z Information Messaging, R-CNV-2). `GET /organisations/{organisationID}/conversation-entities`,
/// the JSON twin of the new-conversation page's choices.
struct ConversationEntityRoutes {
    let api: PortalAPI

    func register(on router: Router<PortalRequestContext>) {
        router.get("/organisations/{organisationID}/conversation-entities") { request, context in try await entities(request, context) }
    }

    func entities(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let organisation = try context.identifier("organisationID", as: OrganisationID.self)
        try api.requireReadable(actor, .actions, organisation: organisation, "organisation \(organisation)")
        let parameters = try QueryParameters(request, allowing: ["relatedTo"])
        guard let text = parameters["relatedTo"] else {
            throw Problem.malformed("relatedTo is required: one of \(RelatedTo.allCases.map(\.rawValue).joined(separator: ", "))", field: "relatedTo")
        }
        let relatedTo = try parsed { try Parse.choice(text, RelatedTo.self, field: "relatedTo") }
        let models = try await api.readModelsAtHead()
        let entities = try api.conversationEntities(relatedTo, of: organisation, for: actor, models: models)
        return try api.json(ConversationEntitiesView(
            organisationID: organisation, relatedTo: relatedTo, entities: entities, teams: PortalAPI.assignableTeams(for: actor),
            types: ConversationType.allCases.filter { $0.allowedRelatedTo.contains(relatedTo) }))
    }
}

/// One record a conversation may be about: its id (the conversation's `entityID`) and how a person names it.
public struct ConversationEntityChoice: Encodable, Sendable, Equatable {
    public var entityID: String
    public var label: String
}

/// The choices of a new conversation for one "related to".
struct ConversationEntitiesView: Encodable {
    var organisationID: OrganisationID
    var relatedTo: RelatedTo
    var entities: [ConversationEntityChoice]
    /// The teams the caller may assign the conversation to.
    var teams: [CouncilTeam]
    /// The conversation types that may be related to it.
    var types: [ConversationType]
}

extension PortalAPI {
    /// The teams `actor` may assign a conversation to: a provider every team but the internal-only Z Information
    /// Messaging (R-CNV-2); council staff their own team.
    public static func assignableTeams(for actor: Actor) -> [CouncilTeam] {
        switch actor {
        case .council(_, let team): [team]
        default: CouncilTeam.allCases.filter { $0 != .zInformationMessaging }
        }
    }

    /// The organisation's own records a conversation related to `relatedTo` may be about, from the read models,
    /// in the order a person looks for them (by name or reference).
    public func conversationEntities(_ relatedTo: RelatedTo, of organisation: OrganisationID, for actor: Actor,
                                     models: PortalReadModels) throws -> [ConversationEntityChoice] {
        let scope = ReadScope(actor)
        guard let own = try models.providers.organisation(organisation, scope) else { throw Problem.notFound("there is no organisation \(organisation)") }
        func byLabel(_ choices: [ConversationEntityChoice]) -> [ConversationEntityChoice] {
            choices.sorted { $0.label.localizedStandardCompare($1.label) == .orderedAscending }
        }
        switch relatedTo {
        case .contract, .valueCommitment:
            let contracts = try models.providers.contracts(of: organisation, scope).map(\.contract)
                .filter { relatedTo == .contract || $0.contractType != .spotOldBlock }
            return byLabel(contracts.map { .init(entityID: $0.contractID.rawValue, label: "\($0.name) (\($0.contractID))") })
        case .spotCommitment:
            return byLabel(try models.cplis.cplis(of: organisation, scope).map { entry in
                let d = entry.definition
                return .init(entityID: d.cpliID.rawValue, label: "\(d.clientName) (\(d.clientReference)), \(d.serviceType.rawValue), CPLI \(d.cpliID)")
            })
        case .client:
            var clients: [String: String] = [:]
            for entry in try models.cplis.cplis(of: organisation, scope) {
                clients[entry.definition.clientReference] = entry.definition.clientName
            }
            return byLabel(clients.map { .init(entityID: $0.key, label: "\($0.value) (\($0.key))") })
        case .service:
            return byLabel(try models.providers.services(of: organisation, scope).map { .init(entityID: $0.serviceID.rawValue, label: $0.details.name) })
        case .invoice:
            // The newest first: the invoice a person asks about is most often a recent one.
            return try models.invoices.latest(of: organisation, limit: .max, scope).entries.map { entry in
                let period = entry.invoice.period.map { ", period \($0)" } ?? ""
                return .init(entityID: entry.invoiceID.rawValue, label: "\(entry.invoice.reference)\(period)")
            }
        case .contact:
            return byLabel(try models.contacts.contacts(of: organisation, scope).compactMap { entry in
                guard let user = entry.userID, let person = entry.account.person else { return nil }
                return .init(entityID: user.rawValue, label: "\(person.forename) \(person.surname) (\(person.email))")
            })
        case .provider:
            return [.init(entityID: organisation.rawValue, label: own.details.name)]
        }
    }
}

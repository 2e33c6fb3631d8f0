import Chronology
import Hummingbird
import PortalApplication
import PortalDomain
import PortalProjections

/// What needs a provider's attention now (user guide §2, §4), the JSON twin of the provider's home page:
/// `GET /organisations/{organisationID}/attention`. From the read models only.
struct AttentionRoutes {
    let api: PortalAPI

    func register(on router: Router<PortalRequestContext>) {
        router.get("/organisations/{organisationID}/attention") { _, context in try await attention(context) }
    }

    func attention(_ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        let organisation = try context.identifier("organisationID", as: OrganisationID.self)
        try api.requireReadable(actor, .organisationDetails, organisation: organisation, "organisation \(organisation)")
        let models = try await api.readModelsAtHead()
        return try api.json(try api.providerAttention(organisation, for: actor, models: models))
    }
}

/// What needs a provider's attention: contract documents to agree or reject (R-ISO-1), each service's period
/// open for edits with its over-20% exception lines (R-PER-2, R-ACT-6), invoices created and not submitted,
/// invoices returned with the reason (R-INV-3), open conversations (and those awaiting the provider's reply), claims not submitted and contact change
/// requests waiting for the helpdesk (R-CON-1).
public struct ProviderAttention: Encodable, Sendable {
    public struct DocumentToAgree: Encodable, Sendable {
        public var isoID: ISOID
        public var clientReference: String
        public var clientName: String
        public var publishedAt: Timestamp
    }

    public struct ExceptionLine: Encodable, Sendable {
        public var cpliID: CPLIID
        public var clientReference: String
        public var clientName: String
        /// The weeks whose Actual is more than 1.2 × Planned.
        public var weeks: [Week]
    }

    public struct ServicePeriod: Encodable, Sendable {
        public var serviceID: ServiceID
        public var serviceName: String
        /// The period open for edits (R-PER-2); nil when none is (its invoice is submitted and not yet decided).
        public var openPeriod: PeriodNumber?
        public var firstDay: BusinessDate?
        public var lastDay: BusinessDate?
        /// Lines of the open period over the 20% exception (R-ACT-6): to leave the invoice, and a temporary CPLI
        /// to ask Service Brokerage for (R-INV-2, R-INV-5).
        public var exceptionLines: [ExceptionLine]
    }

    public struct InvoiceNote: Encodable, Sendable {
        public var invoiceID: InvoiceID
        public var reference: String
        public var status: InvoiceStatus
        /// Why the Payments Team returned it, for a returned invoice.
        public var returnReason: String?
    }

    public var organisationID: OrganisationID
    /// Published documents waiting for the provider, the oldest first (at most ``maximumListed``).
    public var contractDocumentsToAgree: [DocumentToAgree]
    /// How many published documents wait in all.
    public var contractDocumentsToAgreeCount: Int
    public var services: [ServicePeriod]
    public var unsubmittedInvoices: [InvoiceNote]
    public var returnedInvoices: [InvoiceNote]
    public var openConversations: Int
    /// Open conversations whose last message is the council's: a message the provider has not answered (the
    /// portal keeps no per-user read marks, so this is what "unread" means here).
    public var conversationsAwaitingReply: Int
    /// Claims created and not yet submitted.
    public var draftClaims: Int
    /// Contact change requests of the organisation waiting for the helpdesk.
    public var pendingChangeRequests: Int

    /// Most documents listed by name; the count says how many more wait.
    public static let maximumListed = 20
}

extension PortalAPI {
    /// What needs `organisation`'s attention, read by `actor` (who may read its data) from `models`.
    public func providerAttention(_ organisation: OrganisationID, for actor: Actor, models: PortalReadModels) throws -> ProviderAttention {
        let scope = ReadScope(actor)
        guard try models.providers.organisation(organisation, scope) != nil else { throw Problem.notFound("there is no organisation \(organisation)") }
        let calendar = portal.configuration.calendar
        let published = try models.contractDocuments.documents(of: organisation, status: .published, scope)
        let services = try models.providers.services(of: organisation, scope).map { service -> ProviderAttention.ServicePeriod in
            let open = try models.periodLocks.openPeriod(service.serviceID, today: today, calendar: calendar, scope)
            var exceptions: [CPLIID: ProviderAttention.ExceptionLine] = [:]
            if let open {
                for week in try models.actualsCalendar.period(service.serviceID, open, policy: portal.configuration.policy, calendar: calendar, scope) {
                    for line in week.lines where line.flags.exception {
                        exceptions[line.cpliID, default: .init(cpliID: line.cpliID, clientReference: line.clientReference, clientName: line.clientName,
                                                               weeks: [])].weeks.append(week.week)
                    }
                }
            }
            let range = open.map { calendar.period($0) }
            return .init(serviceID: service.serviceID, serviceName: service.details.name, openPeriod: open, firstDay: range?.firstDay,
                         lastDay: range?.lastDay, exceptionLines: exceptions.values.sorted { $0.cpliID < $1.cpliID })
        }
        func notes(_ status: InvoiceStatus) throws -> [ProviderAttention.InvoiceNote] {
            try models.invoices.latest(of: organisation, status: status, limit: ProviderAttention.maximumListed, scope).entries.map {
                .init(invoiceID: $0.invoiceID, reference: $0.invoice.reference, status: $0.status, returnReason: $0.invoice.returnReason)
            }
        }
        let open = try models.conversations.conversations(of: organisation, scope)
        return ProviderAttention(
            organisationID: organisation,
            contractDocumentsToAgree: published.prefix(ProviderAttention.maximumListed).compactMap { entry in
                entry.document.publication.map {
                    .init(isoID: $0.isoID, clientReference: $0.clientReference, clientName: $0.clientName, publishedAt: entry.published.at)
                }
            },
            contractDocumentsToAgreeCount: published.count,
            services: services,
            unsubmittedInvoices: try notes(.unsubmitted),
            returnedInvoices: try notes(.returned),
            openConversations: open.count,
            conversationsAwaitingReply: open.filter { $0.conversation.messages.last?.from.organisationID == nil }.count,
            draftClaims: try models.claims.claims(of: organisation, status: .draft, scope).count,
            pendingChangeRequests: try models.contacts.contacts(of: organisation, scope).reduce(0) { $0 + $1.pendingRequests.count })
    }
}

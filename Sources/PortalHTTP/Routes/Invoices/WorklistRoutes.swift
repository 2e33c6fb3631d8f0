import Chronology
import Hummingbird
import PortalApplication
import PortalDomain
import PortalProjections

/// The Payments Team's worklist over JSON: submitted and on-hold invoices with who submitted or held each and
/// why, days waiting and the 30-day flag, narrowed by filters and a search, a page at a time (cursor). The web
/// page shows the same query (``PaymentsWorklist``). A council screen: a provider is refused (403).
struct WorklistRoutes {
    let api: PortalAPI

    func register(on router: Router<PortalRequestContext>) {
        router.get("/payments/worklist") { request, context in try await worklist(request, context) }
    }

    func worklist(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        let actor = try context.requireActor()
        try api.requireCouncilRead(actor, .paymentProcessing)
        let query = try WorklistQuery(request)
        let models = try await api.readModelsAtHead()
        let page = try api.worklistPage(query, models: models, actor: actor)
        return try api.json(WorklistPageView(page))
    }
}

/// The worklist's parameters, read and bounded once for the API and the page.
public struct WorklistQuery: Sendable {
    public static let parameters: Set<String> = ["status", "organisationID", "minimumDaysWaiting", "minimumTotal", "maximumTotal", "heldBy", "q", "after", "limit"]

    public var filter = PaymentsWorklist.Filter()
    public var after: String?
    public var limit = 50

    /// The whole worklist, a page of `limit`.
    public init(limit: Int = 50) {
        self.limit = min(max(limit, 1), PaymentsWorklist.maximumPageSize)
    }

    public init(_ request: Request) throws {
        let parameters = try QueryParameters(request, allowing: Self.parameters)
        if let statuses = parameters["status"] {
            filter.statuses = Set(try statuses.split(separator: ",").map { text in
                let status = try parsed { try Parse.choice(String(text), InvoiceStatus.self, field: "status") }
                guard PaymentsWorklist.Filter.statuses.contains(status) else {
                    throw Problem.invalid("status '\(status)' is never on the worklist; it lists submitted and on-hold invoices", field: "status")
                }
                return status
            })
        }
        filter.organisation = try parameters["organisationID"].map { text in try parsed { try OrganisationID.parse(text, field: "organisationID") } }
        filter.minimumDaysWaiting = try parameters.number("minimumDaysWaiting", in: 0...36_500)
        filter.minimumTotal = try parameters.money("minimumTotal")
        filter.maximumTotal = try parameters.money("maximumTotal")
        filter.heldBy = try parameters["heldBy"].map { text in try parsed { try UserID.parse(text, field: "heldBy") }.rawValue }
        if let search = parameters["q"] {
            guard search.count <= 200 else { throw Problem.invalid("q is longer than 200 characters", field: "q") }
            filter.search = search
        }
        after = parameters["after"]
        limit = try parameters.number("limit", in: 1...PaymentsWorklist.maximumPageSize) ?? 50
    }
}

extension PortalAPI {
    /// One page of the Payments Team's worklist, as of today in the deployment's calendar.
    public func worklistPage(_ query: WorklistQuery, models: PortalReadModels, actor: Actor) throws -> PaymentsWorklist.Page {
        let time = portal.configuration.time
        return try parsed {
            try models.paymentsWorklist.page(query.filter, after: query.after, limit: query.limit, today: today,
                                             businessDate: time.businessDate(of:), ReadScope(actor))
        }
    }
}

struct WorklistPageView: Encodable {
    struct Item: Encodable {
        var invoice: InvoiceView
        var providerName: String
        var submittedAt: Timestamp?
        var submittedBy: String?
        var daysWaiting: Int
        var isLate: Bool
        var heldBy: String?
        var heldAt: Timestamp?
        var holdReason: String?
    }

    var items: [Item]
    var matching: Int
    var next: String?

    init(_ page: PaymentsWorklist.Page) {
        items = page.items.compactMap { item in
            guard let invoice = InvoiceView(item.entry) else { return nil }
            return Item(invoice: invoice, providerName: item.providerName, submittedAt: item.submitted?.at, submittedBy: item.submitted?.who,
                        daysWaiting: item.daysWaiting, isLate: item.isLate, heldBy: item.hold?.step.who, heldAt: item.hold?.step.at,
                        holdReason: item.hold?.reason)
        }
        matching = page.matching
        next = page.next
    }
}

import Hummingbird
import PortalApplication
import PortalDomain

/// A scheduled contract's provider confirms or queries a period's scheduled payment (R-PAY-1, R-ROLE: the
/// super user (scheduled) may, the super user (actuals) may not). `If-Match` is the contract's scheduled
/// payments version (the ETag of `GET /contracts/{id}/scheduled-payments`).
struct ScheduledPaymentResponseRoutes {
    let api: PortalAPI

    struct Query: Decodable {
        var reason: String
    }

    func register(on router: Router<PortalRequestContext>) {
        router.post("/contracts/{contractID}/scheduled-payments/{period}/confirmation") { request, context in
            try await respond(request, context, query: false)
        }
        router.post("/contracts/{contractID}/scheduled-payments/{period}/queries") { request, context in
            try await respond(request, context, query: true)
        }
    }

    func respond(_ request: Request, _ context: PortalRequestContext, query: Bool) async throws -> Reply {
        try await api.write(request, context, command: query ? "query-scheduled-payment" : "confirm-scheduled-payment") { write in
            let contract = try context.identifier("contractID", as: ContractID.self)
            let period = try context.period(in: api.portal.configuration.calendar)
            let command = try write.command(changing: ScheduledPayments.streamID(contract.rawValue), resource: "the scheduled payments of contract \(contract)")
            let outcome = if query {
                try await api.portal.queryScheduledPayment(contract: contract, period: period, reason: try write.decode(Query.self).reason, command)
            } else {
                try await api.portal.confirmScheduledPayment(contract: contract, period: period, command)
            }
            let snapshot = try api.portal.scheduledPayments(of: contract, for: write.actor)
            let version = outcome.version(of: ScheduledPayments.streamID(contract.rawValue)) ?? snapshot.version
            return try api.json(ScheduledPaymentsView(contractID: contract, state: snapshot.state, version: version), etag: version)
        }
    }
}

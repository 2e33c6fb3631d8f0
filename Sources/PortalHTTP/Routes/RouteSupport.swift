import Chronology
import EventLog
import Hummingbird
import PortalApplication
import PortalDomain
import PortalProjections

extension PortalRequestContext {
    /// A path parameter as a portal identifier; 404 when it cannot be one (no record has such an id).
    public func identifier<ID: PortalIdentifier>(_ name: String, as type: ID.Type) throws -> ID {
        guard let text = parameters.get(name), ID.problem(with: text) == nil else {
            throw Problem.notFound("there is no \(name) '\(parameters.get(name) ?? "")'")
        }
        return ID(text)
    }

    /// A period number of the path: 404 for text that is no number; 422 naming the parameter for a number
    /// outside the calendar's periods (below 1, past the last period, or too long for any integer), before any
    /// arithmetic on it.
    public func period(_ name: String = "period", in calendar: PeriodCalendar) throws -> PeriodNumber {
        guard let text = parameters.get(name), !text.isEmpty,
              text.utf8.dropFirst(text.hasPrefix("-") ? 1 : 0).allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else {
            throw Problem.notFound("there is no period '\(parameters.get(name) ?? "")'; periods are numbered from 1")
        }
        return try parsed { try calendar.requirePeriod(parsing: text, field: name).number }
    }

    /// A week of the path (its Monday, `YYYY-MM-DD`); 404 for another date or text, 422 naming the parameter for
    /// a Monday outside the business range (``Week/range``).
    public func week(_ name: String = "week") throws -> Week {
        guard let text = parameters.get(name), let date = BusinessDate(iso8601: text), date.isMonday else {
            throw Problem.notFound("there is no week '\(parameters.get(name) ?? "")'; name a week by its Monday, e.g. 2026-11-16")
        }
        return try parsed { try Week.starting(date, field: name) }
    }
}

extension Request {
    /// A query parameter, nil when absent or empty.
    func query(_ name: String) -> String? {
        guard let value = uri.queryParameters.get(name), !value.isEmpty else { return nil }
        return value
    }
}

/// Turns a `DomainError` thrown while parsing request input into a 422 naming the field.
func parsed<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as DomainError {
        throw ProblemMiddleware.problem(for: error)
    }
}

extension PortalAPI {
    /// The read models, once they have applied the log up to its head as this request found it: a list is never
    /// older than a write whose answer the caller has seen. 503 when the server keeps no read models, or they
    /// could not catch up in time (a stopped read model shows on `/health`).
    public func readModelsAtHead() async throws -> PortalReadModels {
        guard let models = readModels else {
            throw Problem.unavailable("this server keeps no read models, so it serves no lists; run it with its read models (portal serve does)")
        }
        let head = try log.head().position
        guard await models.engine.waitUntilApplied(head, timeout: .seconds(2)) else {
            throw Problem.unavailable("the read models have not caught up with the log; try again shortly (GET /health shows their lag)")
        }
        return models
    }

    /// The read models once they have applied the log up to its head as this request found it, or nil when the
    /// server keeps none or they could not catch up in time (the caller then folds from the log).
    func readModelsCaughtUp() async throws -> PortalReadModels? {
        guard let models = readModels else { return nil }
        let head = try log.head().position
        return await models.engine.waitUntilApplied(head, timeout: .seconds(2)) ? models : nil
    }

    /// A query parameter naming an organisation, or nil.
    public func organisationQuery(_ request: Request) throws -> OrganisationID? {
        try request.query("organisationID").map { text in try parsed { try OrganisationID.parse(text, field: "organisationID") } }
    }

    /// The business date today in the deployment's time zone.
    public var today: BusinessDate { portal.context(for: .system(job: "http")).today }

    /// Refuses a provider user at once (403) for council work such as registering providers, publishing ISOs
    /// or creating staff accounts, before the request names any organisation.
    public func requireCouncilWork(_ actor: Actor, _ area: PortalArea) throws {
        if case .provider = actor {
            try Authorisation.check(actor, .edit(area), organisation: nil)
        }
    }

    /// Refuses a provider user (403) a council screen such as the Payments queue or the staff accounts: data of
    /// no one organisation, which council staff and auditors read (R-ROLE-2, R-ROLE-3).
    public func requireCouncilRead(_ actor: Actor, _ area: PortalArea) throws {
        try Authorisation.check(actor, .read(area), organisation: nil)
    }

    /// The actor may read this organisation's data, else 404 (another organisation) or 403.
    public func requireReadable(_ actor: Actor, _ area: PortalArea, organisation: OrganisationID?, _ what: String) throws {
        try requireVisible(actor, organisation: organisation, what)
        try Authorisation.check(actor, .read(area), organisation: organisation)
    }
}

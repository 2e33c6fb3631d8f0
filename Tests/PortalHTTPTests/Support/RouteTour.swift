import Chronology
import Foundation
import HTTPTypes
import PortalApplication
import PortalDomain
import Testing

/// Every route of the API with a request that the right actor may make, and the actors R-ROLE allows —
/// written out by hand from the R-ROLE table of DOMAIN.md (not computed by `Authorisation`).
struct RouteCase: Sendable {
    var method: HTTPRequest.Method
    /// The route as registered, e.g. `/services/{serviceID}`.
    var route: String
    /// The concrete path.
    var path: String
    /// The JSON (or CSV) body for actor number `n` (unique ids per actor where the route creates something).
    var body: @Sendable (Int) -> String?
    var contentType: String = "application/json"
    /// Send `If-Match: *` (routes that change an existing resource).
    var changes: Bool = false
    /// Acting-as names allowed; nil: everyone.
    var allowed: Set<String>?
}

/// The demo council's actors, by acting-as name.
enum Actors {
    static let providerRoles = ProviderRole.allCases.map { "\($0.rawValue)@oasis" }
    static let teams = CouncilTeam.allCases.map { "team:\($0.rawValue)" }
    static let all = providerRoles + teams + ["auditor"]

    static func provider(_ roles: ProviderRole...) -> Set<String> { Set(roles.map { "\($0.rawValue)@oasis" }) }
    static let superUsers = provider(.superUserActuals, .superUserScheduled)
}

enum RouteTour {
    /// The week and period open for edits in the demo council (its first week: twelve weeks ago).
    static func openWeek(_ test: HTTPTestPortal) -> (week: String, period: Int) {
        let today = test.portal.context(for: .system(job: "test")).today
        let first = today.mondayOfWeek.adding(days: -77)
        return (first.iso8601, test.portal.configuration.calendar.period(containing: first)!.number.value)
    }

    static let details = #"{"name":"Oasis Care","addressLines":["2 New Street"],"postcode":"NR1 2BB"}"#

    static func cases(_ test: HTTPTestPortal) -> [RouteCase] {
        let (week, period) = openWeek(test)
        let helpdesk: Set<String> = ["team:helpdesk"]
        let procurement: Set<String> = ["team:procurement"]
        let brokerage: Set<String> = ["team:service-brokerage"]
        let detailsEditors = Actors.superUsers.union(Actors.provider(.administration, .reports))
        let contacts = Actors.superUsers.union(Actors.provider(.administration)).union(helpdesk)
        let documents = Actors.superUsers.union(Actors.provider(.payments, .administration))
        let actuals = Actors.superUsers.union(Actors.provider(.payments))
        let none: @Sendable (Int) -> String? = { _ in nil }
        return [
            RouteCase(method: .get, route: "/health", path: "/health", body: none),
            RouteCase(method: .get, route: "/metrics", path: "/metrics", body: none),
            RouteCase(method: .get, route: "/auth/session", path: "/auth/session", body: none),
            RouteCase(method: .get, route: "/organisations", path: "/organisations", body: none),
            RouteCase(method: .post, route: "/organisations", path: "/organisations",
                      body: { #"{"organisationID":"org-\#($0)","details":\#(details)}"# }, allowed: procurement),
            RouteCase(method: .get, route: "/organisations/{organisationID}", path: "/organisations/oasis", body: none),
            RouteCase(method: .post, route: "/organisations/{organisationID}/change-requests", path: "/organisations/oasis/change-requests",
                      body: { #"{"requestID":"cr-\#($0)","details":\#(details)}"# }, changes: true, allowed: detailsEditors),
            RouteCase(method: .post, route: "/organisations/{organisationID}/change-requests/{requestID}/accept",
                      path: "/organisations/oasis/change-requests/cr-to-accept/accept", body: none, changes: true, allowed: helpdesk),
            RouteCase(method: .post, route: "/organisations/{organisationID}/change-requests/{requestID}/reject",
                      path: "/organisations/oasis/change-requests/cr-to-reject/reject", body: { _ in #"{"reason":"the postcode is wrong"}"# },
                      changes: true, allowed: helpdesk),
            RouteCase(method: .post, route: "/contracts", path: "/contracts", body: {
                #"{"contractID":"k-\#($0)","organisationID":"oasis","name":"Night care","contractType":"block-2013","paymentBasis":"invoiced","startDate":"2026-04-06"}"#
            }, allowed: procurement),
            RouteCase(method: .get, route: "/contracts/{contractID}", path: "/contracts/oasis-contract", body: none),
            RouteCase(method: .post, route: "/services", path: "/services", body: {
                #"{"serviceID":"s-\#($0)","organisationID":"oasis","contractID":"oasis-contract","details":\#(details),"startDate":"2026-04-06"}"#
            }, allowed: procurement),
            RouteCase(method: .get, route: "/organisations/{organisationID}/services", path: "/organisations/oasis/services", body: none),
            RouteCase(method: .get, route: "/services/{serviceID}", path: "/services/oasis-hs", body: none),
            RouteCase(method: .post, route: "/services/{serviceID}/change-requests", path: "/services/oasis-hs/change-requests",
                      body: { #"{"requestID":"scr-\#($0)","details":\#(details)}"# }, changes: true, allowed: detailsEditors),
            RouteCase(method: .post, route: "/services/{serviceID}/change-requests/{requestID}/accept",
                      path: "/services/oasis-hs/change-requests/scr-to-accept/accept", body: none, changes: true, allowed: helpdesk),
            RouteCase(method: .post, route: "/services/{serviceID}/change-requests/{requestID}/reject",
                      path: "/services/oasis-hs/change-requests/scr-to-reject/reject", body: { _ in #"{"reason":"not a real address"}"# },
                      changes: true, allowed: helpdesk),
            RouteCase(method: .post, route: "/organisations/{organisationID}/contacts", path: "/organisations/oasis/contacts", body: {
                #"{"userID":"oasis-c\#($0)","requestID":"new-c\#($0)","person":{"forename":"C","surname":"\#($0)","email":"c\#($0)@oasis.example"},"role":"read-only"}"#
            }, allowed: contacts),
            RouteCase(method: .get, route: "/organisations/{organisationID}/contacts", path: "/organisations/oasis/contacts", body: none),
            RouteCase(method: .get, route: "/users/{userID}", path: "/users/oasis-read-only", body: none),
            RouteCase(method: .post, route: "/users/{userID}/amendments", path: "/users/oasis-spare/amendments", body: {
                #"{"requestID":"am-\#($0)","person":{"forename":"Spare","surname":"Contact","email":"spare@oasis.example","telephone":"0160\#($0)"},"role":"read-only"}"#
            }, changes: true, allowed: contacts),
            RouteCase(method: .post, route: "/users/{userID}/role-removals", path: "/users/oasis-spare/role-removals",
                      body: { #"{"requestID":"rr-\#($0)"}"# }, changes: true, allowed: contacts),
            RouteCase(method: .post, route: "/users/{userID}/change-requests/{requestID}/accept",
                      path: "/users/oasis-spare/change-requests/am-to-accept/accept", body: none, changes: true, allowed: helpdesk),
            RouteCase(method: .post, route: "/users/{userID}/change-requests/{requestID}/reject",
                      path: "/users/oasis-spare/change-requests/am-to-reject/reject", body: { _ in #"{"reason":"unknown person"}"# },
                      changes: true, allowed: helpdesk),
            RouteCase(method: .post, route: "/council-users", path: "/council-users", body: {
                #"{"userID":"staff-\#($0)","person":{"forename":"S","surname":"\#($0)","email":"staff\#($0)@council.example"},"team":"billing"}"#
            }, allowed: helpdesk),
            RouteCase(method: .post, route: "/auditors", path: "/auditors", body: {
                #"{"userID":"aud-\#($0)","person":{"forename":"A","surname":"\#($0)","email":"aud\#($0)@council.example"}}"#
            }, allowed: helpdesk),
            RouteCase(method: .post, route: "/users/{userID}/password-reset", path: "/users/oasis-spare/password-reset", body: none,
                      changes: true, allowed: helpdesk),
            RouteCase(method: .post, route: "/users/{userID}/reactivation", path: "/users/oasis-spare/reactivation", body: none,
                      changes: true, allowed: helpdesk),
            RouteCase(method: .post, route: "/contract-documents", path: "/contract-documents", body: {
                #"{"isoID":"iso-t\#($0)","organisationID":"oasis","serviceID":"oasis-hs","clientReference":"T\#($0)","clientName":"Client T\#($0)","cplis":[{"cpliID":"cpli-t\#($0)","serviceType":"home-support-contract-rate","unit":"hours","plannedPerWeek":"7.5","rate":"19.25","startDate":"2026-04-06"}]}"#
            }, allowed: brokerage),
            RouteCase(method: .get, route: "/contract-documents", path: "/contract-documents?status=agreed", body: none),
            RouteCase(method: .get, route: "/contract-documents/{isoID}", path: "/contract-documents/iso-oasis-1", body: none),
            RouteCase(method: .get, route: "/contract-documents/{isoID}/pdf", path: "/contract-documents/iso-oasis-1/pdf", body: none),
            RouteCase(method: .post, route: "/contract-documents/{isoID}/agree", path: "/contract-documents/iso-oasis-3/agree", body: none,
                      changes: true, allowed: documents),
            RouteCase(method: .post, route: "/contract-documents/{isoID}/reject", path: "/contract-documents/iso-oasis-3/reject",
                      body: { _ in #"{"reason":"the rate is wrong"}"# }, changes: true, allowed: documents),
            RouteCase(method: .get, route: "/cplis", path: "/cplis?serviceID=oasis-hs", body: none),
            RouteCase(method: .get, route: "/cplis", path: "/cplis?format=csv", body: none),
            RouteCase(method: .get, route: "/cplis/{cpliID}", path: "/cplis/cpli-oasis-1", body: none),
            RouteCase(method: .get, route: "/services/{serviceID}/periods", path: "/services/oasis-hs/periods", body: none),
            RouteCase(method: .get, route: "/services/{serviceID}/periods/{period}/actuals", path: "/services/oasis-hs/periods/\(period)/actuals", body: none),
            RouteCase(method: .get, route: "/services/{serviceID}/periods/{period}/actuals/csv", path: "/services/oasis-hs/periods/\(period)/actuals/csv", body: none),
            RouteCase(method: .get, route: "/services/{serviceID}/weeks/{week}/actuals", path: "/services/oasis-hs/weeks/\(week)/actuals", body: none),
            RouteCase(method: .put, route: "/services/{serviceID}/weeks/{week}/actuals/{cpliID}",
                      path: "/services/oasis-hs/weeks/\(week)/actuals/cpli-oasis-1",
                      body: { #"{"actual":"\#(3 + $0).25","comment":"extra time after a fall","visits":7}"# }, changes: true, allowed: actuals),
            RouteCase(method: .post, route: "/services/{serviceID}/weeks/{week}/confirmation", path: "/services/oasis-hs/weeks/\(week)/confirmation",
                      body: none, changes: true, allowed: actuals),
            RouteCase(method: .post, route: "/organisations/{organisationID}/periods/{period}/actuals-imports",
                      path: "/organisations/oasis/periods/\(period)/actuals-imports", body: {
                          "service,cpli,week,actual,comment\noasis-hs,cpli-oasis-2,\(week),\(2 + $0).5,client asked for shorter visits\n"
                      }, contentType: "text/csv", allowed: actuals),
        ]
    }

    /// The state the tour needs besides the demo: pending change requests to accept and reject, and a spare
    /// contact whose password the helpdesk resets.
    static func prepare(_ test: HTTPTestPortal, _ client: APIClient) async throws {
        let superUser = try await client.token("super-user-actuals@oasis")
        let helpdesk = try await client.token("team:helpdesk")
        for id in ["cr-to-accept", "cr-to-reject"] {
            let answer = try await client.send(.post, "/organisations/oasis/change-requests", token: superUser,
                                               json: #"{"requestID":"\#(id)","details":\#(details)}"#, headers: ["If-Match": "*"])
            try #require(answer.status == 200, "\(answer.text)")
        }
        for id in ["scr-to-accept", "scr-to-reject"] {
            let answer = try await client.send(.post, "/services/oasis-hs/change-requests", token: superUser,
                                               json: #"{"requestID":"\#(id)","details":\#(details)}"#, headers: ["If-Match": "*"])
            try #require(answer.status == 200, "\(answer.text)")
        }
        let spare = try await client.send(.post, "/organisations/oasis/contacts", token: superUser, json:
            #"{"userID":"oasis-spare","requestID":"new-spare","person":{"forename":"Spare","surname":"Contact","email":"spare@oasis.example"},"role":"read-only"}"#)
        try #require(spare.status == 201, "\(spare.text)")
        let accepted = try await client.send(.post, "/users/oasis-spare/change-requests/new-spare/accept", token: helpdesk, headers: ["If-Match": "*"])
        try #require(accepted.status == 200, "\(accepted.text)")
        for id in ["am-to-accept", "am-to-reject"] {
            let answer = try await client.send(.post, "/users/oasis-spare/amendments", token: superUser, json:
                #"{"requestID":"\#(id)","person":{"forename":"Spare","surname":"Contact","email":"spare@oasis.example"},"role":"reports"}"#,
                headers: ["If-Match": "*"])
            try #require(answer.status == 200, "\(answer.text)")
        }
    }

    /// Sends `route` as `actingAs` (actor number `index`) and returns the answer.
    static func send(_ route: RouteCase, as actingAs: String, index: Int, _ client: APIClient) async throws -> APIClient.Answer {
        let token = try await client.token(actingAs)
        var headers: [String: String] = [:]
        if route.changes { headers["If-Match"] = "*" }
        let body = route.body(index)
        if body != nil { headers["Content-Type"] = route.contentType }
        return try await client.send(route.method, route.path, token: token, body: body.map { Data($0.utf8) }, headers: headers)
    }
}

import Chronology
import Foundation
import HTTPTypes
import PortalApplication
import PortalDomain
import PortalHTTP
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
    /// The status an allowed actor gets: the route's success, or the domain's answer where the state the tour
    /// left makes the request refused by a rule (e.g. 409 for a step the invoice has taken already).
    var success: Int = 200
    /// Per allowed actor, where it differs from `success` (the first actor changes the state the next ones see).
    var outcomes: [String: Int] = [:]

    /// The exact status R-ROLE and the tour's state give `actingAs`: 403 when the table refuses it.
    func expectedStatus(_ actingAs: String) -> Int {
        guard allowed?.contains(actingAs) ?? true else { return 403 }
        return outcomes[actingAs] ?? success
    }
}

/// The demo council's actors, by acting-as name.
enum Actors {
    static let providerRoles = ProviderRole.allCases.map { "\($0.rawValue)@oasis" }
    static let teams = CouncilTeam.allCases.map { "team:\($0.rawValue)" }
    static let all = providerRoles + teams + ["auditor"]

    static func provider(_ roles: ProviderRole...) -> Set<String> { Set(roles.map { "\($0.rawValue)@oasis" }) }
    static let superUsers = provider(.superUserActuals, .superUserScheduled)
    /// Council staff of every team and the auditor: who reads council screens.
    static let council = Set(teams + ["auditor"])
}

/// What `RouteTour.prepare` made that the tour's paths name.
struct TourFacts: Sendable {
    /// The SHA-256 of the attachment of conversation `conv-tour`.
    var attachment: String = "0000000000000000000000000000000000000000000000000000000000000000"
    /// The id of the API key `prepare` issued to job `tour-reports`.
    var jobKey: String = "jk-none"
}

enum RouteTour {
    /// The week and period open for edits in the demo council seeded without invoices: its first week, which
    /// starts the first period of its history.
    static func openWeek(_ test: HTTPTestPortal) -> (week: String, period: Int) {
        let today = test.portal.context(for: .system(job: "test")).today
        let first = DemoCouncil.firstWeek(today: today, calendar: test.portal.configuration.calendar)
        return (first.iso8601, test.portal.configuration.calendar.period(containing: first)!.number.value)
    }

    static let details = #"{"name":"Oasis Care","addressLines":["2 New Street"],"postcode":"NR1 2BB"}"#

    /// The first week and the period after the open one: open for edits once `prepare` has had the open
    /// period's invoice approved and paid (R-PER-3).
    static func nextWeek(_ test: HTTPTestPortal) -> (week: String, period: Int) {
        let period = test.portal.configuration.calendar.period(PeriodNumber(openWeek(test).period + 1))
        return (period.firstDay.iso8601, period.number.value)
    }

    static func cases(_ test: HTTPTestPortal, _ facts: TourFacts = TourFacts()) -> [RouteCase] {
        let (week, period) = openWeek(test)
        let (next, nextPeriod) = nextWeek(test)
        let today = test.portal.context(for: .system(job: "test")).today.iso8601
        let invoices = Actors.superUsers.union(Actors.provider(.payments, .invoiceOnly))
        let claims = Actors.superUsers.union(Actors.provider(.payments))
        let paymentsTeam: Set<String> = ["team:payments"]
        let actions = Actors.superUsers.union(Actors.provider(.payments, .administration, .reports)).union(Actors.teams)
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
                      body: { #"{"organisationID":"org-\#($0)","details":\#(details)}"# }, allowed: procurement, success: 201),
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
            }, allowed: procurement, success: 201),
            RouteCase(method: .get, route: "/contracts", path: "/contracts", body: none),
            RouteCase(method: .get, route: "/contracts/{contractID}", path: "/contracts/oasis-contract", body: none),
            RouteCase(method: .post, route: "/services", path: "/services", body: {
                #"{"serviceID":"s-\#($0)","organisationID":"oasis","contractID":"oasis-contract","details":\#(details),"startDate":"2026-04-06"}"#
            }, allowed: procurement, success: 201),
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
            }, allowed: contacts, success: 201),
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
            RouteCase(method: .get, route: "/council-users", path: "/council-users?team=payments", body: none, allowed: Actors.council),
            RouteCase(method: .get, route: "/helpdesk/queue", path: "/helpdesk/queue", body: none),
            RouteCase(method: .post, route: "/council-users", path: "/council-users", body: {
                #"{"userID":"staff-\#($0)","person":{"forename":"S","surname":"\#($0)","email":"staff\#($0)@council.example"},"team":"billing"}"#
            }, allowed: helpdesk, success: 201),
            RouteCase(method: .post, route: "/auditors", path: "/auditors", body: {
                #"{"userID":"aud-\#($0)","person":{"forename":"A","surname":"\#($0)","email":"aud\#($0)@council.example"}}"#
            }, allowed: helpdesk, success: 201),
            RouteCase(method: .post, route: "/users/{userID}/password-reset", path: "/users/oasis-spare/password-reset", body: none,
                      changes: true, allowed: helpdesk),
            RouteCase(method: .post, route: "/users/{userID}/reactivation", path: "/users/oasis-spare/reactivation", body: none,
                      changes: true, allowed: helpdesk, success: 409),
            RouteCase(method: .post, route: "/contract-documents", path: "/contract-documents", body: {
                #"{"isoID":"iso-t\#($0)","organisationID":"oasis","serviceID":"oasis-hs","clientReference":"T\#($0)","clientName":"Client T\#($0)","cplis":[{"cpliID":"cpli-t\#($0)","serviceType":"home-support-contract-rate","unit":"hours","plannedPerWeek":"7.5","rate":"19.25","startDate":"2026-04-06"}]}"#
            }, allowed: brokerage, success: 201),
            RouteCase(method: .get, route: "/contract-documents", path: "/contract-documents?status=agreed", body: none),
            RouteCase(method: .get, route: "/contract-documents/{isoID}", path: "/contract-documents/iso-oasis-1", body: none),
            RouteCase(method: .get, route: "/contract-documents/{isoID}/pdf", path: "/contract-documents/iso-oasis-1/pdf", body: none),
            RouteCase(method: .post, route: "/contract-documents/{isoID}/agree", path: "/contract-documents/iso-oasis-3/agree", body: none,
                      changes: true, allowed: documents, success: 422, outcomes: ["super-user-actuals@oasis": 200]),
            RouteCase(method: .post, route: "/contract-documents/{isoID}/reject", path: "/contract-documents/iso-tour-reject/reject",
                      body: { _ in #"{"reason":"the rate is wrong"}"# }, changes: true, allowed: documents, success: 422, outcomes: ["super-user-actuals@oasis": 200]),
            RouteCase(method: .get, route: "/cplis", path: "/cplis?serviceID=oasis-hs", body: none),
            RouteCase(method: .get, route: "/cplis", path: "/cplis?format=csv", body: none),
            RouteCase(method: .get, route: "/cplis/{cpliID}", path: "/cplis/cpli-oasis-1", body: none),
            RouteCase(method: .get, route: "/services/{serviceID}/periods", path: "/services/oasis-hs/periods", body: none),
            RouteCase(method: .get, route: "/services/{serviceID}/period-board", path: "/services/oasis-hs/period-board", body: none),
            RouteCase(method: .get, route: "/services/{serviceID}/periods/{period}/actuals", path: "/services/oasis-hs/periods/\(period)/actuals", body: none),
            RouteCase(method: .get, route: "/services/{serviceID}/periods/{period}/actuals/csv", path: "/services/oasis-hs/periods/\(period)/actuals/csv", body: none),
            RouteCase(method: .get, route: "/services/{serviceID}/weeks/{week}/actuals", path: "/services/oasis-hs/weeks/\(week)/actuals", body: none),
            RouteCase(method: .put, route: "/services/{serviceID}/weeks/{week}/actuals/{cpliID}",
                      path: "/services/oasis-hs/weeks/\(next)/actuals/cpli-oasis-1",
                      body: { #"{"actual":"\#(3 + $0).25","frustrated":null,"missed":"0","extra":"0","visits":7,"comment":"extra time after a fall","abortedVisits":[]}"# },
                      changes: true, allowed: actuals),
            RouteCase(method: .patch, route: "/services/{serviceID}/weeks/{week}/actuals/{cpliID}",
                      path: "/services/oasis-hs/weeks/\(next)/actuals/cpli-oasis-1",
                      body: { #"{"actual":"\#(3 + $0).5","comment":"shorter visits"}"# }, changes: true, allowed: actuals),
            RouteCase(method: .post, route: "/services/{serviceID}/weeks/{week}/confirmation", path: "/services/oasis-hs/weeks/\(next)/confirmation",
                      body: none, changes: true, allowed: actuals),
            RouteCase(method: .post, route: "/organisations/{organisationID}/periods/{period}/actuals-imports",
                      path: "/organisations/oasis/periods/\(nextPeriod)/actuals-imports", body: {
                          "service,cpli,week,actual,comment\noasis-hs,cpli-oasis-1,\(next),\(2 + $0).5,client asked for shorter visits\n"
                      }, contentType: "text/csv", allowed: actuals, success: 201),
            RouteCase(method: .post, route: "/organisations/{organisationID}/periods/{period}/actuals-import-previews",
                      path: "/organisations/oasis/periods/\(nextPeriod)/actuals-import-previews", body: {
                          "service,cpli,week,actual,comment\noasis-hs,cpli-oasis-1,\(next),\(4 + $0).5,client asked for shorter visits\n"
                      }, contentType: "text/csv", allowed: actuals),
            // Invoices (R-INV) and payments (R-PAY).
            RouteCase(method: .get, route: "/services/{serviceID}/periods/{period}/invoice-proposal",
                      path: "/services/oasis-hs/periods/\(period)/invoice-proposal", body: none),
            RouteCase(method: .post, route: "/invoices", path: "/invoices", body: {
                #"{"invoiceID":"inv-\#($0)","serviceID":"oasis-hs","period":\#(period + 1),"reference":"REF-\#($0)","invoiceDate":"\#(today)"}"#
            }, allowed: invoices, success: 201),
            RouteCase(method: .get, route: "/invoices", path: "/invoices?status=paid", body: none),
            RouteCase(method: .get, route: "/payments/queue", path: "/payments/queue", body: none, allowed: Actors.council),
            RouteCase(method: .get, route: "/payments/worklist", path: "/payments/worklist?status=submitted&limit=10", body: none, allowed: Actors.council),
            RouteCase(method: .get, route: "/invoices/{invoiceID}/history", path: "/invoices/inv-tour/history", body: none),
            // Evidence for an auditor outside the council: auditors and council staff (a checkpoint tells the log's size).
            RouteCase(method: .get, route: "/invoices/{invoiceID}/evidence", path: "/invoices/inv-tour/evidence", body: none, allowed: Actors.council),
            RouteCase(method: .get, route: "/audit/checkpoint", path: "/audit/checkpoint", body: none, allowed: Actors.council),
            RouteCase(method: .get, route: "/audit/public-key", path: "/audit/public-key", body: none, allowed: Actors.council),
            RouteCase(method: .get, route: "/invoices/{invoiceID}", path: "/invoices/inv-tour", body: none),
            RouteCase(method: .delete, route: "/invoices/{invoiceID}/lines/{cpliID}", path: "/invoices/inv-tour/lines/cpli-oasis-1", body: none,
                      changes: true, allowed: invoices, success: 409),
            RouteCase(method: .post, route: "/invoices/{invoiceID}/submit", path: "/invoices/inv-tour/submit", body: none, changes: true, allowed: invoices, success: 409),
            RouteCase(method: .post, route: "/invoices/{invoiceID}/correct", path: "/invoices/inv-tour/correct", body: none, changes: true, allowed: invoices, success: 409),
            RouteCase(method: .post, route: "/invoices/{invoiceID}/hold", path: "/invoices/inv-tour/hold", body: { _ in #"{"reason":"query on hours"}"# },
                      changes: true, allowed: paymentsTeam, success: 409),
            RouteCase(method: .post, route: "/invoices/{invoiceID}/release", path: "/invoices/inv-tour/release", body: none, changes: true, allowed: paymentsTeam, success: 409),
            RouteCase(method: .post, route: "/invoices/{invoiceID}/approve", path: "/invoices/inv-tour/approve", body: none, changes: true, allowed: paymentsTeam, success: 409),
            RouteCase(method: .post, route: "/invoices/{invoiceID}/return", path: "/invoices/inv-tour/return", body: { _ in #"{"reason":"wrong rate"}"# },
                      changes: true, allowed: paymentsTeam, success: 409),
            RouteCase(method: .post, route: "/payment-runs", path: "/payment-runs", body: {
                #"{"paymentRunID":"run-\#($0)","paymentDate":"\#(today)","reference":"BACS-\#($0)"}"#
            }, allowed: paymentsTeam, success: 201),
            RouteCase(method: .get, route: "/payment-runs", path: "/payment-runs", body: none, allowed: Actors.council),
            // Everything approved was paid by the run above: the preview says there is nothing to pay.
            RouteCase(method: .get, route: "/payment-runs/preview", path: "/payment-runs/preview?paymentDate=\(today)&reference=NEXT",
                      body: none, allowed: paymentsTeam, success: 409),
            RouteCase(method: .get, route: "/payment-runs/{paymentRunID}", path: "/payment-runs/run-tour", body: none),
            RouteCase(method: .get, route: "/organisations/{organisationID}/remittances", path: "/organisations/oasis/remittances", body: none),
            RouteCase(method: .get, route: "/organisations/{organisationID}/attention", path: "/organisations/oasis/attention", body: none),
            RouteCase(method: .get, route: "/organisations/{organisationID}/conversation-entities",
                      path: "/organisations/oasis/conversation-entities?relatedTo=client", body: none),
            RouteCase(method: .get, route: "/payments/scheduled-due", path: "/payments/scheduled-due", body: none, allowed: Actors.council),
            RouteCase(method: .get, route: "/payment-runs/{paymentRunID}/remittances/{organisationID}",
                      path: "/payment-runs/run-tour/remittances/oasis", body: none),
            RouteCase(method: .get, route: "/payment-runs/{paymentRunID}/remittances/{organisationID}/csv",
                      path: "/payment-runs/run-tour/remittances/oasis/csv", body: none),
            RouteCase(method: .get, route: "/payment-runs/{paymentRunID}/remittances/{organisationID}/text",
                      path: "/payment-runs/run-tour/remittances/oasis/text", body: none),
            RouteCase(method: .post, route: "/contracts/{contractID}/scheduled-payments", path: "/contracts/oasis-contract/scheduled-payments",
                      body: { _ in #"{"period":\#(period)}"# }, allowed: paymentsTeam, success: 422),
            RouteCase(method: .get, route: "/contracts/{contractID}/scheduled-payments", path: "/contracts/oasis-contract/scheduled-payments", body: none),
            // Confirming or querying a scheduled payment is what super-user-scheduled edits and super-user-actuals
            // does not (R-ROLE); oasis-contract is invoiced, so it has no scheduled payment to confirm (422).
            RouteCase(method: .post, route: "/contracts/{contractID}/scheduled-payments/{period}/confirmation",
                      path: "/contracts/oasis-contract/scheduled-payments/\(period)/confirmation", body: none, changes: true,
                      allowed: Actors.provider(.superUserScheduled), success: 422),
            RouteCase(method: .post, route: "/contracts/{contractID}/scheduled-payments/{period}/queries",
                      path: "/contracts/oasis-contract/scheduled-payments/\(period)/queries", body: { _ in #"{"reason":"a CPLI is missing"}"# },
                      changes: true, allowed: Actors.provider(.superUserScheduled), success: 422),
            RouteCase(method: .post, route: "/services/{serviceID}/periods/{period}/paid-corrections",
                      path: "/services/oasis-hs/periods/\(period)/paid-corrections", body: {
                          #"{"cpliID":"cpli-oasis-1","week":"\#(week)","actual":"\#(6 - Double($0) / 10)","comment":"a visit was not made","documentID":"cn-\#($0)","reference":"CN-\#($0)"}"#
                      }, changes: true, allowed: claims),
            RouteCase(method: .get, route: "/credit-notes", path: "/credit-notes", body: none),
            RouteCase(method: .get, route: "/credit-notes/{creditNoteID}", path: "/credit-notes/cn-tour", body: none),
            RouteCase(method: .get, route: "/credit-notes/{creditNoteID}/history", path: "/credit-notes/cn-tour/history", body: none),
            RouteCase(method: .get, route: "/openapi.yaml", path: "/openapi.yaml", body: none),
            // One-off claims (R-OOC).
            RouteCase(method: .post, route: "/claims", path: "/claims", body: {
                #"{"claimID":"claim-\#($0)","contractID":"oasis-contract","dateOfClaim":"\#(lastDay(test, period))","items":[{"cpliID":"cpli-oasis-1","absenceFrom":"\#(week)","absenceTo":"\#(week)","precedingStay":"hospital","hours":"2"}]}"#
            }, allowed: claims, success: 201),
            RouteCase(method: .get, route: "/claims", path: "/claims", body: none),
            RouteCase(method: .get, route: "/claims/{claimID}", path: "/claims/claim-tour", body: none),
            RouteCase(method: .post, route: "/claims/{claimID}/submit", path: "/claims/claim-tour/submit", body: none, changes: true, allowed: claims, success: 409),
            RouteCase(method: .post, route: "/claims/{claimID}/withdraw", path: "/claims/claim-other/withdraw", body: none, changes: true, allowed: claims, success: 409),
            RouteCase(method: .post, route: "/claims/{claimID}/approve", path: "/claims/claim-tour/approve", body: none, changes: true, allowed: paymentsTeam),
            RouteCase(method: .post, route: "/claims/{claimID}/reject", path: "/claims/claim-other/reject", body: { _ in #"{"reason":"no hospital record"}"# },
                      changes: true, allowed: paymentsTeam),
            RouteCase(method: .post, route: "/contract-invoices", path: "/contract-invoices", body: {
                #"{"invoiceID":"cinv-\#($0)","contractID":"oasis-contract","reference":"CI-\#($0)","invoiceDate":"\#(today)","claimIDs":["claim-tour"]}"#
            }, allowed: invoices, success: 409, outcomes: ["super-user-actuals@oasis": 201]),
            // Conversations (R-CNV).
            RouteCase(method: .post, route: "/conversations", path: "/conversations", body: {
                #"{"conversationID":"conv-\#($0)","organisationID":"oasis","type":"query","relatedTo":"service","entityID":"oasis-hs","team":"billing","subject":"Rates","body":"Which rate applies from April?"}"#
            }, allowed: actions, success: 201, outcomes: Dictionary(uniqueKeysWithValues: Actors.teams.filter { $0 != "team:billing" }.map { ($0, 422) })),
            RouteCase(method: .get, route: "/conversations", path: "/conversations?team=billing", body: none),
            RouteCase(method: .get, route: "/conversations/{conversationID}", path: "/conversations/conv-tour", body: none),
            RouteCase(method: .post, route: "/conversations/{conversationID}/messages", path: "/conversations/conv-tour/messages",
                      body: { #"{"body":"Reply \#($0)"}"# }, changes: true, allowed: actions),
            RouteCase(method: .post, route: "/conversations/{conversationID}/reassign", path: "/conversations/conv-tour/reassign",
                      body: { _ in #"{"team":"payments"}"# }, changes: true, allowed: actions),
            RouteCase(method: .post, route: "/conversations/{conversationID}/close", path: "/conversations/conv-other/close", body: none,
                      changes: true, allowed: actions, success: 409, outcomes: ["super-user-actuals@oasis": 200]),
            RouteCase(method: .get, route: "/conversations/{conversationID}/attachments/{sha256}",
                      path: "/conversations/conv-tour/attachments/\(facts.attachment)", body: none),
            // Onboarding: procurement registers organisations from a CSV file (brokerage would bring care orders).
            RouteCase(method: .post, route: "/reference-data/imports", path: "/reference-data/imports", body: {
                #"{"files":[{"name":"organisations.csv","content":"organisation,name,address_1,postcode\nref-org-\#($0),Onboarded \#($0) Ltd,\#($0) Mill Lane,NR2 4AB\n"}]}"#
            }, allowed: procurement, success: 201),
            // Machine accounts: the helpdesk issues and revokes keys; council staff and auditors read their facts.
            RouteCase(method: .post, route: "/job-keys", path: "/job-keys", body: { _ in
                #"{"job":"tour-export","scope":"reporting:read","expiresOn":"\#(keyExpiry(test))","purpose":"weekly export"}"#
            }, allowed: helpdesk, success: 201),
            RouteCase(method: .get, route: "/job-keys", path: "/job-keys", body: none, allowed: Actors.council),
            RouteCase(method: .get, route: "/job-keys/{keyID}", path: "/job-keys/\(facts.jobKey)", body: none, allowed: Actors.council),
            RouteCase(method: .post, route: "/job-keys/{keyID}/revocation", path: "/job-keys/\(facts.jobKey)/revocation",
                      body: { _ in #"{"reason":"the export moved to another server"}"# }, changes: true, allowed: helpdesk),
        ]
    }

    /// A key's last valid day: 90 days from today.
    static func keyExpiry(_ test: HTTPTestPortal) -> String {
        test.portal.context(for: .system(job: "test")).today.adding(days: 90).iso8601
    }

    /// The last day of a period (the date of a one-off claim, R-OOC-3).
    static func lastDay(_ test: HTTPTestPortal, _ period: Int) -> String {
        test.portal.configuration.calendar.period(PeriodNumber(period)).lastDay.iso8601
    }

    /// The state the tour needs besides the demo: pending change requests to accept and reject, a spare contact
    /// whose password the helpdesk resets; an invoice of the open period submitted, approved and paid by run
    /// `run-tour`, a credit note `cn-tour` from a correction of the paid period; claims `claim-tour` and
    /// `claim-other` (submitted); conversations `conv-tour` (with an attachment) and `conv-other`.
    @discardableResult
    static func prepare(_ test: HTTPTestPortal, _ client: APIClient) async throws -> TourFacts {
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

        let (week, period) = openWeek(test)
        let today = test.portal.context(for: .system(job: "test")).today.iso8601
        let payments = try await client.token("team:payments")
        func must(_ answer: APIClient.Answer, _ status: Int = 200, _ what: String) throws {
            try #require(answer.status == status, "\(what): \(answer.status) \(answer.text)")
        }
        // A second published ISO, for the matrix to reject (iso-oasis-3 is the one it agrees).
        try must(try await client.send(.post, "/contract-documents", token: try await client.token("team:service-brokerage"), json:
            #"{"isoID":"iso-tour-reject","organisationID":"oasis","serviceID":"oasis-hs","clientReference":"TR1","clientName":"Client TR1","cplis":[{"cpliID":"cpli-tour-reject","serviceType":"home-support-contract-rate","unit":"hours","plannedPerWeek":"5","rate":"19.25","startDate":"\#(week)"}]}"#),
            201, "publish ISO")
        try must(try await client.send(.post, "/invoices", token: superUser, json:
            #"{"invoiceID":"inv-tour","serviceID":"oasis-hs","period":\#(period),"reference":"OAS-TOUR-1","invoiceDate":"\#(today)"}"#), 201, "create invoice")
        try must(try await client.send(.post, "/invoices/inv-tour/submit", token: superUser, headers: ["If-Match": "*"]), 200, "submit")
        try must(try await client.send(.post, "/invoices/inv-tour/approve", token: payments, headers: ["If-Match": "*"]), 200, "approve")
        try must(try await client.send(.post, "/payment-runs", token: payments, json:
            #"{"paymentRunID":"run-tour","paymentDate":"\#(today)","reference":"BACS-TOUR"}"#), 201, "payment run")
        try must(try await client.send(.post, "/services/oasis-hs/periods/\(period)/paid-corrections", token: superUser, json:
            #"{"cpliID":"cpli-oasis-1","week":"\#(week)","actual":"4.5","comment":"a visit was cancelled","documentID":"cn-tour","reference":"OAS-CN-1"}"#,
            headers: ["If-Match": "*"]), 200, "paid correction")
        for claim in ["claim-tour", "claim-other"] {
            try must(try await client.send(.post, "/claims", token: superUser, json:
                #"{"claimID":"\#(claim)","contractID":"oasis-contract","dateOfClaim":"\#(lastDay(test, period))","items":[{"cpliID":"cpli-oasis-1","absenceFrom":"\#(week)","absenceTo":"\#(week)","precedingStay":"hospital","hours":"2"}]}"#),
                201, "claim")
            try must(try await client.send(.post, "/claims/\(claim)/submit", token: superUser, headers: ["If-Match": "*"]), 200, "submit claim")
        }
        let attachment = Data("Care plan review notes".utf8).base64EncodedString()
        let started = try await client.send(.post, "/conversations", token: superUser, json:
            #"{"conversationID":"conv-tour","organisationID":"oasis","type":"query","relatedTo":"service","entityID":"oasis-hs","team":"billing","subject":"Care plan","body":"See the notes attached.","attachments":[{"fileName":"notes.txt","mediaType":"text/plain","content":"\#(attachment)"}]}"#)
        try must(started, 201, "conversation")
        try must(try await client.send(.post, "/conversations", token: superUser, json:
            #"{"conversationID":"conv-other","organisationID":"oasis","type":"information","relatedTo":"provider","entityID":"oasis","team":"billing","subject":"Office move","body":"We move on Monday."}"#),
            201, "conversation")
        let messages = try #require(started.json?["messages"] as? [[String: Any]])
        let sha = try #require((messages.first?["attachments"] as? [[String: Any]])?.first?["sha256"] as? String)
        let issued = try await client.send(.post, "/job-keys", token: helpdesk, json:
            #"{"job":"tour-reports","scope":"reporting:read","expiresOn":"\#(keyExpiry(test))"}"#)
        try must(issued, 201, "issue a job key")
        let keyID = try #require((issued.json?["jobKey"] as? [String: Any])?["keyID"] as? String)
        return TourFacts(attachment: sha, jobKey: keyID)
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

import Chronology
import Foundation
import HTTPTypes
import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import Testing

@Suite("The demo council of portal serve --demo")
struct DemoCouncilTests {
    @Test("Two providers under different contract types, about 40 clients with agreed ISOs, twelve weeks of actuals on every CPLI, invoices in every status, a payment run, one login per provider role, council team and an auditor")
    func contents() async throws {
        let test = try await HTTPTestPortal.demo(clients: 40, invoices: true)
        let calendar = test.portal.configuration.calendar
        let today = test.portal.context(for: .system(job: "test")).today
        let history = DemoCouncil.history(today: today, calendar: calendar)
        try #require(history.count == 3, "the default anchor leaves three whole periods before today")
        try await test.run { client in
            // Every login works, by both steps; one per provider role of each provider, per team, and an auditor.
            var actingAs: Set<String> = []
            for login in test.logins {
                _ = try await client.logIn(email: login.email, password: login.password, passcode: login.passcode)
                actingAs.insert(login.actingAs)
            }
            let expected = Set(DemoCouncil.providers.flatMap { provider in ProviderRole.allCases.map { "\($0.rawValue)@\(provider.organisation)" } })
                .union(CouncilTeam.allCases.map { "team:\($0.rawValue)" }).union(["auditor"])
            #expect(actingAs == expected)
            #expect(test.logins.count == expected.count)

            let auditor = try await client.token("auditor")
            let contracts = try #require(try await client.send(.get, "/contracts", token: auditor).array)
            let types = Dictionary(uniqueKeysWithValues: contracts.compactMap { entry -> (String, String)? in
                guard let contract = entry["contract"] as? [String: Any], let organisation = contract["organisationID"] as? String,
                      let type = contract["contractType"] as? String else { return nil }
                return (organisation, type)
            })
            #expect(Set(types.keys) == ["oasis", "riverside"])
            #expect(Set(types.values).count == 2, "the providers' contracts are of different types: \(types)")

            let agreed = try #require(try await client.send(.get, "/contract-documents?status=agreed", token: auditor).array)
            #expect(agreed.count == 36)
            let all = try #require(try await client.send(.get, "/contract-documents", token: auditor).array)
            #expect(all.count == 40)
            #expect(Set(all.compactMap { $0["clientReference"] as? String }).count == 40)

            // Twelve weeks: every active CPLI of each service has a recorded line in every week of the three periods.
            for service in ["oasis-hs", "riverside-hs"] {
                var weeks: Set<String> = []
                for period in history {
                    let view = try await client.send(.get, "/services/\(service)/periods/\(period.number)/actuals", token: auditor)
                    let lines = try #require(view.json?["lines"] as? [[String: Any]], "\(view.text)")
                    #expect(lines.count == 18 * 4, "\(service) period \(period.number)")
                    #expect(lines.allSatisfy { $0["isRecorded"] as? Bool == true }, "\(service) period \(period.number) has generated lines")
                    weeks.formUnion(lines.compactMap { $0["week"] as? String })
                }
                #expect(weeks.count == 12, "\(service): \(weeks.sorted())")
            }
            // oasis recorded by the calendar, each week confirmed; riverside imported each period's file.
            let confirmed = try await client.send(.get, "/services/oasis-hs/periods/\(history[0].number)/actuals", token: auditor)
            #expect((confirmed.json?["confirmedWeeks"] as? [String])?.count == 4)

            // Invoices in every status, and the payment run that paid the first.
            let invoices = try #require(try await client.send(.get, "/invoices", token: auditor).array)
            let statuses = Set(invoices.compactMap { $0["status"] as? String })
            #expect(statuses == ["unsubmitted", "submitted", "on-hold", "approved", "paid", "returned"], "\(statuses)")
            func status(_ organisation: OrganisationID, _ index: Int) -> String? {
                invoices.first { $0["invoiceID"] as? String == DemoCouncil.invoiceID(organisation, history[index].number).rawValue }?["status"] as? String
            }
            #expect([status("oasis", 0), status("oasis", 1), status("oasis", 2)] == ["paid", "on-hold", nil])
            #expect([status("riverside", 0), status("riverside", 1), status("riverside", 2)] == ["approved", "submitted", "returned"])
            #expect(invoices.contains { $0["kind"] as? String == "contract-invoice" && $0["status"] as? String == "unsubmitted" })
            let runs = try #require(try await client.send(.get, "/payment-runs", token: auditor).array)
            #expect(runs.map { $0["paymentRunID"] as? String } == [DemoCouncil.paymentRun.rawValue])
            #expect(runs.first?["invoiceIDs"] as? [String] == [DemoCouncil.invoiceID("oasis", history[0].number).rawValue])
            let remittances = try #require(try await client.send(.get, "/organisations/oasis/remittances", token: auditor).array)
            #expect(remittances.count == 1)

            // Periods opened as the invoices progressed: oasis's third period is open to invoice, riverside's third reopened.
            let oasis = try #require(try await client.send(.get, "/services/oasis-hs/period-board", token: auditor).json)
            #expect(oasis["openPeriod"] as? Int == history[2].number.value)
            let riverside = try #require(try await client.send(.get, "/services/riverside-hs/period-board", token: auditor).json)
            #expect(riverside["openPeriod"] as? Int == history[2].number.value)
            let riversidePeriods = try #require(riverside["periods"] as? [[String: Any]])
            #expect(riversidePeriods.first { $0["period"] as? Int == history[2].number.value }?["status"] as? String == "reopened")
            let oasisPeriods = try #require(oasis["periods"] as? [[String: Any]])
            #expect(oasisPeriods.first { $0["period"] as? Int == history[0].number.value }?["nextPeriodOpenedBecause"] as? String == "approved")
            #expect(oasisPeriods.first { $0["period"] as? Int == history[1].number.value }?["nextPeriodOpenedBecause"] as? String == "held")

            // The Payments queue holds the held and the released invoice, by submission.
            let queue = try #require(try await client.send(.get, "/payments/queue", token: auditor).array)
            #expect(queue.map { $0["invoiceID"] as? String } == [DemoCouncil.invoiceID("oasis", history[1].number).rawValue,
                                                                 DemoCouncil.invoiceID("riverside", history[1].number).rawValue])
            let claims = try #require(try await client.send(.get, "/claims", token: auditor).array)
            #expect(claims.count == 1)
            #expect(claims.first?["invoiceID"] as? String == "inv-oasis-claims-1")
        }
    }
}

import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import Testing

/// The two super-user roles differ by scheduled payments (R-ROLE): a scheduled contract's provider confirms or
/// queries each period's payment, and only super-user (scheduled) may.
@Suite("Application: super-user (scheduled) confirms or queries scheduled payments; super-user (actuals) may not")
struct ScheduledPaymentResponseTests {
    typealias T = TestPortal

    /// A scheduled contract `k-sched` of oasis with one CPLI and period 9's payment calculated (£777.00).
    func scheduled() async throws -> TestPortal {
        let test = try await T.make()
        try await test.registerScheduledContract()
        try await test.publishCPLI("sched-1", client: "C-dora", planned: "10.5", rate: "18.50", service: "oasis-sched")
        _ = try await test.portal.calculateScheduledPayment(contract: "k-sched", period: PeriodNumber(9), test.request(test.payments))
        return test
    }

    @Test("R-ROLE: of the provider roles only super-user-scheduled confirms; every role reads; council staff may not query; each refusal names edit:scheduled-payments and writes nothing")
    func confirmationByRole() async throws {
        let test = try await scheduled()
        for role in ProviderRole.allCases {
            let actor = role == .superUserActuals ? test.superUser! : try await test.contact(UserID("oasis-\(role.rawValue)"), of: test.organisation, role: role)
            #expect(try test.portal.scheduledPayments(of: "k-sched", for: actor).state.calculated["9"]?.total == T.pounds("777.00"), "\(role) reads")
            let head = try test.head()
            if role == .superUserScheduled {
                let confirmed = try await test.portal.confirmScheduledPayment(contract: "k-sched", period: PeriodNumber(9), test.request(actor))
                #expect(try confirmed.positions.map { try #require(try test.log.event(at: $0)).type } == ["ScheduledPaymentConfirmed"])
                #expect(confirmed.version(of: ScheduledPayments.streamID("k-sched")) == 2)
            } else {
                let refused = await #expect(throws: AccessRefused.self, "\(role)") {
                    try await test.portal.confirmScheduledPayment(contract: "k-sched", period: PeriodNumber(9), test.request(actor))
                }
                #expect(refused?.missingPermission == Permission.edit(.scheduledPayments), "\(role)")
                #expect(refused?.rule == "R-ROLE")
                #expect(try test.head() == head, "\(role) wrote")
            }
        }
        for actor in [test.payments!, test.helpdesk!] {
            let head = try test.head()
            let refused = await #expect(throws: AccessRefused.self) {
                try await test.portal.queryScheduledPayment(contract: "k-sched", period: PeriodNumber(9), reason: "x", test.request(actor))
            }
            #expect(refused?.rule.hasPrefix("R-ROLE") == true, "\(actor)")
            #expect(try test.head() == head)
        }
    }

    @Test("a query needs a reason and is recorded with the total queried; a confirmation after it withdraws it; confirming twice records once; an uncalculated period, an invoiced contract or another organisation's contract is refused")
    func queryThenConfirm() async throws {
        let test = try await scheduled()
        let scheduledUser = try await test.contact("oasis-sus", of: test.organisation, role: .superUserScheduled)
        let me = test.request(scheduledUser)
        let head = try test.head()
        let noReason = await #expect(throws: DomainError.self) {
            try await test.portal.queryScheduledPayment(contract: "k-sched", period: PeriodNumber(9), reason: "  ", me)
        }
        #expect(noReason?.field == "reason")
        let uncalculated = await #expect(throws: DomainError.self) {
            try await test.portal.confirmScheduledPayment(contract: "k-sched", period: PeriodNumber(10), me)
        }
        #expect(uncalculated?.field == "period")
        let invoiced = await #expect(throws: DomainError.self) {
            try await test.portal.confirmScheduledPayment(contract: "oasis-hs-k", period: PeriodNumber(9), me)
        }
        #expect(invoiced?.field == "period")
        try await test.registerProvider("elsewhere", service: "elsewhere-hs")
        let elsewhere = try await test.contact("else-sus", of: "elsewhere", role: .superUserScheduled)
        await #expect(throws: PortalError.self) {
            try await test.portal.confirmScheduledPayment(contract: "k-sched", period: PeriodNumber(9), test.request(elsewhere))
        }
        await #expect(throws: PortalError.self) { try test.portal.scheduledPayments(of: "k-sched", for: elsewhere) }
        #expect(try test.log.readAll(from: head + 1, limit: 100).allSatisfy { !$0.type.hasPrefix("ScheduledPayment") })

        _ = try await test.portal.queryScheduledPayment(contract: "k-sched", period: PeriodNumber(9), reason: "Dora's visits from 16 November are missing", me)
        guard case .queried(let query)? = try test.portal.state(of: ScheduledPayments.self, "k-sched").responses["9"] else {
            Issue.record("no query")
            return
        }
        #expect(query.total == T.pounds("777.00"))
        #expect(query.reason == "Dora's visits from 16 November are missing")
        _ = try await test.portal.confirmScheduledPayment(contract: "k-sched", period: PeriodNumber(9), me)
        let again = try await test.portal.confirmScheduledPayment(contract: "k-sched", period: PeriodNumber(9), me)
        #expect(again.eventCount == 0)
        guard case .confirmed? = try test.portal.state(of: ScheduledPayments.self, "k-sched").responses["9"] else {
            Issue.record("not confirmed")
            return
        }
    }
}

import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import Testing

@Suite("Application: invoice concurrency")
struct InvoiceConcurrencyTests {
    typealias T = TestPortal

    enum Outcome: Sendable, Equatable {
        case submitted
        case submissionRefused(String)
        case edited
        case editRefused(String)
    }

    @Test("R-INV-2/R-PER-3: a submission racing an actual edit of its period: exactly one wins; a submitted invoice always matches the actuals as they stand")
    func submitRacingEdit() async throws {
        let test = try await T.make()
        test.today("2026-12-14")
        let week = try Week.parse("2026-11-30")
        for iteration in 0..<30 {
            let service = ServiceID("race-\(iteration)")
            let cpli = CPLIID("race-cpli-\(iteration)")
            try await test.registerService(service, of: test.organisation)
            try await test.cpli(cpli, service: service)
            let invoice = InvoiceID("inv-race-\(iteration)")
            _ = try await test.createInvoice(invoice, reference: "RACE-\(iteration)", service: service)
            let key = Actuals.Key(serviceID: service, period: PeriodNumber(9))
            let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
                group.addTask {
                    do {
                        _ = try await test.portal.submitInvoice(invoice, test.request(test.superUser))
                        return .submitted
                    } catch let error as DomainError {
                        return .submissionRefused(error.field ?? "")
                    }
                }
                group.addTask {
                    do {
                        _ = try await test.portal.recordActual(key, ActualEntry(cpliID: cpli, week: week, actual: T.q("9"), comment: "less care"), test.request(test.superUser))
                        return .edited
                    } catch let error as DomainError {
                        return .editRefused(error.rule ?? "")
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // Whatever the tasks reported, the log decides.
            let state = try test.portal.invoice(invoice, for: test.superUser)
            let actualsVersion = try test.log.streamVersion(key.streamID)
            if state.status == .submitted {
                #expect(outcomes.contains(.submitted) && outcomes.contains(.editRefused("R-PER-3")), "iteration \(iteration): \(outcomes)")
                #expect(state.actualsVersion == actualsVersion, "iteration \(iteration): the invoice was submitted over actuals it did not compute from")
            } else {
                #expect(outcomes.contains(.edited) && outcomes.contains(.submissionRefused("actuals")), "iteration \(iteration): \(outcomes)")
                #expect(actualsVersion == 1)
                #expect(try test.log.readStream("periods-\(service.rawValue)").isEmpty)
            }
        }
    }
}

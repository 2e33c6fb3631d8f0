import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import Testing

/// Helpers of the part 2 application tests: CPLIs at any rate, the clock, invoices through the portal, and
/// the log's view of a stream.
extension TestPortal {
    /// Publishes an ISO with one CPLI (hours) for `client` at `rate` per hour, and has the super user agree it.
    @discardableResult
    func publishCPLI(
        _ id: CPLIID, client: String, planned: String, rate: String, start: String = "2026-01-05", end: String? = nil,
        temporaryOf: CPLIID? = nil, service: ServiceID? = nil
    ) async throws -> CPLIDefinition {
        let service = service ?? self.service
        let iso = ISOID("iso-\(id.rawValue)")
        let definition = CPLIDefinition(
            cpliID: id, isoID: iso, organisationID: organisation, serviceID: service, clientReference: client,
            clientName: "Client \(client)", serviceType: .homeSupportContractRate, unit: .hours, plannedPerWeek: Self.q(planned),
            rate: try Rate.parse(rate, field: "rate"), startDate: Self.date(start), endDate: end.map(Self.date), temporaryOf: temporaryOf)
        _ = try await portal.publishISO(ISOPublished(
            isoID: iso, organisationID: organisation, serviceID: service, clientReference: client, clientName: definition.clientName,
            cpliIDs: [id]), cplis: [definition], request(brokerage))
        _ = try await portal.agreeISO(iso, request(superUser))
        return definition
    }

    /// Registers the scheduled contract `k-sched` (block-2013) of oasis with its service `oasis-sched` from 2026-11-16.
    func registerScheduledContract() async throws {
        _ = try await portal.registerContract(ContractRegistered(
            contractID: "k-sched", organisationID: organisation, name: "Scheduled home support", contractType: .block2013,
            paymentBasis: .scheduled, startDate: Self.date("2026-01-05")), request(procurement))
        _ = try await portal.registerService(ServiceRegistered(
            serviceID: "oasis-sched", organisationID: organisation, contractID: "k-sched", details: details,
            startDate: Self.date("2026-11-16")), request(procurement))
    }

    /// Sets the clock to 10:00 UTC on `date`.
    func today(_ date: String) {
        clock.set(Timestamp(iso8601: "\(date)T10:00:00Z")!)
    }

    /// An auditor account, first password changed.
    func auditor() async throws -> Actor {
        let first = try await portal.registerAuditor(
            "auditor-1", person: Person(forename: "Ada", surname: "Audit", email: "ada@council.example"), request(helpdesk)).value!
        let actor = Actor.auditor(user: "auditor-1")
        _ = try await portal.changePassword(current: first, new: Self.newPassword, request(actor))
        return actor
    }

    /// The period 9 invoice of the service, created by the super user on 2026-12-14 with every proposed line.
    func createInvoice(_ id: InvoiceID = "inv-p9", reference: String = "INV-P9", service: ServiceID? = nil) async throws -> CommandOutcome<[InvoiceEvent]> {
        try await portal.createInvoice(
            InvoiceDraft(invoiceID: id, serviceID: service ?? self.service, period: PeriodNumber(9), reference: reference, invoiceDate: Self.date("2026-12-14")),
            request(superUser))
    }

    /// The event types of a stream, in order.
    func types(of streamID: String) throws -> [String] {
        try log.readStream(streamID).map(\.type)
    }

    /// The events of the last append of a command, found by its positions.
    func events(at positions: [UInt64]) throws -> [RecordedEvent] {
        try positions.map { try #require(try log.event(at: $0)) }
    }

    static func pounds(_ text: String) -> Money { try! Money.parse(text, field: "test") }

    /// `<cpli> <amount>` of each remittance line.
    static func summary(_ advice: RemittanceAdvice) -> [String] {
        advice.lines.map { "\($0.documentKind) \($0.documentReference) \($0.cpliID) \($0.amount)" }
    }
}

import Chronology
import EventLog
import Foundation
@testable import PortalApplication
import PortalDomain
import Synchronization
import Testing

/// A service's CPLIs are found through its `servicecplis-` stream, written with each CPLI's commission, so
/// the commands that need them read that service's CPLIs and no other.
@Suite("Application: each service lists its CPLIs")
struct ServiceCPLIsApplicationTests {
    typealias T = TestPortal

    @Test("R-ISO-1, R-ISO-3: publishing an ISO lists its CPLIs under their service in the same append; a service's actuals show its own active CPLIs only")
    func listedWithTheirCommission() async throws {
        let test = try await T.make()
        let other: ServiceID = "oasis-nights"
        try await test.registerService(other, of: test.organisation)
        try await test.cpli("c-3")
        try await test.cpli("c-2", service: other)
        try await test.cpli("c-1")
        try await test.cpli("c-4", agree: false)

        let listed = try test.log.readStream(ServiceCPLIs.streamID(test.service.rawValue))
        #expect(listed.map(\.type) == ["CPLIListed", "CPLIListed", "CPLIListed"])
        let payloads = try listed.map { try EventRegistry.decode(ServiceCPLIsEvent.self, type: $0.type, schemaVersion: $0.schemaVersion, payload: $0.payload) }
        #expect(payloads == ["c-3", "c-1", "c-4"].map { .listed(CPLIListed(serviceID: test.service, cpliID: $0, organisationID: test.organisation)) })
        // Same append as the commission: the event right before each listing commissions that CPLI, in the same request.
        for event in listed {
            let commission = try #require(try test.log.readAll(from: event.position - 1, limit: 1).first)
            #expect(commission.type == "CPLICommissioned")
            #expect(commission.correlationID == event.correlationID)
        }
        #expect(try test.log.readStream(ServiceCPLIs.streamID(other.rawValue)).count == 1)

        let lines = try test.portal.actualLines(test.period9, for: test.superUser)
        #expect(Set(lines.map(\.cpliID)) == ["c-1", "c-3"], "c-2 is another service's; c-4 is not agreed")
        let csv = try test.portal.exportActuals(test.period9, for: test.superUser)
        #expect(csv.contains("C-c-1") && csv.contains("C-c-3") && !csv.contains("C-c-2"))
    }

    /// Creates invoice `inv-1` of period 9 of the test's service, running `meanwhile` before its first append;
    /// returns the attempts it took.
    static func createInvoice(_ test: TestPortal, meanwhile: @escaping @Sendable () async -> Void) async throws -> [Int] {
        let create = UUID()
        let attempts = Mutex<[Int]>([])
        test.portal.injectedBeforeAppend.withLock {
            $0 = { request, number in
                guard request.commandID == create else { return }
                attempts.withLock { $0.append(number) }
                if number == 1 { await meanwhile() }
            }
        }
        defer { test.portal.injectedBeforeAppend.withLock { $0 = nil } }
        _ = try await test.portal.createInvoice(
            InvoiceDraft(invoiceID: "inv-1", serviceID: test.service, period: PeriodNumber(9), reference: "INV-1", invoiceDate: T.date("2026-12-14")),
            CommandRequest(actor: test.superUser, commandID: create))
        return attempts.withLock { $0 }
    }

    @Test("R-INV-1: creating an invoice reads only its service's CPLIs: another service's CPLI changing while it decides does not make it decide again")
    func otherServicesAreNoCondition() async throws {
        let test = try await T.make()
        test.today("2026-12-14")
        let other: ServiceID = "oasis-nights"
        try await test.registerService(other, of: test.organisation)
        try await test.cpli("c-1")
        try await test.cpli("c-2", service: other, agree: false)
        let attempts = try await Self.createInvoice(test) {
            _ = try? await test.portal.agreeISO("iso-c-2", test.request(test.superUser))
        }
        #expect(try test.log.readStream(CPLI.streamID("c-2")).map(\.type) == ["CPLICommissioned", "CPLIActivated"], "c-2 was activated meanwhile")
        #expect(attempts == [1], "decided once: no stream it read had changed")
        #expect(try test.portal.invoice("inv-1", for: test.superUser).lines.map(\.cpliID) == ["c-1"])
    }

    @Test("R-INV-1: a CPLI commissioned for the invoice's own service while it decides makes it decide again on the new list")
    func ownServiceListIsACondition() async throws {
        let test = try await T.make()
        test.today("2026-12-14")
        try await test.cpli("c-1")
        let attempts = try await Self.createInvoice(test) {
            _ = try? await test.cpli("c-2", agree: false)
        }
        #expect(try test.log.readStream(ServiceCPLIs.streamID(test.service.rawValue)).count == 2)
        #expect(attempts == [1, 2], "the service's CPLI list it read had changed")
        #expect(try test.portal.invoice("inv-1", for: test.superUser).lines.map(\.cpliID) == ["c-1"], "c-2 is not agreed, so it has no actuals")
    }

    @Test("a log written before services listed their CPLIs gets every CPLI listed once, by the deployment job, at the first start; later starts add nothing but a CPLI an older build commissioned since")
    func earlierHistoryListedAtStart() async throws {
        let test = try await T.make()
        let other: ServiceID = "oasis-nights"
        try await test.registerService(other, of: test.organisation)
        try await test.cpli("c-1")
        try await test.cpli("c-2", service: other)
        try await test.cpli("c-3", agree: false)

        let folder = try await Self.earlierCopy(of: test)
        defer { try? FileManager.default.removeItem(at: folder) }

        func start() async throws -> Portal {
            try await Portal.open(
                dataDirectory: folder, deployment: .init(),
                defaults: DeploymentSettings(policy: .norfolk, periodAnchor: T.date("2026-04-06")),
                time: DeploymentTime(clock: TestClock(Timestamp(iso8601: "2026-11-25T10:00:00Z")!)), bcryptCost: 4)
        }
        let first = try await start()
        let mine = try first.log.readStream(ServiceCPLIs.streamID(test.service.rawValue))
        #expect(mine.map(\.type) == ["CPLIListed", "CPLIListed"])
        #expect(mine.allSatisfy { $0.actor.who == "system:deployment" })
        #expect(try first.log.readStream(ServiceCPLIs.streamID(other.rawValue)).count == 1)
        #expect(Set(try first.actualLines(test.period9, for: test.superUser).map(\.cpliID)) == ["c-1"])
        let head = try first.log.head().position
        first.close()

        let second = try await start()
        #expect(try second.log.head().position == head, "nothing more to list")
        #expect(try await second.listCPLIsOfEarlierHistory(CommandRequest(actor: .system(job: "deployment"))) == 0)

        // An older build run on the folder since commissions a CPLI without listing it: the next start lists it.
        let commissioned = try #require(try test.log.readStream(CPLI.streamID("c-1")).first)
        var definition = try #require(try EventRegistry.decode(CPLIEvent.self, type: commissioned.type, schemaVersion: 1, payload: commissioned.payload)
            .payload as? CPLICommissioned).definition
        definition.cpliID = "c-9"
        _ = try await second.log.append(to: CPLI.streamID("c-9"), expectedVersion: .noStream, events: [ProposedEvent(
            type: CPLICommissioned.eventType, payload: try EventCoding.encode(CPLICommissioned(definition: definition)),
            actor: EventActor(who: "brokerage-1", actingAs: "team:service-brokerage"))])
        second.close()
        let third = try await start()
        defer { third.close() }
        let listed = try third.log.readStream(ServiceCPLIs.streamID(test.service.rawValue))
        #expect(listed.count == 3)
        #expect(listed.last.map { String(decoding: $0.payload, as: UTF8.self).contains(#""cpliID":"c-9""#) } == true)
    }

    @Test("R-ROLE: listing the CPLIs of earlier history is the deployment job's; a provider asking is refused and nothing is written")
    func listingIsTheDeploymentsJob() async throws {
        let test = try await T.make()
        try await test.cpli("c-1")
        let folder = try await Self.earlierCopy(of: test)
        defer { try? FileManager.default.removeItem(at: folder) }
        let portal = try Portal.open(dataDirectory: folder, configuration: test.portal.configuration, bcryptCost: 4)
        defer { portal.close() }
        let head = try portal.log.head().position
        await #expect(throws: AccessRefused.self) {
            try await portal.listCPLIsOfEarlierHistory(CommandRequest(actor: test.superUser))
        }
        #expect(try portal.log.head().position == head)
        #expect(try await portal.listCPLIsOfEarlierHistory(CommandRequest(actor: .system(job: "deployment"))) == 1)
    }

    /// A new data folder holding `test`'s history without its CPLIListed events, as a build that kept no
    /// service lists wrote it.
    static func earlierCopy(of test: TestPortal) async throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("portal-earlier-\(UUID().uuidString)")
        let earlier = try EventLog(directory: folder.appendingPathComponent("log"))
        defer { earlier.close() }
        for event in try test.log.readAll(from: 1, limit: .max) where event.type != CPLIListed.eventType {
            _ = try await earlier.append(to: event.streamID, expectedVersion: .any, events: [ProposedEvent(
                id: event.id, type: event.type, schemaVersion: event.schemaVersion, payload: event.payload, actor: event.actor,
                correlationID: event.correlationID, causationID: event.causationID)])
        }
        #expect(try earlier.head().position > 0)
        #expect(try earlier.streamIDs(category: ServiceCPLIs.category, limit: 1).isEmpty)
        return folder
    }
}

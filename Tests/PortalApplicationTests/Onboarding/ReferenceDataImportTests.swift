import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import Testing

/// Onboarding from the council's earlier system: organisations, contracts, services and clients' current care
/// orders from the documented CSV files, imported through the application all or nothing.
@Suite("Reference data import (onboarding)")
struct ReferenceDataImportTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("tools/onboarding/examples")
    static let exampleNames = ["organisations.csv", "contracts.csv", "services.csv", "care-orders.csv"]
    static let operatorActor = Actor.operator(osUser: "ops")

    static func exampleFiles() throws -> [(name: String, content: Data)] {
        try exampleNames.map { ($0, try Data(contentsOf: examples.appendingPathComponent($0))) }
    }

    static func parse(_ test: TestPortal, _ files: [(name: String, content: Data)]) -> ReferenceData {
        ReferenceData.parse(files: files, today: test.portal.context(for: operatorActor).today)
    }

    static func file(_ name: String, _ lines: String...) -> (name: String, content: Data) {
        (name, Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    @Test("the example files import as the operator in one atomic append: organisations, contracts, services, and care orders agreed on the providers' behalf with the reason, CPLIs active and listed under their service")
    func examplesImport() async throws {
        let test = try TestPortal()
        let before = try test.head()
        let data = Self.parse(test, try Self.exampleFiles())
        #expect(data.problems.isEmpty, "\(data.problems)")
        let report = try await test.portal.importReferenceData(data, reason: "agreed in the old system", dryRun: false, CommandRequest(actor: Self.operatorActor))
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.written)
        #expect(report.counts(of: .organisations).new == 2 && report.counts(of: .contracts).new == 2 && report.counts(of: .services).new == 2)
        #expect(report.counts(of: .careOrders).new == 3 && report.newCPLIs == 4)
        let events = try test.log.readAll(from: before + 1, limit: 1000)
        #expect(events.count == report.events)
        // One append: consecutive positions, one correlation id, every event by the operator.
        #expect(Set(events.map(\.correlationID)).count == 1)
        #expect(events.allSatisfy { $0.actor.who == "system:operator:ops" && $0.actor.actingAs == "system:operator" })

        let iso = try test.portal.state(of: ISO.self, "iso-70001")
        #expect(iso.status == .agreed)
        #expect(iso.publication?.cpliIDs == ["cpli-70001-1", "cpli-70001-2"])
        let recorded = try #require(events.first { $0.type == ISOAgreementRecorded.eventType && $0.streamID == "iso-iso-70001" })
        #expect(String(decoding: recorded.payload, as: UTF8.self).contains("agreed in the old system"))
        #expect(!events.contains { $0.type == ISOAgreed.eventType }, "the provider's own agreement is never recorded on its behalf")
        for cpli in ["cpli-70001-1", "cpli-70001-2", "cpli-70002-1", "cpli-70003-1"] {
            #expect(try test.portal.state(of: CPLI.self, cpli).status == .active, "\(cpli)")
        }
        #expect(try test.portal.state(of: ServiceCPLIs.self, "brightwater-hs").cpliIDs == ["cpli-70001-1", "cpli-70001-2", "cpli-70002-1"])
        // A care order's CPLI events come before its ISO's in the append (the read models need the CPLIs first).
        let cpliPosition = try #require(events.first { $0.streamID == "cpli-cpli-70003-1" }).position
        let isoPosition = try #require(events.first { $0.streamID == "iso-iso-70003" }).position
        #expect(cpliPosition < isoPosition)
        let contract = try test.portal.state(of: Contract.self, "ashgrove-spot").registration
        #expect(contract?.contractType == .spotOldBlock && contract?.endDate == TestPortal.date("2029-09-30"))
        #expect(try test.portal.state(of: Organisation.self, "ashgrove").details?.name == "Ashgrove Care & Support, Ltd")
    }

    @Test("UTF-8 names are kept exactly as written: Zoë Ødegård and Seán Ó Briain, in the log's bytes")
    func utf8NamesKept() async throws {
        let test = try TestPortal()
        let report = try await test.portal.importReferenceData(Self.parse(test, try Self.exampleFiles()), dryRun: false,
                                                               CommandRequest(actor: Self.operatorActor))
        #expect(report.written)
        #expect(try test.portal.state(of: ISO.self, "iso-70001").publication?.clientName == "Zoë Ødegård")
        #expect(try test.portal.state(of: CPLI.self, "cpli-70002-1").definition?.clientName == "Seán Ó Briain")
        let bytes = try test.allPayloadText()
        #expect(bytes.contains("Zoë Ødegård") && bytes.contains("Seán Ó Briain"))
        #expect(Array("Zoë Ødegård".utf8).count == 14, "precomposed characters, as the file has them")
    }

    @Test("--dry-run counts new, unchanged and refused and writes nothing; the same files again are already imported (all unchanged, nothing written)")
    func dryRunAndRepeat() async throws {
        let test = try TestPortal()
        let data = Self.parse(test, try Self.exampleFiles())
        let before = try test.head()
        let dry = try await test.portal.importReferenceData(data, dryRun: true, CommandRequest(actor: Self.operatorActor))
        #expect(dry.dryRun && !dry.written)
        #expect(dry.counts(of: .careOrders).new == 3 && dry.events > 0)
        #expect(try test.head() == before)

        let first = try await test.portal.importReferenceData(data, dryRun: false, CommandRequest(actor: Self.operatorActor))
        #expect(first.written && first.events == dry.events)
        let afterFirst = try test.head()
        let again = try await test.portal.importReferenceData(Self.parse(test, try Self.exampleFiles()), dryRun: false,
                                                              CommandRequest(actor: Self.operatorActor))
        #expect(again.isAlreadyImported && !again.written)
        #expect(again.counts(of: .organisations).unchanged == 2 && again.counts(of: .careOrders).unchanged == 3)
        #expect(try test.head() == afterFirst)
    }

    @Test("one bad row among many: every problem is listed by file, row and column, and nothing of any file is written")
    func badRowsRefuseEverything() async throws {
        let test = try TestPortal()
        var files = try Self.exampleFiles()
        files.append(Self.file(
            "more-care-orders.csv",
            "iso,client_reference,client_name,organisation,service,cpli,service_type,unit,planned_per_week,rate,start_date,end_date",
            "iso-80001,C80001,Ann Example,brightwater,brightwater-hs,cpli-80001-1,home-support-contract-rate,hours,10,19.25,2026-01-05,",
            "iso-80002,C80002,Bob Example,brightwater,brightwater-hs,cpli-80002-1,home-support-contract-rate,hours,200,19.25,2026-01-05,",
            "iso-80003,C80003,Cy Example,brightwater,brightwater-hs,cpli-80003-1,home-support-contract-rate,hours,10,19.25555,2026-01-05,",
            "iso-80004,C80004,Di Example,brightwater,brightwater-hs,cpli-80004-1,home-support-contract-rate,hours,10,19.25,2031-01-05,",
            "iso-80005,C80005,Ed Example,nobody,nowhere,cpli-80005-1,home-support-contract-rate,hours,10,19.25,2026-01-05,",
            "iso-80006,C80006,Flo Example,brightwater,brightwater-hs,cpli-70001-1,home-support-contract-rate,hours,10,19.25,2026-01-05,"))
        let before = try test.head()
        let report = try await test.portal.importReferenceData(Self.parse(test, files), dryRun: false, CommandRequest(actor: Self.operatorActor))
        #expect(!report.written)
        #expect(try test.head() == before, "nothing of any file was written")
        let located = Set(report.problems.map { "\($0.file):\($0.row):\($0.column)" })
        #expect(located.contains("more-care-orders.csv:3:planned_per_week"), "\(report.problems)")
        #expect(located.contains("more-care-orders.csv:4:rate"), "\(report.problems)")
        #expect(located.contains("more-care-orders.csv:5:start_date"), "\(report.problems)")
        #expect(located.contains("more-care-orders.csv:6:service"), "\(report.problems)")
        #expect(located.contains("more-care-orders.csv:7:cpli"), "\(report.problems)")
        #expect(report.problems.first { $0.column == "planned_per_week" }?.rule == "R-ACT-2")
        #expect(report.counts(of: .careOrders).refused == 5 && report.counts(of: .careOrders).new == 4)
        #expect(report.counts(of: .organisations).new == 2)
    }

    @Test("a record in the portal with other content is refused, naming the column and both values; an import never changes a record")
    func changedRecordRefused() async throws {
        let test = try TestPortal()
        _ = try await test.portal.importReferenceData(Self.parse(test, try Self.exampleFiles()), dryRun: false, CommandRequest(actor: Self.operatorActor))
        let before = try test.head()
        let changed = Self.file(
            "organisations.csv", "organisation,name,address_1,postcode", "brightwater,Brightwater Care Group,Unit 4 Riverside Park,NR1 1AB")
        let report = try await test.portal.importReferenceData(Self.parse(test, [changed]), dryRun: false, CommandRequest(actor: Self.operatorActor))
        let problem = try #require(report.problems.first)
        #expect(problem.file == "organisations.csv" && problem.row == 2 && problem.column == "name", "\(problem)")
        #expect(problem.message.contains("Brightwater Home Care Ltd") && problem.message.contains("Brightwater Care Group"))
        #expect(report.counts(of: .organisations).refused == 1)
        #expect(try test.head() == before)
    }

    @Test("R-ROLE: procurement imports the provider register but not care orders; brokerage care orders; a provider nothing; the auditor nothing")
    func permissions() async throws {
        let test = try await TestPortal.make()
        let files = try Self.exampleFiles()
        let register = Self.parse(test, Array(files.prefix(3)))
        let orders = Self.parse(test, [files[3]])
        await #expect(throws: AccessRefused.self) {
            _ = try await test.portal.importReferenceData(orders, dryRun: true, test.request(test.procurement))
        }
        await #expect(throws: AccessRefused.self) {
            _ = try await test.portal.importReferenceData(register, dryRun: true, test.request(test.brokerage))
        }
        await #expect(throws: AccessRefused.self) {
            _ = try await test.portal.importReferenceData(register, dryRun: true, test.request(test.superUser))
        }
        await #expect(throws: AccessRefused.self) {
            _ = try await test.portal.importReferenceData(orders, dryRun: true, CommandRequest(actor: .auditor(user: "auditor-1")))
        }
        let registered = try await test.portal.importReferenceData(register, dryRun: false, test.request(test.procurement))
        #expect(registered.written)
        let agreed = try await test.portal.importReferenceData(orders, dryRun: false, test.request(test.brokerage))
        #expect(agreed.written)
        let event = try #require(try test.log.readStream("iso-iso-70002").last)
        #expect(event.type == ISOAgreementRecorded.eventType && event.actor.who == "brokerage-1" && event.actor.actingAs == "team:service-brokerage")
    }
}

import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalAudit
import PortalDomain
import Testing

@Suite("Audit: histories and states as of a moment")
struct HistoryTests {
    @Test("a contact's history lists every step with its actor, role or team, and the fields it changed")
    func contactHistory() async throws {
        let fixture = try await AuditFixture.make()
        fixture.tick()
        _ = try await fixture.portal.requestContactAmend("oasis-su", requestID: "cr-amend",
            person: Person(forename: "Olive", surname: "Su", email: "olive@oasis.example"), role: .administration,
            fixture.request(fixture.provider))
        fixture.tick()
        _ = try await fixture.portal.acceptContactAmend("oasis-su", requestID: "cr-amend", fixture.request(fixture.helpdesk))

        let history = try AuditHistory(AuditSubjects(log: fixture.log).contact("oasis-su"), in: fixture.log)
        let types = history.steps.map(\.event.type)
        #expect(types == ["ContactCreationRequested", "ContactCreationAccepted", "FirstPasswordIssued", "PasswordChanged",
                          "ContactAmendRequested", "ContactAmendAccepted"], "\(types)")
        let accepted = try #require(history.steps.first { $0.event.type == "ContactCreationAccepted" })
        #expect(accepted.event.actor.who == "helpdesk-1")
        #expect(accepted.event.actor.actingAs == "team:helpdesk")
        #expect(accepted.changes.contains(FieldChange(path: "status", before: "creation-requested", after: "active")))

        let amended = try #require(history.steps.last)
        #expect(amended.changes.contains { $0.path.hasSuffix("role") && $0.before == "super-user-actuals" && $0.after == "administration" },
                "\(amended.changes)")
        let requested = history.steps[4]
        #expect(requested.event.actor.who == "oasis-su")
        #expect(requested.event.actor.actingAs.contains("oasis"))
        // Positions increase and every step's state is what the next one starts from.
        #expect(history.steps.map(\.event.position) == history.steps.map(\.event.position).sorted())
        #expect(try AuditSubjects(log: fixture.log).contact("olive@oasis.example").name == "contact oasis-su")
    }

    @Test("as-of an instant or a position between two steps gives the state in between")
    func asOf() async throws {
        let fixture = try await AuditFixture.make()
        try await fixture.agreedCPLI("c-1")
        var instants: [Timestamp] = []
        for actual in ["9", "12", "10.25"] {
            fixture.tick(60)
            try await fixture.record("c-1", actual: actual)
            instants.append(Timestamp(fixture.clock.now()))
        }
        let history = try AuditHistory(AuditSubjects(log: fixture.log).servicePeriod(service: "oasis-hs", period: 9), in: fixture.log)
        let edits = history.steps.filter { $0.event.type == "ActualRecorded" }
        #expect(edits.count == 3)
        func actual(_ state: JSONTree) -> String? {
            state.flattened().first { $0.path.hasPrefix("actuals.recorded.") && $0.path.hasSuffix(".actual") }?.value
        }
        // Between each pair of steps (half an hour after each edit), by instant and by position.
        for (index, expected) in ["9.0000", "12.0000", "10.2500"].enumerated() {
            let between = Timestamp(microsecondsSince1970: instants[index].microsecondsSince1970 + 30 * 60_000_000)
            #expect(actual(history.state(at: between)) == expected)
            #expect(actual(history.state(atPosition: edits[index].event.position)) == expected)
        }
        let beforeAll = Timestamp(microsecondsSince1970: instants[0].microsecondsSince1970 - 1)
        #expect(actual(history.state(at: beforeAll)) == nil)
        #expect(edits[1].changes.contains { $0.path.hasSuffix(".actual") && $0.before == "9.0000" && $0.after == "12.0000" })
    }

    @Test("a CPLI's history joins its own stream and the actuals recorded against it, and only those")
    func cpliHistory() async throws {
        let fixture = try await AuditFixture.make()
        try await fixture.agreedCPLI("c-1")
        try await fixture.agreedCPLI("c-2")
        try await fixture.record("c-1", actual: "9")
        try await fixture.record("c-2", actual: "8")
        try await fixture.record("c-1", actual: "11")
        let history = try AuditHistory(AuditSubjects(log: fixture.log).cpli("c-1"), in: fixture.log)
        #expect(history.steps.map(\.event.type) == ["CPLICommissioned", "CPLIActivated", "ActualRecorded", "ActualRecorded"])
        #expect(!history.steps.contains { String(decoding: $0.event.payload, as: UTF8.self).contains("\"c-2\"") })
    }

    @Test("who lists a user's changes in a range; trace lists one request's events")
    func whoAndTrace() async throws {
        let fixture = try await AuditFixture.make()
        try await fixture.agreedCPLI("c-1")
        fixture.clock.set(Timestamp(iso8601: "2026-11-17T09:00:00Z")!.date)
        let correlation = UUID()
        try await fixture.record("c-1", actual: "9", correlation: correlation)
        fixture.clock.set(Timestamp(iso8601: "2026-11-18T09:00:00Z")!.date)
        try await fixture.record("c-1", actual: "10", comment: "extra visit")

        let queries = LogQueries(log: fixture.log)
        let all = try queries.changes(by: "oasis-su", from: nil, to: nil)
        #expect(all.contains { $0.type == "ISOAgreed" })
        #expect(all.allSatisfy { $0.actor.who == "oasis-su" })
        let onTuesday = try queries.changes(by: "oasis-su", from: Timestamp(iso8601: "2026-11-17T00:00:00Z"), to: Timestamp(iso8601: "2026-11-18T00:00:00Z"))
        #expect(onTuesday.map(\.type) == ["ActualRecorded"])
        #expect(try queries.trace(correlationID: correlation).map(\.type) == ["ActualRecorded"])
        #expect(try queries.firstPosition(recordedAtOrAfter: Timestamp(iso8601: "2030-01-01T00:00:00Z")!) == (try fixture.log.head().position) + 1)
    }

    @Test("the three output formats carry the same events")
    func formats() async throws {
        let fixture = try await AuditFixture.make()
        let history = try AuditHistory(AuditSubjects(log: fixture.log).contact("oasis-su"), in: fixture.log)
        let table = try AuditOutput.history(history, format: .table)
        #expect(table.contains("ContactCreationAccepted"))
        #expect(table.contains("status: creation-requested → active"))
        let json = try AuditOutput.history(history, format: .json).split(separator: "\n")
        #expect(json.count == history.steps.count)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(json[1].utf8)) as? [String: Any])
        #expect(first["type"] as? String == "ContactCreationAccepted")
        #expect((first["changes"] as? [[String: Any]])?.contains { $0["path"] as? String == "status" } == true)
        // CSV: one row per changed field (an event that changed none has one row with no field).
        let csv = try AuditOutput.history(history, format: .csv).split(separator: "\n")
        #expect(csv.first == "position,recordedAt,actor,actingAs,type,field,before,after")
        #expect(csv.count == 1 + history.steps.reduce(0) { $0 + max($1.changes.count, 1) })
        let accepted = try #require(history.steps.first { $0.event.type == "ContactCreationAccepted" })
        #expect(csv.contains { $0.hasPrefix("\(accepted.event.position),") && $0.hasSuffix(",ContactCreationAccepted,status,creation-requested,active") })
    }

    @Test("CSV for spreadsheets: no cell over 32,767 characters, the cut said in the cell")
    func csvCells() throws {
        let long = String(repeating: "é", count: 40_000)
        let csv = try AuditOutput.state(.object(["note": .string(long), "short": .string("kept")]), title: "t", format: .csv)
        let rows = csv.split(separator: "\n")
        #expect(rows.count == 3)
        let noteRow = try #require(rows.first { $0.hasPrefix("note,") })
        let cell = noteRow.dropFirst("note,".count)
        #expect(cell.utf16.count <= AuditOutput.maximumCellLength)
        #expect(cell.hasSuffix("more characters: see --format json]"))
        #expect(rows.contains("short,kept"))
    }

    @Test("an unknown subject is a clear error")
    func unknown() async throws {
        let fixture = try await AuditFixture.make()
        let subjects = AuditSubjects(log: fixture.log)
        #expect(throws: AuditError.self) { try subjects.contact("nobody") }
        #expect(throws: AuditError.self) { try subjects.cpli("c-404") }
        let wrong = #expect(throws: AuditError.self) { try subjects.stream("bench-1") }
        #expect(wrong?.message.contains("known categories") == true)
    }
}

import ChildProcess
import Foundation
import Testing

/// The demo's history is spread over its weeks, as a council's would be: `portal audit as-of` and `audit who
/// --from` tell a believable story.
@Suite("portal serve --demo: a history over twelve weeks (real process)")
struct DemoHistoryTests {
    @Test("the demo's twelve weeks happen over twelve weeks: times never decrease, start a week before the history and end before now; audit who --from and as-of tell the story")
    func demoHistoryTimes() async throws {
        let started = Date()
        let server = try RunningServer()
        server.stop()
        let events = try SimulateCommandTests.events(server.data)
        let times = events.compactMap { ($0["recordedAt"] as? String).flatMap(SimulateCommandTests.instant) }
        try #require(times.count == events.count && !times.isEmpty)
        #expect(times == times.sorted(), "recorded-at never decreases")
        let span = times.last!.timeIntervalSince(times.first!)
        #expect(span > 12 * 7 * 86_400, "the history spans \(span / 86_400) days")
        #expect(times.last! <= started.addingTimeInterval(5), "nothing is recorded in the future")
        // Actuals are recorded week by week: on at least twelve different days.
        let actualDays = Set(events.filter { $0["type"] as? String == "ActualRecorded" }.compactMap { ($0["recordedAt"] as? String)?.prefix(10) })
        #expect(actualDays.count >= 12, "\(actualDays.sorted())")

        // The provider's changes in the last four weeks are a part of all of them.
        let fourWeeksAgo = ISO8601DateFormatter().string(from: started.addingTimeInterval(-28 * 86_400))
        let all = try PortalBinary.run(["audit", "who", "oasis-super-user-actuals", "--data", server.data.path, "--format", "json"])
        let recent = try PortalBinary.run(["audit", "who", "oasis-super-user-actuals", "--from", fourWeeksAgo, "--data", server.data.path, "--format", "json"])
        #expect(all.status == 0 && recent.status == 0, "\(all.standardError) \(recent.standardError)")
        let allCount = all.standardOutput.split(separator: "\n").count
        let recentCount = recent.standardOutput.split(separator: "\n").count
        #expect(recentCount > 0 && recentCount < allCount / 2, "\(recentCount) of \(allCount) changes in the last four weeks")

        // The paid invoice was created before it was paid, in another week: as of its creation it was not paid.
        let invoice = events.filter { ($0["stream"] as? String)?.hasPrefix("invoice-inv-oasis-p") == true }
        let created = try #require(invoice.first { $0["type"] as? String == "InvoiceCreated" })
        let paid = try #require(invoice.first { $0["type"] as? String == "InvoicePaid" && $0["stream"] as? String == created["stream"] as? String })
        let createdAt = try #require((created["recordedAt"] as? String).flatMap(SimulateCommandTests.instant))
        let paidAt = try #require((paid["recordedAt"] as? String).flatMap(SimulateCommandTests.instant))
        #expect(paidAt.timeIntervalSince(createdAt) >= 86_400, "paid a day or more after it was created")
        let id = String((created["stream"] as! String).dropFirst("invoice-".count))
        let asOf = try PortalBinary.run(["audit", "as-of", "invoice", id, "--at", ISO8601DateFormatter().string(from: createdAt.addingTimeInterval(3_600)),
                                         "--data", server.data.path, "--format", "json"])
        #expect(asOf.status == 0, "\(asOf.standardError)")
        #expect(asOf.standardOutput.contains("submitted") && !asOf.standardOutput.contains("\"paid\""), "\(asOf.standardOutput.prefix(600))")
    }

}

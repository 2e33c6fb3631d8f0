import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import Testing

@Suite("Application: the deployment's policy and period anchor are recorded in the data folder")
struct DeploymentSettingsApplicationTests {
    static let defaults = DeploymentSettings(policy: .norfolk, periodAnchor: TestPortal.date("2026-04-06"))

    /// A new data folder, removed when released.
    final class Folder: Sendable {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("portal-deployment-\(UUID().uuidString)")
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    func open(_ folder: Folder, _ requested: DeploymentSettings.Request) async throws -> Portal {
        try await Portal.open(dataDirectory: folder.url, deployment: requested, defaults: Self.defaults,
                              time: DeploymentTime(clock: TestClock(Timestamp(iso8601: "2026-11-25T10:00:00Z")!)), bcryptCost: 4)
    }

    @Test("the first start records its settings as a DeploymentConfigured event by a system job; later starts without them run under the recorded ones")
    func recordedOnce() async throws {
        let folder = Folder()
        let first = try await open(folder, .init(policy: .lancashire, periodAnchor: TestPortal.date("2025-04-07")))
        #expect(first.configuration.policy == .lancashire)
        #expect(first.configuration.calendar.anchor == TestPortal.date("2025-04-07"))
        let events = try first.log.readStream("deployment-settings")
        #expect(events.map(\.type) == ["DeploymentConfigured"])
        #expect(events.first?.position == 1)
        #expect(events.first?.actor.who == "system:deployment")
        #expect(String(decoding: events[0].payload, as: UTF8.self) == #"{"periodAnchor":"2025-04-07","policy":"lancashire"}"#)
        #expect(try first.holdsNoHistory())
        first.close()

        let second = try await open(folder, .init())
        #expect(second.configuration.policy == .lancashire, "the recorded policy, not the default")
        #expect(second.configuration.calendar.anchor == TestPortal.date("2025-04-07"))
        #expect(try second.recordedDeploymentSettings() == DeploymentSettings(policy: .lancashire, periodAnchor: TestPortal.date("2025-04-07")))
        #expect(try second.log.head().position == 1, "nothing recorded again")
        second.close()

        let same = try await open(folder, .init(policy: .lancashire))
        #expect(same.configuration.policy == .lancashire)
        #expect(try same.log.head().position == 1)
        same.close()
    }

    @Test("refused — a start asking for another policy or period anchor than the recorded ones, naming both values; nothing is written")
    func disagreeingStart() async throws {
        let folder = Folder()
        let first = try await open(folder, .init())
        #expect(first.configuration.policy == .norfolk)
        #expect(first.configuration.calendar.anchor == TestPortal.date("2026-04-06"))
        first.close()

        let policy = await #expect(throws: DomainError.self) { try await open(folder, .init(policy: .lancashire)) }
        #expect(policy?.field == "policy")
        #expect(policy?.message.contains("lancashire") == true && policy?.message.contains("norfolk") == true)
        let anchor = await #expect(throws: DomainError.self) { try await open(folder, .init(periodAnchor: TestPortal.date("2026-04-13"))) }
        #expect(anchor?.field == "periodAnchor")
        #expect(anchor?.message.contains("2026-04-13") == true && anchor?.message.contains("2026-04-06") == true)

        // The refused starts left the folder closed and unchanged: it opens again, under the recorded settings.
        let again = try await open(folder, .init())
        #expect(try again.log.head().position == 1)
        #expect(again.configuration.policy == .norfolk)
        again.close()
    }

    @Test("a data folder with history but no recorded settings gets them at its next start; a new folder holds no history but the settings")
    func historyBeforeTheSettings() async throws {
        let folder = Folder()
        let old = try Portal.open(dataDirectory: folder.url, configuration: .init(
            policy: .lancashire, calendar: try PeriodCalendar(anchor: TestPortal.date("2026-04-06")),
            time: DeploymentTime(clock: TestClock(Timestamp(iso8601: "2026-11-25T10:00:00Z")!))), bcryptCost: 4)
        _ = try await old.registerCouncilUser("helpdesk-1", person: Person(forename: "Helen", surname: "Desk", email: "helen@council.example"),
                                              team: .helpdesk, CommandRequest(actor: .system(job: "bootstrap")))
        #expect(try old.recordedDeploymentSettings() == nil)
        old.close()

        let upgraded = try await open(folder, .init(policy: .lancashire))
        #expect(try upgraded.recordedDeploymentSettings()?.policy == .lancashire)
        #expect(try !upgraded.holdsNoHistory())
        #expect(try upgraded.log.readStream("deployment-settings").first?.position == 3, "after the two events of the registration")
        upgraded.close()
        let refused = await #expect(throws: DomainError.self) { try await open(folder, .init(policy: .norfolk)) }
        #expect(refused?.field == "policy")
    }
}

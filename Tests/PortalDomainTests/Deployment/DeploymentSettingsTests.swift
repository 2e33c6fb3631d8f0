import Chronology
import Foundation
import PortalDomain
import Testing

@Suite("Deployment settings: recorded once, never changed")
struct DeploymentSettingsTests {
    typealias F = Fixture
    static let defaults = DeploymentSettings(policy: .norfolk, periodAnchor: F.date("2026-04-06"))
    let system = F.context(.system(job: "deployment"))

    func settle(_ requested: DeploymentSettings.Request, _ state: Deployment.State = Deployment.initialState) throws -> [DeploymentEvent] {
        try Deployment.decide(.settle(requested: requested, defaults: Self.defaults), state, system)
    }

    func recorded(_ policy: PolicyProfile, _ anchor: String) -> Deployment.State {
        Deployment.fold([.configured(DeploymentConfigured(policy: policy.name, periodAnchor: F.date(anchor)))])
    }

    @Test("a first start records what it asks for, the defaults where it asks for nothing")
    func firstStart() throws {
        #expect(try settle(.init()) == [.configured(DeploymentConfigured(policy: "norfolk", periodAnchor: F.date("2026-04-06")))])
        #expect(try settle(.init(policy: .lancashire)) == [.configured(DeploymentConfigured(policy: "lancashire", periodAnchor: F.date("2026-04-06")))])
        #expect(try settle(.init(periodAnchor: F.date("2025-04-07"))) == [.configured(DeploymentConfigured(policy: "norfolk", periodAnchor: F.date("2025-04-07")))])
    }

    @Test("R-PER-1: refused — a first start whose period anchor is not a Monday records nothing")
    func anchorNotMonday() {
        let error = #expect(throws: DomainError.self) { try settle(.init(periodAnchor: F.date("2026-04-07"))) }
        #expect(error?.field == "periodAnchor")
        #expect(error?.rule == "R-PER-1")
        #expect(error?.message.contains("2026-04-07") == true)
    }

    @Test("a later start that leaves the settings out, or asks for the recorded ones, records nothing and runs under them")
    func laterStart() throws {
        let state = recorded(.lancashire, "2025-04-07")
        #expect(try settle(.init(), state).isEmpty)
        #expect(try settle(.init(policy: .lancashire), state).isEmpty)
        #expect(try settle(.init(policy: .lancashire, periodAnchor: F.date("2025-04-07")), state).isEmpty)
        #expect(try state.configured?.settings() == DeploymentSettings(policy: .lancashire, periodAnchor: F.date("2025-04-07")))
    }

    @Test("refused — a later start asking for another policy or anchor, naming both values")
    func disagreeing() {
        let state = recorded(.norfolk, "2026-04-06")
        let policy = #expect(throws: DomainError.self) { try settle(.init(policy: .lancashire), state) }
        #expect(policy?.field == "policy")
        #expect(policy?.message.contains("policy lancashire was asked for") == true)
        #expect(policy?.message.contains("recorded under policy norfolk") == true)
        #expect(policy?.isWrongState == true)
        let anchor = #expect(throws: DomainError.self) { try settle(.init(periodAnchor: F.date("2025-04-07")), state) }
        #expect(anchor?.field == "periodAnchor")
        #expect(anchor?.message.contains("2025-04-07") == true && anchor?.message.contains("2026-04-06") == true)
        #expect(anchor?.rule == "R-PER-1")
        let both = #expect(throws: DomainError.self) { try settle(.init(policy: .lancashire, periodAnchor: F.date("2025-04-07")), state) }
        #expect(both?.message.contains("lancashire") == true && both?.message.contains("2025-04-07") == true)
    }

    @Test("only a system job records the settings")
    func permission() {
        let command = Deployment.Command.settle(requested: .init(), defaults: Self.defaults)
        #expect(Authorisation.allows(.system(job: "deployment"), command.requiredPermission, organisation: nil))
        #expect(!Authorisation.allows(.council(user: "h-1", team: .helpdesk), command.requiredPermission, organisation: nil))
        #expect(!Authorisation.allows(.provider(user: "u-1", organisation: F.organisation, role: .superUserScheduled), command.requiredPermission, organisation: F.organisation))
    }

    @Test("the settings' stream is a domain category, folded by the registry")
    func registered() throws {
        #expect(EventRegistry.streamKind(ofCategory: "deployment") != nil)
        #expect(Deployment.streamID(Deployment.settingsID) == "deployment-settings")
        let event = DeploymentEvent.configured(DeploymentConfigured(policy: "lancashire", periodAnchor: F.date("2026-04-06")))
        let bytes = try EventCoding.encode(event.payload)
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"periodAnchor":"2026-04-06","policy":"lancashire"}"#)
        #expect(try EventRegistry.decode(DeploymentEvent.self, type: "DeploymentConfigured", schemaVersion: 1, payload: bytes) == event)
    }
}

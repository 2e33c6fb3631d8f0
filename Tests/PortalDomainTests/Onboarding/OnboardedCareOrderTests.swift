import Chronology
import PortalDomain
import Testing

/// A care order the provider agreed in the council's earlier system is brought in at onboarding as published
/// and agreed in one step, recorded as the council's with a reason (never as the provider's own agreement).
@Suite("R-ISO-1 at onboarding: care orders agreed before the portal")
struct OnboardedCareOrderTests {
    typealias F = Fixture
    static let operatorActor = Actor.operator(osUser: "ops")

    static func service(organisation: OrganisationID = F.organisation) -> Service.State {
        var state = Service.initialState
        state.registration = ServiceRegistered(
            serviceID: F.service, organisationID: organisation, contractID: "k-1",
            details: ContactDetails(name: "Oasis", addressLines: ["1 Street"], postcode: "IP1 2TN"), startDate: F.date("2026-04-06"))
        return state
    }

    static let publication = ISOPublished(isoID: "iso-1", organisationID: F.organisation, serviceID: F.service, clientReference: " C1001 ",
                                          clientName: "Zoë Ødegård", cpliIDs: ["cpli-1", "cpli-2"])

    @Test("onboarding an agreed ISO gives ISOPublished then ISOAgreementRecorded with the reason; the ISO is agreed")
    func onboardAgreed() throws {
        let events = try ISO.decide(.onboardAgreed(Self.publication, service: Self.service(), reason: " agreed in the old system "),
                                    ISO.initialState, F.context(Self.operatorActor))
        guard events.count == 2, case .published(let published) = events[0], case .agreementRecorded(let recorded) = events[1] else {
            Issue.record("expected published then agreementRecorded, got \(events)")
            return
        }
        #expect(published.clientReference == "C1001" && published.clientName == "Zoë Ødegård")
        #expect(recorded == ISOAgreementRecorded(isoID: "iso-1", cpliIDs: ["cpli-1", "cpli-2"], reason: "agreed in the old system"))
        #expect(ISO.fold(events).status == .agreed)
        #expect(ISO.Command.onboardAgreed(Self.publication, service: Self.service(), reason: "x").requiredPermission == .edit(.commissioning))
    }

    @Test("onboarding refuses what publishing refuses (an existing ISO, another organisation's service, no CPLI) and a missing reason")
    func refusals() throws {
        let context = F.context(Self.operatorActor)
        let noReason = #expect(throws: DomainError.self) {
            try ISO.decide(.onboardAgreed(Self.publication, service: Self.service(), reason: " "), ISO.initialState, context)
        }
        #expect(noReason?.field == "reason")
        let otherService = #expect(throws: DomainError.self) {
            try ISO.decide(.onboardAgreed(Self.publication, service: Self.service(organisation: "elsewhere"), reason: "r"), ISO.initialState, context)
        }
        #expect(otherService?.field == "serviceID")
        var empty = Self.publication
        empty.cpliIDs = []
        let none = #expect(throws: DomainError.self) { try ISO.decide(.onboardAgreed(empty, service: Self.service(), reason: "r"), ISO.initialState, context) }
        #expect(none?.field == "cplis")
        let existing = ISO.fold(try ISO.decide(.publish(Self.publication, service: Self.service()), ISO.initialState, context))
        let duplicate = #expect(throws: DomainError.self) { try ISO.decide(.onboardAgreed(Self.publication, service: Self.service(), reason: "r"), existing, context) }
        #expect(duplicate?.isDuplicate == true)
    }

    @Test("R-ROLE: brokerage and the operator may onboard care orders; a provider may not record its own agreement this way")
    func permission() {
        let permission = ISO.Command.onboardAgreed(Self.publication, service: Self.service(), reason: "r").requiredPermission
        #expect(Authorisation.allows(.council(user: "b", team: .serviceBrokerage), permission, organisation: F.organisation))
        #expect(Authorisation.allows(Self.operatorActor, permission, organisation: F.organisation))
        #expect(!Authorisation.allows(.provider(user: "u", organisation: F.organisation, role: .superUserScheduled), permission, organisation: F.organisation))
        #expect(!Authorisation.allows(.council(user: "p", team: .procurement), permission, organisation: F.organisation))
    }
}

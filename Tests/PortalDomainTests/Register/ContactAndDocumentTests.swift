import Chronology
import Foundation
import PortalDomain
import Testing

@Suite("R-CON, R-ISO: change requests, contacts and contract documents")
struct ContactAndDocumentTests {
    typealias F = Fixture
    let helpdesk = Actor.council(user: "h-1", team: .helpdesk)
    let admin = Actor.provider(user: "boss", organisation: Fixture.organisation, role: .administration)
    let brokerage = Actor.council(user: "b-1", team: .serviceBrokerage)
    let details = ContactDetails(name: "Oasis Care and Support", addressLines: ["1 Oasis Street"], postcode: "ip1 2tn")

    func run<S: EventStream>(_ stream: S.Type, _ steps: [(S.Command, Actor)], from state: S.State = S.initialState) throws -> S.State {
        try steps.reduce(state) { state, step in
            try S.decide(step.0, state, F.context(step.1)).reduce(state, S.evolve)
        }
    }

    @Test("R-CON-1: a details change request changes nothing until the helpdesk accepts it")
    func detailsChange() throws {
        let procurement = Actor.council(user: "p-1", team: .procurement)
        var state = try run(Organisation.self, [(.register(F.organisation, details), procurement)])
        #expect(state.details?.postcode == "IP1 2TN")
        var moved = details
        moved.addressLines = ["2 New Road"]
        state = try run(Organisation.self, [(.changeDetails(.request("cr-1", moved)), admin)], from: state)
        #expect(state.details?.addressLines == ["1 Oasis Street"])
        let rejected = try run(Organisation.self, [(.changeDetails(.reject("cr-1", reason: "wrong road")), helpdesk)], from: state)
        #expect(rejected.details?.addressLines == ["1 Oasis Street"])
        let accepted = try run(Organisation.self, [(.changeDetails(.accept("cr-1")), helpdesk)], from: state)
        #expect(accepted.details?.addressLines == ["2 New Road"])
        let twice = #expect(throws: DomainError.self) {
            try run(Organisation.self, [(.changeDetails(.accept("cr-1")), helpdesk)], from: accepted)
        }
        #expect(twice?.rule == "R-CON-1")
        #expect(throws: DomainError.self) { try run(Organisation.self, [(.changeDetails(.reject("cr-1", reason: " ")), helpdesk)], from: state) }
    }

    func registeredService() throws -> Service.State {
        let procurement = Actor.council(user: "p-1", team: .procurement)
        let contract = try run(Contract.self, [(.register(ContractRegistered(
            contractID: "k-1", organisationID: F.organisation, name: "Home support", contractType: .block2013,
            paymentBasis: .invoiced, startDate: F.date("2026-01-05")), organisationIsRegistered: true), procurement)])
        return try run(Service.self, [(.register(ServiceRegistered(
            serviceID: F.service, organisationID: F.organisation, contractID: "k-1", details: details,
            startDate: F.date("2026-11-16")), contract: contract), procurement)])
    }

    @Test("R-CON-1: a service's details change only when the helpdesk accepts the request; a rejection keeps them")
    func serviceDetailsChange() throws {
        var state = try registeredService()
        var moved = details
        moved.addressLines = ["2 New Road"]
        moved.telephone = "01473 000111"
        state = try run(Service.self, [(.changeDetails(.request("cr-1", moved)), admin)], from: state)
        #expect(state.details?.addressLines == ["1 Oasis Street"], "a request alone changes nothing")
        #expect(state.changeRequests.open["cr-1"]?.addressLines == ["2 New Road"])
        let rejected = try run(Service.self, [(.changeDetails(.reject("cr-1", reason: "not this service's address")), helpdesk)], from: state)
        #expect(rejected.details?.addressLines == ["1 Oasis Street"])
        #expect(rejected.changeRequests.open.isEmpty)
        let accepted = try run(Service.self, [(.changeDetails(.accept("cr-1")), helpdesk)], from: state)
        #expect(accepted.details?.addressLines == ["2 New Road"])
        #expect(accepted.details?.telephone == "01473 000111")
        // The provider requests (service details), only the helpdesk decides.
        #expect(Service.Command.changeDetails(.request("cr-1", moved)).requiredPermission == .edit(.serviceDetails))
        #expect(Service.Command.changeDetails(.accept("cr-1")).requiredPermission == .edit(.changeRequestDecisions))
        #expect(!Authorisation.allows(admin, .edit(.changeRequestDecisions), organisation: F.organisation))
    }

    @Test("R-CON-1: refused service details steps — a decided request again, a reused id, a rejection without a reason, an unknown request, bad details")
    func serviceDetailsRefused() throws {
        var moved = details
        moved.addressLines = ["2 New Road"]
        let state = try run(Service.self, [(.changeDetails(.request("cr-1", moved)), admin)], from: try registeredService())
        let accepted = try run(Service.self, [(.changeDetails(.accept("cr-1")), helpdesk)], from: state)
        let twice = #expect(throws: DomainError.self) { try run(Service.self, [(.changeDetails(.reject("cr-1", reason: "late")), helpdesk)], from: accepted) }
        #expect(twice?.rule == "R-CON-1")
        #expect(twice?.field == "requestID")
        let reused = #expect(throws: DomainError.self) { try run(Service.self, [(.changeDetails(.request("cr-1", moved)), admin)], from: accepted) }
        #expect(reused?.isDuplicate == true)
        let noReason = #expect(throws: DomainError.self) { try run(Service.self, [(.changeDetails(.reject("cr-1", reason: "  ")), helpdesk)], from: state) }
        #expect(noReason?.field == "reason")
        let unknown = #expect(throws: DomainError.self) { try run(Service.self, [(.changeDetails(.accept("cr-9")), helpdesk)], from: state) }
        #expect(unknown?.isNotFound == true)
        var blank = details
        blank.name = " "
        let bad = #expect(throws: DomainError.self) { try run(Service.self, [(.changeDetails(.request("cr-2", blank)), admin)], from: state) }
        #expect(bad?.field == "name")
        let none = #expect(throws: DomainError.self) { try run(Service.self, [(.changeDetails(.request("cr-2", moved)), admin)]) }
        #expect(none?.field == "serviceID")
    }

    @Test("R-CON-1: a contact creation rejected by the helpdesk gives no access; it cannot then be accepted, and a rejection needs a reason")
    func contactCreationRejected() throws {
        let person = Person(forename: "John", surname: "Smith", email: "jsmith@testsystem.co.uk")
        let requested = try run(User.self, [
            (.requestContactCreation("u-7", "cr-1", organisation: F.organisation, person: person, role: .payments), admin),
        ])
        #expect(requested.status == .creationRequested)
        #expect(requested.actor == nil)
        let noReason = #expect(throws: DomainError.self) { try run(User.self, [(.rejectContactCreation("cr-1", reason: ""), helpdesk)], from: requested) }
        #expect(noReason?.field == "reason")
        let rejected = try run(User.self, [(.rejectContactCreation("cr-1", reason: "not an employee"), helpdesk)], from: requested)
        #expect(rejected.status == .creationRejected)
        #expect(rejected.actor == nil)
        #expect(rejected.accessProblem(today: F.date("2026-11-25")) != nil)
        let late = #expect(throws: DomainError.self) { try run(User.self, [(.acceptContactCreation("cr-1"), helpdesk)], from: rejected) }
        #expect(late?.field == "requestID")
        let events = try User.decide(.rejectContactCreation("cr-1", reason: "  not an employee "), requested, F.context(helpdesk))
        guard case .contactCreationRejected(let event)? = events.first else {
            Issue.record("expected ContactCreationRejected, got \(events)")
            return
        }
        #expect(event.reason == "not an employee")
    }

    @Test("R-CON-1: a contact amendment rejected by the helpdesk keeps the contact as it was; it cannot then be accepted")
    func contactAmendRejected() throws {
        let person = Person(forename: "John", surname: "Smith", email: "jsmith@testsystem.co.uk")
        let renamed = Person(forename: "Johnny", surname: "Smith", email: "johnny@testsystem.co.uk")
        let requested = try run(User.self, [
            (.requestContactCreation("u-7", "cr-1", organisation: F.organisation, person: person, role: .payments), admin),
            (.acceptContactCreation("cr-1"), helpdesk),
            (.requestContactAmend("cr-2", person: renamed, role: .readOnly), admin),
        ])
        let noReason = #expect(throws: DomainError.self) { try run(User.self, [(.rejectContactAmend("cr-2", reason: " "), helpdesk)], from: requested) }
        #expect(noReason?.field == "reason")
        let rejected = try run(User.self, [(.rejectContactAmend("cr-2", reason: "role not allowed"), helpdesk)], from: requested)
        #expect(rejected.actor == .provider(user: "u-7", organisation: F.organisation, role: .payments))
        #expect(rejected.person?.email == "jsmith@testsystem.co.uk")
        #expect(rejected.changeRequests.open.isEmpty)
        let late = #expect(throws: DomainError.self) { try run(User.self, [(.acceptContactAmend("cr-2"), helpdesk)], from: rejected) }
        #expect(late?.rule == "R-CON-1")
        let unknown = #expect(throws: DomainError.self) { try run(User.self, [(.rejectContactAmend("cr-9", reason: "no"), helpdesk)], from: requested) }
        #expect(unknown?.isNotFound == true)
    }

    @Test("R-CON-2: accepting a role removal ends the contact's access at once; rejecting keeps it")
    func roleRemoval() throws {
        let person = Person(forename: "John", surname: "Smith", email: "jsmith@testsystem.co.uk")
        var state = try run(User.self, [
            (.requestContactCreation("u-7", "cr-1", organisation: F.organisation, person: person, role: .payments), admin),
            (.acceptContactCreation("cr-1"), helpdesk),
            (.requestRoleRemoval("cr-2"), admin),
        ])
        #expect(state.actor == .provider(user: "u-7", organisation: F.organisation, role: .payments))
        let kept = try run(User.self, [(.rejectRoleRemoval("cr-2", reason: "still employed"), helpdesk)], from: state)
        #expect(kept.actor != nil)
        state = try run(User.self, [(.acceptRoleRemoval("cr-2"), helpdesk)], from: state)
        #expect(state.actor == nil)
        #expect(state.accessProblem(today: F.date("2026-11-25"))?.rule == "R-CON-2")
        #expect(throws: DomainError.self) { try run(User.self, [(.requestContactAmend("cr-3", person: person, role: .readOnly), admin)], from: state) }
    }

    @Test("R-CON-1: a contact amendment changes the role only on acceptance")
    func amend() throws {
        let person = Person(forename: "John", surname: "Smith", email: "jsmith@testsystem.co.uk")
        var state = try run(User.self, [
            (.requestContactCreation("u-7", "cr-1", organisation: F.organisation, person: person, role: .payments), admin),
            (.acceptContactCreation("cr-1"), helpdesk),
            (.requestContactAmend("cr-2", person: person, role: .readOnly), admin),
        ])
        #expect(state.actor == .provider(user: "u-7", organisation: F.organisation, role: .payments))
        state = try run(User.self, [(.acceptContactAmend("cr-2"), helpdesk)], from: state)
        #expect(state.actor == .provider(user: "u-7", organisation: F.organisation, role: .readOnly))
        let bad = #expect(throws: DomainError.self) {
            try run(User.self, [(.requestContactAmend("cr-3", person: Person(forename: "J", surname: "S", email: "not-an-email"), role: .readOnly), admin)], from: state)
        }
        #expect(bad?.field == "email")
    }

    func publishedISO() throws -> (ISO.State, Service.State) {
        let procurement = Actor.council(user: "p-1", team: .procurement)
        let contract = try run(Contract.self, [(.register(ContractRegistered(
            contractID: "k-1", organisationID: F.organisation, name: "Home support", contractType: .block2013,
            paymentBasis: .invoiced, startDate: F.date("2026-01-05")), organisationIsRegistered: true), procurement)])
        let service = try run(Service.self, [(.register(ServiceRegistered(
            serviceID: F.service, organisationID: F.organisation, contractID: "k-1", details: details,
            startDate: F.date("2026-11-16")), contract: contract), procurement)])
        let iso = try run(ISO.self, [(.publish(ISOPublished(
            isoID: "iso-1", organisationID: F.organisation, serviceID: F.service, clientReference: "C1001",
            clientName: "Ann Example", cpliIDs: ["cpli-1"]), service: service), brokerage)])
        return (iso, service)
    }

    @Test("R-ISO-1: only a published ISO can be agreed or rejected; rejection needs a reason")
    func isoLifecycle() throws {
        let (published, _) = try publishedISO()
        let agreed = try run(ISO.self, [(.agree, admin)], from: published)
        #expect(agreed.status == .agreed)
        let again = #expect(throws: DomainError.self) { try run(ISO.self, [(.reject(reason: "typo"), admin)], from: agreed) }
        #expect(again?.rule == "R-ISO-1")
        let noReason = #expect(throws: DomainError.self) { try run(ISO.self, [(.reject(reason: "  "), admin)], from: published) }
        #expect(noReason?.rule == "R-ISO-1")
        let rejected = try run(ISO.self, [(.reject(reason: "wrong rate"), admin)], from: published)
        #expect(rejected.status == .rejected)
        #expect(throws: DomainError.self) { try run(ISO.self, [(.agree, admin)], from: rejected) }
    }

    @Test("R-ISO-3: a CPLI is commissioned by publication and active only when its ISO is agreed")
    func cpliActivation() throws {
        var cpli = try run(CPLI.self, [(.commission(F.definition(), original: nil), brokerage)])
        #expect(cpli.status == .commissioned)
        cpli = try run(CPLI.self, [(.activate("iso-1"), admin)], from: cpli)
        #expect(cpli.status == .active)
        #expect(throws: DomainError.self) { try run(CPLI.self, [(.activate("iso-2"), admin)], from: cpli) }
    }

    @Test("R-ISO-3: a service lists each CPLI commissioned for it once, in commission order, and only its own")
    func serviceCPLIList() throws {
        let first = F.definition("cpli-1"), second = F.definition("cpli-2")
        let listed = try run(ServiceCPLIs.self, [(.list(second), brokerage), (.list(first), brokerage)])
        #expect(listed.cpliIDs == ["cpli-2", "cpli-1"])
        #expect(listed.serviceID == first.serviceID)
        let again = #expect(throws: DomainError.self) { try run(ServiceCPLIs.self, [(.list(first), brokerage)], from: listed) }
        #expect(again?.field == "cpliID")
        var elsewhere = F.definition("cpli-3")
        elsewhere.serviceID = "s-other"
        let wrong = #expect(throws: DomainError.self) { try run(ServiceCPLIs.self, [(.list(elsewhere), brokerage)], from: listed) }
        #expect(wrong?.field == "serviceID")
    }

    @Test("R-INV-5: a temporary CPLI tops up a CPLI of the same client and service")
    func temporaryCPLI() throws {
        let original = F.activeCPLI()
        var temporary = F.definition("cpli-2")
        temporary.temporaryOf = "cpli-1"
        let state = try run(CPLI.self, [(.commission(temporary, original: original), brokerage)])
        #expect(state.definition?.temporaryOf == "cpli-1")
        #expect(throws: DomainError.self) { try run(CPLI.self, [(.commission(temporary, original: nil), brokerage)]) }
        var otherClient = temporary
        otherClient.clientReference = "C2002"
        let error = #expect(throws: DomainError.self) { try run(CPLI.self, [(.commission(otherClient, original: original), brokerage)]) }
        #expect(error?.field == "temporaryOf")
    }
}

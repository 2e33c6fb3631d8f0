import Chronology
import EventLog
import Foundation
import PortalApplication
import PortalDomain
import Testing

@Suite("Application: accounts, contacts and roles")
struct AccessAndContactTests {
    @Test("R-ACC-1: a first password works only to change it; nothing else is allowed before")
    func firstPassword() async throws {
        let test = try await TestPortal.make()
        let person = Person(forename: "Pat", surname: "New", email: "pat@oasis.example")
        _ = try await test.portal.requestContactCreation("pat", requestID: "cr-pat", organisation: test.organisation, person: person,
                                                          role: .payments, test.request(test.superUser))
        let first = try #require(try await test.portal.acceptContactCreation("pat", requestID: "cr-pat", test.request(test.helpdesk)).value)
        try AccessRules.checkPassword(first)
        let login = try await test.portal.logIn(username: "PAT@oasis.example", password: first, passcode: nil)
        #expect(login.mustChangePassword)
        #expect(login.mustSetPasscode)
        let pat = login.actor
        let refused = await #expect(throws: DomainError.self) {
            try await test.portal.confirmWeek(test.period9, test.week1, test.request(pat))
        }
        #expect(refused?.rule == "R-ACC-1")
        _ = try await test.portal.changePassword(current: first, new: TestPortal.newPassword, test.request(pat))
        _ = try await test.portal.setPasscode("120582", test.request(pat))
        let again = try await test.portal.logIn(username: "pat@oasis.example", password: TestPortal.newPassword, passcode: "120582")
        #expect(!again.mustChangePassword)
        #expect(!again.mustSetPasscode)
        #expect(try await test.portal.confirmWeek(test.period9, test.week1, test.request(pat)).eventCount == 1)
    }

    @Test("R-ACC-7: the log holds security facts but never a password or passcode; the store holds only bcrypt hashes")
    func noSecretsInTheLog() async throws {
        let test = try await TestPortal.make()
        _ = try await test.portal.setPasscode("120582", test.request(test.superUser))
        _ = await #expect(throws: PortalError.self) {
            try await test.portal.logIn(username: "oasis-su@oasis.example", password: "Wrong-guess-99", passcode: "120582")
        }
        let text = try test.allPayloadText()
        #expect(try test.log.readAll(from: 1, limit: 10_000).contains { $0.type == "PasswordChanged" })
        for secret in [TestPortal.newPassword, "120582", "Wrong-guess-99"] {
            #expect(!text.contains(secret))
        }
        let record = try #require(try test.portal.credentials.record(of: "oasis-su"))
        #expect(record.passwordHash?.hasPrefix("$2") == true)
        #expect(record.passwordHash?.contains(TestPortal.newPassword) == false)
        #expect(record.passcodeHash?.hasPrefix("$2") == true)
        #expect(!record.isFirstPassword)
        let events = try test.log.readStream("user-oasis-su").map(\.type)
        #expect(events.contains("LoginFailed"))
    }

    @Test("R-ACC-4: three wrong passwords lock the account; the right one is then refused; a helpdesk reset unlocks")
    func lockout() async throws {
        let test = try await TestPortal.make()
        for _ in 0..<2 {
            await #expect(throws: PortalError.self) {
                try await test.portal.logIn(username: "oasis-su@oasis.example", password: "Nope-12345", passcode: nil)
            }
        }
        let locked = await #expect(throws: DomainError.self) {
            try await test.portal.logIn(username: "oasis-su@oasis.example", password: "Nope-12345", passcode: nil)
        }
        #expect(locked?.rule == "R-ACC-4")
        let stillLocked = await #expect(throws: DomainError.self) {
            try await test.portal.logIn(username: "oasis-su@oasis.example", password: TestPortal.newPassword, passcode: nil)
        }
        #expect(stillLocked?.rule == "R-ACC-4")
        #expect(try test.log.readStream("user-oasis-su").map(\.type).filter { $0 == "AccountLocked" }.count == 1)
        let reset = try #require(try await test.portal.resetPassword("oasis-su", test.request(test.helpdesk)).value)
        let login = try await test.portal.logIn(username: "oasis-su@oasis.example", password: reset, passcode: nil)
        #expect(login.mustChangePassword)
    }

    @Test("R-ACC-6: the suspension job suspends accounts unused for 60 days; helpdesk reactivates")
    func suspension() async throws {
        let test = try await TestPortal.make()
        test.clock.set(Timestamp(iso8601: "2027-01-23T10:00:00Z")!) // 59 days after the accounts were set up
        #expect(try await test.portal.suspendUnusedAccounts().isEmpty)
        test.clock.set(Timestamp(iso8601: "2027-01-24T10:00:00Z")!)
        let suspended = try await test.portal.suspendUnusedAccounts()
        #expect(suspended.contains("oasis-su"))
        let refused = #expect(throws: DomainError.self) { try test.portal.actor(forUser: "oasis-su") }
        #expect(refused?.rule == "R-ACC-6")
        // The helpdesk is suspended too; the bootstrap job registers a new helpdesk member to reactivate.
        let helper = try await test.staff("helpdesk-2", .helpdesk)
        _ = try await test.portal.reactivate("oasis-su", test.request(helper))
        #expect(try test.portal.actor(forUser: "oasis-su") == test.superUser)
    }

    @Test("R-CON-2: accepting a role removal ends the contact's access at once")
    func roleRemoval() async throws {
        let test = try await TestPortal.make()
        let payer = try await test.contact("payer", of: test.organisation, role: .payments, requestedBy: test.superUser)
        #expect(try test.portal.actor(forUser: "payer") == payer)
        _ = try await test.portal.requestRoleRemoval("payer", requestID: "cr-rm", test.request(test.superUser))
        #expect(try test.portal.actor(forUser: "payer") == payer)
        _ = try await test.portal.acceptRoleRemoval("payer", requestID: "cr-rm", test.request(test.helpdesk))
        let session = #expect(throws: DomainError.self) { try test.portal.actor(forUser: "payer") }
        #expect(session?.rule == "R-CON-2")
        let head = try test.head()
        let command = await #expect(throws: DomainError.self) {
            try await test.portal.confirmWeek(test.period9, test.week1, test.request(payer))
        }
        #expect(command?.rule == "R-CON-2")
        #expect(try test.head() == head)
    }

    @Test("R-ROLE-1: payments may not request contacts; administration may; R-ROLE-2: not for another organisation")
    func contactsByRole() async throws {
        let test = try await TestPortal.make()
        let payer = try await test.contact("payer", of: test.organisation, role: .payments)
        let admin = try await test.contact("admin", of: test.organisation, role: .administration)
        let person = Person(forename: "Sam", surname: "Example", email: "sam@oasis.example")
        let head = try test.head()
        let refused = await #expect(throws: AccessRefused.self) {
            try await test.portal.requestContactCreation("sam", requestID: "cr-sam", organisation: test.organisation, person: person, role: .readOnly, test.request(payer))
        }
        #expect(refused?.missingPermission == .edit(.contacts))
        try await test.registerProvider("elsewhere", service: "elsewhere-hs")
        let foreign = await #expect(throws: AccessRefused.self) {
            try await test.portal.requestContactCreation("sam", requestID: "cr-sam", organisation: "elsewhere", person: person, role: .readOnly, test.request(admin))
        }
        #expect(foreign?.rule == "R-ROLE-2")
        #expect(try test.head() > head) // only the registration of `elsewhere` was written
        let accepted = try await test.portal.requestContactCreation("sam", requestID: "cr-sam", organisation: test.organisation, person: person, role: .readOnly, test.request(admin))
        #expect(accepted.eventCount == 1)
    }

    @Test("R-CON-1: an organisation's details change only when the helpdesk accepts the request")
    func organisationDetails() async throws {
        let test = try await TestPortal.make()
        var moved = test.details
        moved.addressLines = ["2 New Road"]
        _ = try await test.portal.changeOrganisationDetails(test.organisation, .request("cr-move", moved), test.request(test.superUser))
        #expect(try test.portal.state(of: Organisation.self, "oasis").details?.addressLines == ["1 Oasis Street"])
        await #expect(throws: AccessRefused.self) {
            try await test.portal.changeOrganisationDetails(test.organisation, .accept("cr-move"), test.request(test.superUser))
        }
        _ = try await test.portal.changeOrganisationDetails(test.organisation, .accept("cr-move"), test.request(test.helpdesk))
        #expect(try test.portal.state(of: Organisation.self, "oasis").details?.addressLines == ["2 New Road"])
    }

    @Test("R-CON-1: a service's details change only when the helpdesk accepts the request; a rejection keeps them; the provider may not decide")
    func serviceDetails() async throws {
        let test = try await TestPortal.make()
        var moved = test.details
        moved.addressLines = ["2 New Road"]
        _ = try await test.portal.changeServiceDetails(test.service, .request("cr-svc-1", moved), test.request(test.superUser))
        #expect(try test.portal.state(of: Service.self, "oasis-hs").details?.addressLines == ["1 Oasis Street"])
        let head = try test.head()
        let provider = await #expect(throws: AccessRefused.self) {
            try await test.portal.changeServiceDetails(test.service, .accept("cr-svc-1"), test.request(test.superUser))
        }
        #expect(provider?.missingPermission == .edit(.changeRequestDecisions))
        let noReason = await #expect(throws: DomainError.self) {
            try await test.portal.changeServiceDetails(test.service, .reject("cr-svc-1", reason: " "), test.request(test.helpdesk))
        }
        #expect(noReason?.field == "reason")
        #expect(try test.head() == head, "refusals write nothing")

        _ = try await test.portal.changeServiceDetails(test.service, .reject("cr-svc-1", reason: "that is the office, not the service"), test.request(test.helpdesk))
        #expect(try test.portal.state(of: Service.self, "oasis-hs").details?.addressLines == ["1 Oasis Street"])
        let decided = await #expect(throws: DomainError.self) {
            try await test.portal.changeServiceDetails(test.service, .accept("cr-svc-1"), test.request(test.helpdesk))
        }
        #expect(decided?.rule == "R-CON-1")

        _ = try await test.portal.changeServiceDetails(test.service, .request("cr-svc-2", moved), test.request(test.superUser))
        _ = try await test.portal.changeServiceDetails(test.service, .accept("cr-svc-2"), test.request(test.helpdesk))
        #expect(try test.portal.state(of: Service.self, "oasis-hs").details?.addressLines == ["2 New Road"])
        #expect(try test.types(of: "service-oasis-hs").suffix(4) == [
            "ServiceDetailsChangeRequested", "ServiceDetailsChangeRejected", "ServiceDetailsChangeRequested", "ServiceDetailsChangeAccepted",
        ])
        // A payments contact may not even ask (R-ROLE: service details are administration's, reports' and super users').
        let payer = try await test.contact("payer", of: test.organisation, role: .payments)
        let role = await #expect(throws: AccessRefused.self) {
            try await test.portal.changeServiceDetails(test.service, .request("cr-svc-3", moved), test.request(payer))
        }
        #expect(role?.missingPermission == .edit(.serviceDetails))
    }

    @Test("R-CON-1: a contact creation the helpdesk rejects gives no account and no username; it cannot be accepted afterwards")
    func contactCreationRejected() async throws {
        let test = try await TestPortal.make()
        let person = Person(forename: "Pat", surname: "New", email: "pat@oasis.example")
        _ = try await test.portal.requestContactCreation("pat", requestID: "cr-pat", organisation: test.organisation, person: person,
                                                          role: .payments, test.request(test.superUser))
        let head = try test.head()
        let provider = await #expect(throws: AccessRefused.self) {
            try await test.portal.rejectContactCreation("pat", requestID: "cr-pat", reason: "typo", test.request(test.superUser))
        }
        #expect(provider?.missingPermission == .edit(.changeRequestDecisions))
        let noReason = await #expect(throws: DomainError.self) {
            try await test.portal.rejectContactCreation("pat", requestID: "cr-pat", reason: "", test.request(test.helpdesk))
        }
        #expect(noReason?.field == "reason")
        #expect(try test.head() == head)

        _ = try await test.portal.rejectContactCreation("pat", requestID: "cr-pat", reason: "not one of our staff", test.request(test.helpdesk))
        #expect(try test.portal.state(of: User.self, "pat").status == .creationRejected)
        #expect(try test.types(of: "user-pat") == ["ContactCreationRequested", "ContactCreationRejected"])
        #expect(try test.portal.credentials.user(forUsername: "pat@oasis.example") == nil)
        #expect(throws: (any Error).self) { try test.portal.actor(forUser: "pat") }
        let afterHead = try test.head()
        let late = await #expect(throws: DomainError.self) {
            try await test.portal.acceptContactCreation("pat", requestID: "cr-pat", test.request(test.helpdesk))
        }
        #expect(late?.field == "requestID")
        #expect(try test.head() == afterHead)
        #expect(try test.portal.credentials.user(forUsername: "pat@oasis.example") == nil, "a refused acceptance claims no username")
    }

    @Test("R-CON-1: a contact amendment the helpdesk rejects leaves the contact's role and email as they were")
    func contactAmendRejected() async throws {
        let test = try await TestPortal.make()
        let payer = try await test.contact("payer", of: test.organisation, role: .payments)
        let renamed = Person(forename: "Pay", surname: "Er", email: "new-payer@oasis.example")
        _ = try await test.portal.requestContactAmend("payer", requestID: "cr-amend", person: renamed, role: .superUserScheduled, test.request(test.superUser))
        let head = try test.head()
        let noReason = await #expect(throws: DomainError.self) {
            try await test.portal.rejectContactAmend("payer", requestID: "cr-amend", reason: "  ", test.request(test.helpdesk))
        }
        #expect(noReason?.field == "reason")
        let provider = await #expect(throws: AccessRefused.self) {
            try await test.portal.rejectContactAmend("payer", requestID: "cr-amend", reason: "no", test.request(test.superUser))
        }
        #expect(provider?.rule == "R-ROLE")
        #expect(try test.head() == head)

        _ = try await test.portal.rejectContactAmend("payer", requestID: "cr-amend", reason: "a payments contact cannot be a super user", test.request(test.helpdesk))
        #expect(try test.portal.actor(forUser: "payer") == payer)
        #expect(try test.portal.state(of: User.self, "payer").person?.email == "payer@oasis.example")
        #expect(try test.portal.credentials.user(forUsername: "payer@oasis.example") == "payer")
        #expect(try test.portal.credentials.user(forUsername: "new-payer@oasis.example") == nil)
        let late = await #expect(throws: DomainError.self) {
            try await test.portal.acceptContactAmend("payer", requestID: "cr-amend", test.request(test.helpdesk))
        }
        #expect(late?.rule == "R-CON-1")
        #expect(try test.portal.actor(forUser: "payer") == payer)
    }

    @Test("R-ACC-5: twelve months after the password was set, every command is refused with R-ACC-5 until the password is changed; then accepted")
    func passwordExpiry() async throws {
        let test = try await TestPortal.make()
        try await test.cpli("cpli-1", agree: false)
        // The super user's password was changed on 2026-11-25: it expires on 2027-11-25. Logging in every 50 days
        // keeps the account from being suspended (R-ACC-6) through the year.
        let setOn = TestPortal.date("2026-11-25")
        for days in stride(from: 50, through: 350, by: 50) {
            test.clock.set(Timestamp(microsecondsSince1970: setOn.adding(days: days).startOfDay.microsecondsSince1970 + 36_000_000_000))
            let login = try await test.portal.logIn(username: "oasis-su@oasis.example", password: TestPortal.newPassword, passcode: nil)
            #expect(!login.passwordExpired, "day \(days)")
        }
        test.clock.set(Timestamp(iso8601: "2027-11-24T10:00:00Z")!)
        #expect(try test.portal.actor(forUser: "oasis-su") == test.superUser, "the last day before expiry")
        #expect(try await test.portal.confirmWeek(test.period9, test.week1, test.request(test.superUser)).eventCount == 1)

        test.clock.set(Timestamp(iso8601: "2027-11-25T10:00:00Z")!)
        let login = try await test.portal.logIn(username: "oasis-su@oasis.example", password: TestPortal.newPassword, passcode: nil)
        #expect(login.passwordExpired)
        let session = #expect(throws: DomainError.self) { try test.portal.actor(forUser: "oasis-su") }
        #expect(session?.rule == "R-ACC-5")
        let head = try test.head()
        let entry = ActualEntry(cpliID: "cpli-1", week: test.week1, actual: TestPortal.q("9"), comment: "one visit missed")
        let commands: [(String, @Sendable () async throws -> Void)] = [
            ("confirm a week", { _ = try await test.portal.confirmWeek(test.period9, test.week1, test.request(test.superUser)) }),
            ("agree an ISO", { _ = try await test.portal.agreeISO("iso-cpli-1", test.request(test.superUser)) }),
            ("record an actual", { _ = try await test.portal.recordActual(test.period9, entry, test.request(test.superUser)) }),
            ("set a passcode", { _ = try await test.portal.setPasscode("120582", test.request(test.superUser)) }),
        ]
        for (name, command) in commands {
            let refused = await #expect(throws: DomainError.self, "\(name)") { try await command() }
            #expect(refused?.rule == "R-ACC-5", "\(name)")
            #expect(refused?.field == "password", "\(name)")
        }
        #expect(try test.head() == head, "nothing written by the refused commands")

        _ = try await test.portal.changePassword(current: TestPortal.newPassword, new: "Renewed2027x", test.request(test.superUser))
        #expect(try test.portal.actor(forUser: "oasis-su") == test.superUser)
        #expect(try await test.portal.agreeISO("iso-cpli-1", test.request(test.superUser)).eventCount > 0)
        #expect(try await test.portal.recordActual(test.period9, entry, test.request(test.superUser)).eventCount == 1)
        let renewed = try await test.portal.logIn(username: "oasis-su@oasis.example", password: "Renewed2027x", passcode: nil)
        #expect(!renewed.passwordExpired)
        // The new password in turn expires twelve months on.
        test.clock.set(Timestamp(iso8601: "2028-11-25T10:00:00Z")!)
        let again = #expect(throws: DomainError.self) { try test.portal.actor(forUser: "oasis-su") }
        #expect(again?.rule == "R-ACC-5")
    }

    @Test("the deployment's business date is London's: 23:30 UTC in summer is the next day")
    func londonDate() {
        let time = DeploymentTime(clock: TestClock(Timestamp(iso8601: "2026-06-01T23:30:00Z")!))
        #expect(time.businessDate(of: time.now()) == TestPortal.date("2026-06-02"))
        #expect(time.businessDate(of: Timestamp(iso8601: "2026-12-01T23:30:00Z")!) == TestPortal.date("2026-12-01"))
    }
}

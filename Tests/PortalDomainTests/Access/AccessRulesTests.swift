import Chronology
import Foundation
import PortalDomain
import Testing

@Suite("R-ACC: access rules")
struct AccessRulesTests {
    typealias F = Fixture
    let helpdesk = Actor.council(user: "h-1", team: .helpdesk)
    let authentication = Actor.system(job: "authentication")

    func activeContact(today: String = "2026-11-25") throws -> User.State {
        let provider = Actor.provider(user: "boss", organisation: F.organisation, role: .administration)
        var state = User.initialState
        for (command, actor) in [
            (User.Command.requestContactCreation("u-7", "cr-1", organisation: F.organisation,
                                                 person: Person(forename: "John", surname: "Smith", email: "JSmith@TestSystem.co.uk"), role: .payments), provider),
            (.acceptContactCreation("cr-1"), helpdesk),
        ] {
            state = try User.decide(command, state, F.context(actor, today: today)).reduce(state, User.evolve)
        }
        return state
    }

    @Test("R-ACC-2: a password needs 9 characters, a capital, a letter and two digits; the error never shows it")
    func passwordPolicy() throws {
        try AccessRules.checkPassword("Portal2026x")
        for weak in ["Short1x2", "alllowercase12", "NoDigitsHereX", "Onedigit1x", "123456789"] {
            let error = #expect(throws: DomainError.self) { try AccessRules.checkPassword(weak) }
            #expect(error?.rule == "R-ACC-2")
            #expect(error?.description.contains(weak) == false)
        }
    }

    @Test("R-ACC-3: a 6-digit passcode with no run of more than three consecutive digits", arguments: [
        ("120582", true), ("123805", true), ("987105", true), ("123456", false), ("912345", false), ("987610", false),
        ("543290", false), ("12345", false), ("12a456", false),
    ])
    func passcode(_ passcode: String, accepted: Bool) {
        if accepted {
            #expect(throws: Never.self) { try AccessRules.checkPasscode(passcode) }
        } else {
            let error = #expect(throws: DomainError.self) { try AccessRules.checkPasscode(passcode) }
            #expect(error?.rule == "R-ACC-3")
            #expect(error?.description.contains(passcode) == false)
        }
    }

    @Test("R-ACC-4: three wrong passwords in a row lock the account; a success in between resets the count; only a reset unlocks")
    func lockout() throws {
        var state = try activeContact()
        let context = F.context(authentication)
        for _ in 0..<2 {
            state = try User.decide(.recordLoginAttempt(passwordMatched: false), state, context).reduce(state, User.evolve)
        }
        state = try User.decide(.recordLoginAttempt(passwordMatched: true), state, context).reduce(state, User.evolve)
        #expect(state.security.consecutiveFailures == 0)
        var events: [UserEvent] = []
        for _ in 0..<3 {
            events = try User.decide(.recordLoginAttempt(passwordMatched: false), state, context)
            state = events.reduce(state, User.evolve)
        }
        #expect(events.count == 2)
        guard case .accountLocked(let locked)? = events.last else { Issue.record("no AccountLocked"); return }
        #expect(locked.failedAttempts == 3)
        let refused = #expect(throws: DomainError.self) { try User.decide(.recordLoginAttempt(passwordMatched: true), state, context) }
        #expect(refused?.rule == "R-ACC-4")
        state = try User.decide(.resetPassword, state, F.context(helpdesk)).reduce(state, User.evolve)
        #expect(!state.security.isLocked)
        #expect(state.security.mustChangePassword)
    }

    @Test("R-ACC-1/R-ACC-5: the first password must be changed first; a password expires 12 months after it was set")
    func firstPasswordAndExpiry() throws {
        var state = try activeContact()
        #expect(state.accessProblem(today: F.date("2026-11-25"))?.rule == "R-ACC-1")
        #expect(state.accessProblem(today: F.date("2026-11-25"), allowingPasswordChange: true) == nil)
        let me = try #require(state.actor)
        let change = User.Command.changePassword(newPassword: "Portal2026x", currentMatched: true, sameAsCurrent: false)
        let events = try User.decide(change, state, F.context(me))
        state = events.reduce(state, User.evolve)
        guard case .passwordChanged(let changed)? = events.first else { Issue.record("no PasswordChanged"); return }
        #expect(changed.expiresOn == F.date("2027-11-25"))
        #expect(state.accessProblem(today: F.date("2027-11-24")) == nil)
        #expect(state.accessProblem(today: F.date("2027-11-25"))?.rule == "R-ACC-5")
        #expect(AccessRules.passwordExpiry(setOn: F.date("2028-02-29")) == F.date("2029-02-28"))
        let weak = #expect(throws: DomainError.self) {
            try User.decide(.changePassword(newPassword: "weak", currentMatched: true, sameAsCurrent: false), state, F.context(me))
        }
        #expect(weak?.rule == "R-ACC-2")
        #expect(throws: DomainError.self) {
            try User.decide(.changePassword(newPassword: "Portal2026x", currentMatched: false, sameAsCurrent: false), state, F.context(me))
        }
    }

    @Test("R-ACC-6: an account unused for 60 days is suspended; 59 days is not; helpdesk reactivates")
    func suspension() throws {
        var state = try activeContact(today: "2026-09-01")
        let job = Actor.system(job: "account-suspension")
        #expect(try User.decide(.suspendIfUnused, state, F.context(job, today: "2026-10-30")).isEmpty)
        let events = try User.decide(.suspendIfUnused, state, F.context(job, today: "2026-10-31"))
        guard case .accountSuspended(let suspended)? = events.first else { Issue.record("no AccountSuspended"); return }
        #expect(suspended.unusedDays == 60)
        state = events.reduce(state, User.evolve)
        #expect(state.accessProblem(today: F.date("2026-10-31"))?.rule == "R-ACC-6")
        let login = #expect(throws: DomainError.self) {
            try User.decide(.recordLoginAttempt(passwordMatched: true), state, F.context(authentication, today: "2026-10-31"))
        }
        #expect(login?.rule == "R-ACC-6")
        state = try User.decide(.reactivate, state, F.context(helpdesk, today: "2026-11-02")).reduce(state, User.evolve)
        #expect(!state.security.isSuspended)
        #expect(throws: DomainError.self) { try User.decide(.reactivate, state, F.context(helpdesk)) }
    }

    @Test("R-ACC-7: no event of a password change or passcode holds the secret")
    func noSecretsInEvents() throws {
        var state = try activeContact()
        let me = try #require(state.actor)
        var events = try User.decide(.changePassword(newPassword: "Portal2026x", currentMatched: true, sameAsCurrent: false), state, F.context(me))
        state = events.reduce(state, User.evolve)
        events += try User.decide(.setPasscode("120582"), state, F.context(me))
        #expect(events.count == 2)
        for event in events {
            let json = String(decoding: try EventCoding.encode(event.payload), as: UTF8.self)
            #expect(!json.contains("Portal2026x"))
            #expect(!json.contains("120582"))
        }
    }
}

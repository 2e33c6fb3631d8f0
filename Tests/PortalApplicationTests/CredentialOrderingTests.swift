import Chronology
import EventLog
import Foundation
import PortalDomain
import Synchronization
import Testing
@testable import PortalApplication

/// The log and the credential store are two environments: a username is claimed and a secret's hash staged
/// before the append, and given back or committed after it, so that neither a refused or failed append nor a
/// crash between the two leaves them disagreeing.
@Suite("Application: the credential store and the log agree")
struct CredentialOrderingTests {
    typealias T = TestPortal

    /// Runs `body` before the first append of the command `commandID`, then lets the append go on.
    func beforeAppend(of commandID: UUID, in test: TestPortal, _ body: @escaping @Sendable () async -> Void) {
        test.portal.injectedBeforeAppend.withLock {
            $0 = { request, number in
                guard request.commandID == commandID, number == 1 else { return }
                await body()
            }
        }
    }

    @Test("R-ACC-1, R-CON-1: a contact creation whose acceptance is not appended (another helpdesk member rejected it first) leaves the username free and no password hash")
    func acceptanceNotAppended() async throws {
        let test = try await T.make()
        let person = Person(forename: "Pat", surname: "New", email: "pat@oasis.example")
        _ = try await test.portal.requestContactCreation("pat", requestID: "cr-pat", organisation: test.organisation, person: person,
                                                          role: .payments, test.request(test.superUser))
        let accept = UUID()
        beforeAppend(of: accept, in: test) {
            _ = try? await test.portal.rejectContactCreation("pat", requestID: "cr-pat", reason: "a duplicate of Pat's account", test.request(test.helpdesk))
        }
        defer { test.portal.injectedBeforeAppend.withLock { $0 = nil } }
        let refused = await #expect(throws: DomainError.self) {
            try await test.portal.acceptContactCreation("pat", requestID: "cr-pat", CommandRequest(actor: test.helpdesk, commandID: accept))
        }
        #expect(refused?.field == "requestID")
        #expect(try test.types(of: "user-pat") == ["ContactCreationRequested", "ContactCreationRejected"])
        #expect(try test.portal.credentials.user(forUsername: "pat@oasis.example") == nil, "the claim was given back")
        #expect(try test.portal.credentials.record(of: "pat")?.passwordHash == nil)
        #expect(try test.portal.credentials.stagedSecrets().isEmpty, "the staged hash was dropped")

        // The email is free for the contact created again under another id.
        _ = try await test.portal.requestContactCreation("pat-2", requestID: "cr-pat-2", organisation: test.organisation, person: person,
                                                          role: .payments, test.request(test.superUser))
        let first = try #require(try await test.portal.acceptContactCreation("pat-2", requestID: "cr-pat-2", test.request(test.helpdesk)).value)
        #expect(try test.portal.credentials.user(forUsername: "pat@oasis.example") == "pat-2")
        #expect(try test.portal.credentials.verifyPassword(first, of: "pat-2"))
        #expect(try test.portal.credentials.stagedSecrets().isEmpty)
    }

    @Test("R-CON-1: an amendment acceptance that is not appended gives the new email back and keeps the old username")
    func amendNotAppended() async throws {
        let test = try await T.make()
        _ = try await test.contact("payer", of: test.organisation, role: .payments)
        let renamed = Person(forename: "Pay", surname: "Er", email: "new-payer@oasis.example")
        _ = try await test.portal.requestContactAmend("payer", requestID: "cr-amend", person: renamed, role: .payments, test.request(test.superUser))
        let accept = UUID()
        beforeAppend(of: accept, in: test) {
            _ = try? await test.portal.rejectContactAmend("payer", requestID: "cr-amend", reason: "not this person", test.request(test.helpdesk))
        }
        defer { test.portal.injectedBeforeAppend.withLock { $0 = nil } }
        await #expect(throws: DomainError.self) {
            try await test.portal.acceptContactAmend("payer", requestID: "cr-amend", CommandRequest(actor: test.helpdesk, commandID: accept))
        }
        #expect(try test.portal.credentials.user(forUsername: "new-payer@oasis.example") == nil)
        #expect(try test.portal.credentials.user(forUsername: "payer@oasis.example") == "payer")
        #expect(try test.portal.credentials.record(of: "payer")?.username == "payer@oasis.example")
        let login = try await test.portal.logIn(username: "payer@oasis.example", password: T.newPassword, passcode: nil)
        #expect(login.actor.userID == "payer")
    }

    @Test("R-ACC-4: a reset's hash is staged before its append and committed after it: the new password works, the old one no longer, nothing stays staged")
    func resetCommitted() async throws {
        let test = try await T.make()
        let reset = try #require(try await test.portal.resetPassword("oasis-su", test.request(test.helpdesk)).value)
        #expect(try test.portal.credentials.verifyPassword(reset, of: "oasis-su"))
        #expect(try !test.portal.credentials.verifyPassword(T.newPassword, of: "oasis-su"))
        #expect(try test.portal.credentials.record(of: "oasis-su")?.isFirstPassword == true)
        #expect(try test.portal.credentials.stagedSecrets().isEmpty)
        // A refused change (too weak) keeps the reset password and stages nothing.
        let actor = test.superUser!
        await #expect(throws: DomainError.self) { try await test.portal.changePassword(current: reset, new: "weak", test.request(actor)) }
        #expect(try test.portal.credentials.verifyPassword(reset, of: "oasis-su"))
        #expect(try test.portal.credentials.stagedSecrets().isEmpty)
    }

    @Test("R-ACC-7: a crash between a reset's append and its hash: the hash stays staged, unused; opening the folder again makes it the password, since the event is in the log; a secret whose event never landed is dropped")
    func crashBetweenAppendAndHash() async throws {
        let test = try await T.make()
        // What a reset does up to its append, and no further: the hash staged, the events appended.
        let request = CommandRequest(actor: test.helpdesk, idempotencyKey: "reset-oasis-su-1")
        let eventID = try #require(request.eventID(index: 0))
        try await test.portal.credentials.stagePassword("Crash-reset-2027", of: "oasis-su", isFirstPassword: true, awaiting: eventID)
        _ = try await test.portal.decideOnUser("oasis-su", .resetPassword, request)
        #expect(try test.types(of: "user-oasis-su").last == "PasswordResetByHelpdesk")
        #expect(try test.portal.credentials.stagedSecrets().map(\.eventID) == [eventID])
        #expect(try !test.portal.credentials.verifyPassword("Crash-reset-2027", of: "oasis-su"), "a staged hash is never checked")
        // A passcode staged for a command that never reached the log (a crash before its append).
        let lost = try #require(CommandRequest(actor: test.superUser, idempotencyKey: "passcode-lost").eventID(index: 0))
        try await test.portal.credentials.stagePasscode("120582", of: "oasis-su", awaiting: lost)

        test.portal.close()
        let reopened = try Portal.open(dataDirectory: test.folder, configuration: test.portal.configuration, bcryptCost: 4)
        defer { reopened.close() }
        #expect(try reopened.credentials.stagedSecrets().isEmpty)
        #expect(try reopened.credentials.verifyPassword("Crash-reset-2027", of: "oasis-su"))
        #expect(try !reopened.credentials.verifyPassword(T.newPassword, of: "oasis-su"), "the password reset in the log no longer works")
        #expect(try reopened.credentials.record(of: "oasis-su")?.isFirstPassword == true)
        #expect(try reopened.credentials.record(of: "oasis-su")?.passcodeHash == nil, "the passcode whose event never landed is dropped")
        let login = try await reopened.logIn(username: "oasis-su@oasis.example", password: "Crash-reset-2027", passcode: nil)
        #expect(login.mustChangePassword)
    }

    @Test("R-ACC-7: a retry of a reset a crash interrupted after its append appends nothing and makes the staged hash the password; it cannot show the password again")
    func retryAfterCrash() async throws {
        let test = try await T.make()
        let request = CommandRequest(actor: test.helpdesk, idempotencyKey: "reset-oasis-su-2")
        let eventID = try #require(request.eventID(index: 0))
        try await test.portal.credentials.stagePassword("Crash-reset-2027", of: "oasis-su", isFirstPassword: true, awaiting: eventID)
        _ = try await test.portal.decideOnUser("oasis-su", .resetPassword, request)
        let head = try test.head()

        let retry = try await test.portal.resetPassword("oasis-su", request)
        #expect(retry.wasAlreadyApplied)
        #expect(retry.value == nil)
        #expect(try test.head() == head)
        #expect(try test.portal.credentials.stagedSecrets().isEmpty)
        #expect(try test.portal.credentials.verifyPassword("Crash-reset-2027", of: "oasis-su"))
        #expect(try !test.portal.credentials.verifyPassword(T.newPassword, of: "oasis-su"))
    }

    @Test("R-ACC-3: a passcode set is staged and committed like a password; the log holds only the fact")
    func passcodeCommitted() async throws {
        let test = try await T.make()
        _ = try await test.portal.setPasscode("120582", test.request(test.superUser))
        #expect(try test.portal.credentials.verifyPasscode("120582", of: "oasis-su") == true)
        #expect(try test.portal.credentials.stagedSecrets().isEmpty)
        #expect(try !test.allPayloadText().contains("120582"))
        let refused = await #expect(throws: DomainError.self) { try await test.portal.setPasscode("123456", test.request(test.superUser)) }
        #expect(refused?.rule == "R-ACC-3")
        #expect(try test.portal.credentials.verifyPasscode("120582", of: "oasis-su") == true)
        #expect(try test.portal.credentials.stagedSecrets().isEmpty)
    }
}

import Chronology
import PortalDomain
import Testing

/// Machine accounts: API keys of named jobs, issued by the helpdesk with a scope and an expiry, revocable; a job
/// reads within its scope and never changes anything.
@Suite("Job keys and the job actor")
struct JobKeyRulesTests {
    typealias F = Fixture
    static let helpdesk = Actor.council(user: "hd-1", team: .helpdesk)

    static func issue(job: String = "nightly-remittances", scope: JobScope = .remittancesRegenerate, expiresOn: String = "2027-02-01",
                      purpose: String? = "fetches remittances") -> JobKey.Command {
        .issue(JobKeyIssued(keyID: "jk-1", job: job, scope: scope, expiresOn: F.date(expiresOn), purpose: purpose))
    }

    @Test("issuing: a valid name, scope and expiry give JobKeyIssued; the key is issued once")
    func issue() throws {
        let events = try JobKey.decide(Self.issue(job: "  nightly-remittances "), JobKey.initialState, F.context(Self.helpdesk))
        guard case .issued(let issued)? = events.first else { Issue.record("no JobKeyIssued"); return }
        #expect(issued.job == "nightly-remittances" && issued.scope == .remittancesRegenerate && issued.expiresOn == F.date("2027-02-01"))
        let state = JobKey.fold(events)
        #expect(state.actor(today: F.date("2026-11-25")) == .job(name: "nightly-remittances", scope: .remittancesRegenerate))
        let again = #expect(throws: DomainError.self) { try JobKey.decide(Self.issue(), state, F.context(Self.helpdesk)) }
        #expect(again?.isDuplicate == true)
    }

    @Test("issuing refuses a bad job name, an expiry not after today or more than 366 days ahead, naming the field",
          arguments: [
            ("Nightly", "2027-02-01", "job"), ("9-lives", "2027-02-01", "job"), ("has space", "2027-02-01", "job"),
            (String(repeating: "a", count: 41), "2027-02-01", "job"), ("ok", "2026-11-25", "expiresOn"), ("ok", "2027-11-27", "expiresOn"),
          ])
    func refusals(job: String, expiresOn: String, field: String) {
        let refused = #expect(throws: DomainError.self) {
            try JobKey.decide(Self.issue(job: job, expiresOn: expiresOn), JobKey.initialState, F.context(Self.helpdesk))
        }
        #expect(refused?.field == field, "\(refused?.description ?? "")")
    }

    @Test("a key is usable through its expiry date, not after; a revoked key never again, and a revocation needs a reason")
    func expiryAndRevocation() throws {
        let issued = JobKey.fold(try JobKey.decide(Self.issue(expiresOn: "2026-12-01"), JobKey.initialState, F.context(Self.helpdesk)))
        #expect(issued.problem(today: F.date("2026-12-01")) == nil)
        #expect(issued.problem(today: F.date("2026-12-02"))?.message.contains("expired on 2026-12-01") == true)
        #expect(issued.actor(today: F.date("2026-12-02")) == nil)
        let noReason = #expect(throws: DomainError.self) { try JobKey.decide(.revoke(reason: "  "), issued, F.context(Self.helpdesk)) }
        #expect(noReason?.field == "reason")
        let revoked = JobKey.evolve(issued, try JobKey.decide(.revoke(reason: "moved to a new key"), issued, F.context(Self.helpdesk))[0])
        #expect(revoked.problem(today: F.date("2026-11-25"))?.message.contains("was revoked: moved to a new key") == true)
        let twice = #expect(throws: DomainError.self) { try JobKey.decide(.revoke(reason: "again"), revoked, F.context(Self.helpdesk)) }
        #expect(twice?.isWrongState == true)
        #expect(JobKey.initialState.problem(today: F.date("2026-11-25"))?.isNotFound == true)
    }

    @Test("R-ROLE: a job reads the areas of its key's scope, every organisation's, and edits nothing", arguments: JobScope.allCases, PortalArea.allCases)
    func jobAuthorisation(scope: JobScope, area: PortalArea) {
        let job = Actor.job(name: "reports", scope: scope)
        #expect(Authorisation.allows(job, .read(area), organisation: F.organisation) == scope.readableAreas.contains(area))
        #expect(Authorisation.allows(job, .read(area), organisation: nil) == scope.readableAreas.contains(area))
        let refused = #expect(throws: AccessRefused.self) { try Authorisation.check(job, .edit(area), organisation: F.organisation) }
        #expect(refused?.rule == "R-ROLE")
    }

    @Test("the scopes: reporting reads everything but people's accounts and contacts; remittance regeneration only payments and invoices")
    func scopes() {
        #expect(!JobScope.reportingRead.readableAreas.contains(.accountSecurity))
        #expect(!JobScope.reportingRead.readableAreas.contains(.contacts))
        #expect(JobScope.reportingRead.readableAreas.isSuperset(of: [.invoices, .paymentProcessing, .actuals, .carePackageLineItems, .reports]))
        #expect(JobScope.remittancesRegenerate.readableAreas == [.paymentProcessing, .invoices])
    }

    @Test("the log names a job `job:<name>` acting as `job:<scope>`, never as a user or a system job")
    func envelopeNames() {
        let job = Actor.job(name: "nightly-remittances", scope: .remittancesRegenerate)
        #expect(job.who == "job:nightly-remittances")
        #expect(job.actingAs == "job:remittances:regenerate")
        #expect(job.userID == nil && job.organisation == nil && !job.isCouncil)
    }
}

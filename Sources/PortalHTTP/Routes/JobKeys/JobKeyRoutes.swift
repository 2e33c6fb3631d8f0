import Chronology
import Hummingbird
import PortalApplication
import PortalDomain

/// Machine accounts: the helpdesk issues an API key to a named job with a scope and an expiry (shown once, in
/// the answer, never kept for an idempotent replay), lists and revokes keys. Council staff and auditors read the
/// keys' facts; nobody reads a key again.
struct JobKeyRoutes {
    let api: PortalAPI

    struct Issue: Decodable {
        var job: String
        var scope: String
        var expiresOn: String
        var purpose: String?
    }

    struct Revocation: Decodable {
        var reason: String
    }

    func register(on router: Router<PortalRequestContext>) {
        router.post("/job-keys") { request, context in try await issue(request, context) }
        router.get("/job-keys") { _, context in try keys(context) }
        router.get("/job-keys/{keyID}") { _, context in try key(context) }
        router.post("/job-keys/{keyID}/revocation") { request, context in try await revoke(request, context) }
    }

    func issue(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "issue-job-key", storesResponse: false) { write in
            try api.requireCouncilWork(write.actor, .accountSecurity)
            let body = try write.decode(Issue.self)
            let (scope, expiresOn) = try parsed {
                (try JobScope.parse(body.scope), try Parse.date(body.expiresOn, field: "expiresOn"))
            }
            let outcome = try await api.portal.issueJobKey(job: body.job, scope: scope, expiresOn: expiresOn, purpose: body.purpose, write.command())
            guard let issued = outcome.value else { throw Problem.notFound("the API key of this request is not in the log") }
            let snapshot = try api.portal.jobKey(issued.issued.keyID, for: write.actor)
            var reply = try api.json(IssuedJobKeyView(key: issued.key, jobKey: JobKeyView(snapshot, today: api.today)), status: .created,
                                     etag: snapshot.version, location: "/job-keys/\(issued.issued.keyID)")
            reply.mayBeStored = false
            return reply
        }
    }

    func keys(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        try api.requireCouncilRead(actor, .accountSecurity)
        let today = api.today
        return try api.json(try api.portal.jobKeys(for: actor).map { JobKeyView($0, today: today) })
    }

    func key(_ context: PortalRequestContext) throws -> Reply {
        let actor = try context.requireActor()
        try api.requireCouncilRead(actor, .accountSecurity)
        let id = try context.identifier("keyID", as: JobKeyID.self)
        let snapshot = try api.portal.jobKey(id, for: actor)
        return try api.json(JobKeyView(snapshot, today: api.today), etag: snapshot.version)
    }

    func revoke(_ request: Request, _ context: PortalRequestContext) async throws -> Reply {
        try await api.write(request, context, command: "revoke-job-key") { write in
            try api.requireCouncilWork(write.actor, .accountSecurity)
            let id = try context.identifier("keyID", as: JobKeyID.self)
            let existing = try api.existing(JobKey.self, id.rawValue, "API key \(id)")
            let body = try write.decode(Revocation.self)
            _ = try await api.portal.revokeJobKey(id, reason: body.reason, try write.command(changing: existing.streamID, resource: "API key \(id)"))
            let snapshot = try api.portal.jobKey(id, for: write.actor)
            return try api.json(JobKeyView(snapshot, today: api.today), etag: snapshot.version)
        }
    }
}

/// An API key's facts (never the key).
struct JobKeyView: Encodable {
    var keyID: JobKeyID
    var job: String
    var scope: JobScope
    var expiresOn: BusinessDate
    var purpose: String?
    /// `active`, `revoked` or `expired`.
    var status: String
    var revocationReason: String?
    var version: UInt64

    init(_ snapshot: StreamSnapshot<JobKey.State>, today: BusinessDate) {
        let issued = snapshot.state.issued!
        keyID = issued.keyID
        job = issued.job
        scope = issued.scope
        expiresOn = issued.expiresOn
        purpose = issued.purpose
        revocationReason = snapshot.state.revocation?.reason
        status = snapshot.state.revocation != nil ? "revoked" : today > issued.expiresOn ? "expired" : "active"
        version = snapshot.version
    }
}

/// The answer to issuing a key: the key itself, this once (absent when a retried request found it issued).
struct IssuedJobKeyView: Encodable {
    var key: String?
    var jobKey: JobKeyView
}

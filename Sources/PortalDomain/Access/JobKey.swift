import Chronology

/// `jobkey-<id>`: an API key the helpdesk issued to a named job (a machine account), with a scope and an expiry,
/// until it is revoked. The log holds these facts only: the key itself is shown once when issued, and only its
/// SHA-256 is kept, in the credential store beside the log. A key is never a person's login.
public enum JobKey: EventStream {
    public static let category = "jobkey"

    /// The longest a key may live: a year and a day from the day it is issued.
    public static let maximumLifetimeDays = 366

    public struct State: Codable, Equatable, Sendable {
        public var issued: JobKeyIssued?
        public var revocation: JobKeyRevoked?

        public init(issued: JobKeyIssued? = nil, revocation: JobKeyRevoked? = nil) {
            self.issued = issued
            self.revocation = revocation
        }

        /// Why the key may not be used `today`, or nil when it may: unknown, revoked, or past its expiry date.
        public func problem(today: BusinessDate) -> DomainError? {
            guard let issued else { return .notFound(field: "keyID", "there is no such API key") }
            if let revocation {
                return .wrongState(field: "keyID", "API key \(issued.keyID) of job \(issued.job) was revoked: \(revocation.reason)")
            }
            if today > issued.expiresOn {
                return .wrongState(field: "keyID", "API key \(issued.keyID) of job \(issued.job) expired on \(issued.expiresOn)")
            }
            return nil
        }

        /// The job's actor, when the key may be used `today`.
        public func actor(today: BusinessDate) -> Actor? {
            guard let issued, problem(today: today) == nil else { return nil }
            return .job(name: issued.job, scope: issued.scope)
        }
    }

    public static let initialState = State()

    /// Issuing and revoking keys is account security, the helpdesk's work (R-ROLE).
    public static let requiredPermission: Permission = .edit(.accountSecurity)

    public enum Command: Sendable {
        case issue(JobKeyIssued)
        case revoke(reason: String)

        public var requiredPermission: Permission { JobKey.requiredPermission }
    }

    /// A job's name: 1 to 40 lowercase letters, digits and hyphens, starting with a letter (`nightly-remittances`).
    public static func checkedName(_ text: String, field: String = "job") throws(DomainError) -> String {
        let name = text.trimmingWhitespace
        guard (1...40).contains(name.count), let first = name.unicodeScalars.first, ("a"..."z").contains(first),
              name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
        else {
            throw .invalidValue(field: field, "\(field) '\(name)' must be 1 to 40 lowercase letters, digits and hyphens, starting with a letter, like nightly-remittances")
        }
        return name
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [JobKeyEvent] {
        switch command {
        case .issue(let issue):
            guard state.issued == nil else { throw DomainError.duplicate(field: "keyID", "API key \(issue.keyID) exists already") }
            var checked = issue
            checked.job = try checkedName(issue.job)
            checked.purpose = try TextInput.optional(issue.purpose, field: "purpose", maximumLength: 200)
            let latest = context.today.adding(days: maximumLifetimeDays)
            guard issue.expiresOn > context.today, issue.expiresOn <= latest else {
                throw DomainError.invalidValue(
                    field: "expiresOn", "expiresOn \(issue.expiresOn) must be after today (\(context.today)) and at most \(maximumLifetimeDays) days ahead (\(latest))")
            }
            return [.issued(checked)]
        case .revoke(let reason):
            guard let issued = state.issued else { throw DomainError.notFound(field: "keyID", "there is no such API key") }
            guard state.revocation == nil else {
                throw DomainError.wrongState(field: "keyID", "API key \(issued.keyID) was revoked already")
            }
            guard let text = try TextInput.optional(reason, field: "reason", maximumLength: 1000) else {
                throw DomainError.invalidValue(field: "reason", "a revocation needs a reason")
            }
            return [.revoked(JobKeyRevoked(keyID: issued.keyID, reason: text))]
        }
    }

    public static func evolve(_ state: State, _ event: JobKeyEvent) -> State {
        var state = state
        switch event {
        case .issued(let e): state.issued = e
        case .revoked(let e): state.revocation = e
        }
        return state
    }
}

public enum JobKeyEvent: StreamEvent {
    case issued(JobKeyIssued)
    case revoked(JobKeyRevoked)

    public static let payloadTypes: [any EventPayload.Type] = [JobKeyIssued.self, JobKeyRevoked.self]

    public var payload: any EventPayload {
        switch self {
        case .issued(let p): p
        case .revoked(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let p as JobKeyIssued: self = .issued(p)
        case let p as JobKeyRevoked: self = .revoked(p)
        default: return nil
        }
    }
}

/// The helpdesk issued an API key to a job: its name, scope and last valid day. The key itself is not here.
public struct JobKeyIssued: EventPayload {
    public static let eventType = "JobKeyIssued"
    public static let schemaVersion = 1
    public var keyID: JobKeyID
    /// The job's name, as the request log and the audit tool show it (`job:<name>`).
    public var job: String
    public var scope: JobScope
    /// The last day (in the deployment's time zone) the key may be used.
    public var expiresOn: BusinessDate
    /// What the job is for, in the helpdesk's words.
    public var purpose: String?

    public init(keyID: JobKeyID, job: String, scope: JobScope, expiresOn: BusinessDate, purpose: String? = nil) {
        self.keyID = keyID
        self.job = job
        self.scope = scope
        self.expiresOn = expiresOn
        self.purpose = purpose
    }
}

/// The helpdesk revoked an API key: every later request with it is refused.
public struct JobKeyRevoked: EventPayload {
    public static let eventType = "JobKeyRevoked"
    public static let schemaVersion = 1
    public var keyID: JobKeyID
    public var reason: String

    public init(keyID: JobKeyID, reason: String) {
        self.keyID = keyID
        self.reason = reason
    }
}

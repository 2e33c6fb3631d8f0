import Chronology
import EventLog
import Foundation
import PortalDomain
import Synchronization

/// The portal's application layer: loads streams, authorises the actor (R-ROLE), decides with the pure
/// domain, and appends with expected versions, as one atomic append conditional on every stream read.
/// On `WrongExpectedVersion` it reads again and decides again, a bounded number of times.
public final class Portal: Sendable {
    /// How a deployment runs the portal.
    public struct Configuration: Sendable {
        public var policy: PolicyProfile
        public var calendar: PeriodCalendar
        public var time: DeploymentTime
        /// Attempts of one command before `PortalError.tooManyConflicts`.
        public var maximumAttempts: Int

        public init(policy: PolicyProfile, calendar: PeriodCalendar, time: DeploymentTime = DeploymentTime(), maximumAttempts: Int = 5) {
            self.policy = policy
            self.calendar = calendar
            self.time = time
            self.maximumAttempts = maximumAttempts
        }
    }

    public let log: EventLog
    public let credentials: CredentialStore
    public let configuration: Configuration
    /// Conversation attachments, content-addressed; nil when the portal was built without one (attachments are
    /// then refused).
    public let attachments: AttachmentStore?
    /// For tests only (through `@testable import`, like the log's injected faults): runs after an attempt of a
    /// command has decided and before its append, with the request and the attempt's number (from 1), so that a
    /// test can land another command in between and see the append conflict. Nil in production.
    let injectedBeforeAppend = Mutex<(@Sendable (CommandRequest, Int) async -> Void)?>(nil)
    /// Long streams' states as last folded, so that loading one again reads only its new events.
    let folds = StreamStates()

    public init(log: EventLog, credentials: CredentialStore, configuration: Configuration, attachments: AttachmentStore? = nil) {
        self.log = log
        self.credentials = credentials
        self.configuration = configuration
        self.attachments = attachments
    }

    /// Opens the portal's data folder: the event log in `<data>/log`, the credential store in
    /// `<data>/credentials` and conversation attachments in `<data>/attachments`, with the log's recorded-at
    /// times from the deployment's clock. Secrets a crash left staged in the credential store are settled
    /// against the log first.
    public static func open(dataDirectory: URL, configuration: Configuration, bcryptCost: UInt8 = 12) throws -> Portal {
        var options = EventLog.Options()
        options.clock = configuration.time.clock
        let log = try EventLog(directory: dataDirectory.appendingPathComponent("log"), options: options)
        let credentials = try CredentialStore(directory: dataDirectory.appendingPathComponent("credentials"), bcryptCost: bcryptCost)
        let attachments = try AttachmentStore(directory: dataDirectory.appendingPathComponent("attachments"))
        // A secret staged by a command that a crash interrupted takes effect if the command's events are in the
        // log, and is dropped if they are not (see `CredentialStore`).
        do {
            try credentials.resolveStaged { try log.event(withID: $0.eventID) != nil }
        } catch {
            credentials.close()
            log.close()
            throw error
        }
        return Portal(log: log, credentials: credentials, configuration: configuration, attachments: attachments)
    }

    /// Closes the log and the credential store after the writes already handed over.
    public func close() {
        log.close()
        credentials.close()
    }

    /// The context of a command made now by `actor`.
    public func context(for actor: Actor) -> CommandContext {
        let now = configuration.time.now()
        return CommandContext(
            actor: actor, now: now, today: configuration.time.businessDate(of: now),
            policy: configuration.policy, calendar: configuration.calendar)
    }

    /// Runs a command: `body` loads what it needs from the attempt, authorises, decides and adds events; the
    /// attempt is appended atomically. A conflicting append makes `body` run again on fresh state.
    ///
    /// The actor's own account is checked first (active, not locked or suspended, password changed when it
    /// must be) and read as a condition, so a role removed concurrently stops the command (R-CON-2).
    ///
    /// `appending` may look at what `body` decided and say not to append it (a dry run, or a batch with
    /// refused records that is applied all or nothing): nothing is written and the value is returned.
    public func perform<Value: Sendable>(
        _ request: CommandRequest, allowingPasswordChange: Bool = false, appending: (Value) -> Bool = { _ in true },
        _ body: (CommandAttempt, CommandContext) throws -> Value
    ) async throws -> CommandOutcome<Value> {
        if let retry: CommandOutcome<Value> = try alreadyApplied(request) { return retry }
        var lastConflict = ""
        for number in 0..<configuration.maximumAttempts {
            let context = context(for: request.actor)
            let attempt = CommandAttempt(log: log, folds: folds, expectedVersions: request.expectedVersions)
            try checkActorAccount(request.actor, attempt, context, allowingPasswordChange: allowingPasswordChange)
            let value = try body(attempt, context)
            guard attempt.hasEvents, appending(value) else { return CommandOutcome(value: value, positions: [], wasAlreadyApplied: false) }
            if let injected = injectedBeforeAppend.withLock({ $0 }) { await injected(request, number + 1) }
            do {
                let appends = try attempt.streamAppends(for: request)
                let result = try await AppendTiming.observe(request.appendObserver) { try await log.append(appends) }
                return CommandOutcome(value: value, positions: result.positions, wasAlreadyApplied: result.wasAlreadyStored)
            } catch let conflict as WrongExpectedVersion {
                lastConflict = conflict.streamID
                continue
            }
        }
        throw PortalError.tooManyConflicts(configuration.maximumAttempts, lastStream: lastConflict)
    }

    /// The outcome of `request` when it retries one already applied (its first derived event id is stored), else
    /// nil. Commands that check something before ``perform(_:allowingPasswordChange:_:)`` (a username to claim)
    /// call it first, so that a retry is recognised instead of refused by the check.
    func alreadyApplied<Value>(_ request: CommandRequest) throws -> CommandOutcome<Value>? {
        guard let firstID = request.eventID(index: 0), let stored = try log.event(withID: firstID) else { return nil }
        return CommandOutcome(value: nil, positions: try positionsOfRetry(request, first: stored), wasAlreadyApplied: true)
    }

    /// The positions of the events a retried request stored, found by their derived ids.
    private func positionsOfRetry(_ request: CommandRequest, first: RecordedEvent) throws -> [UInt64] {
        var positions = [first.position]
        var index = 1
        while let id = request.eventID(index: index), let event = try log.event(withID: id) {
            positions.append(event.position)
            index += 1
        }
        return positions
    }

    private func checkActorAccount(_ actor: Actor, _ attempt: CommandAttempt, _ context: CommandContext, allowingPasswordChange: Bool) throws {
        guard let userID = actor.userID else { return }
        let account = try attempt.load(User.self, userID.rawValue)
        if let problem = account.accessProblem(today: context.today, allowingPasswordChange: allowingPasswordChange) {
            throw problem
        }
        guard account.actor == actor else {
            throw AccessRefused(
                missingPermission: .read(.accountSecurity), organisation: actor.organisation, rule: "R-ROLE",
                message: "\(userID) does not act as \(actor.actingAs) (the account is not active in that role)")
        }
    }

    /// Refuses unless `actor` has `permission` on data of `organisation` (R-ROLE).
    func authorise(_ actor: Actor, _ permission: Permission, organisation: OrganisationID?) throws {
        try Authorisation.check(actor, permission, organisation: organisation)
    }

    // MARK: Reads

    /// The state of one stream folded from the log now, with the version it was read at (the HTTP ETag) and
    /// the time of its last event.
    public func snapshot<S: EventStream>(of kind: S.Type, _ id: String) throws -> StreamSnapshot<S.State> {
        let attempt = CommandAttempt(log: log, folds: folds)
        let state = try attempt.load(kind, id)
        let streamID = S.streamID(id)
        return StreamSnapshot(state: state, streamID: streamID, version: attempt.version(of: streamID) ?? 0,
                              updatedAt: attempt.lastRecordedAt(of: streamID))
    }

    /// The state of one stream, folded from the log now.
    public func state<S: EventStream>(of kind: S.Type, _ id: String) throws -> S.State {
        try CommandAttempt(log: log, folds: folds).load(kind, id)
    }
}

/// One stream's state as read, with its version (0 when the stream is empty) and last event's time.
public struct StreamSnapshot<State: Sendable>: Sendable {
    public var state: State
    public var streamID: String
    public var version: UInt64
    public var updatedAt: Timestamp?
}

import Chronology
import EventLog
import Foundation
import LMDB
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
        /// Appends of one command that may conflict before `PortalError.tooManyConflicts`. The first is optimistic;
        /// the others run holding the conflicting streams' turns (``StreamLocks``), so within this process only
        /// a writer that did not queue (another process on the same log, or an optimistic attempt that read the
        /// stream just before it was taken) can make them conflict again.
        public var maximumAttempts: Int

        public init(policy: PolicyProfile, calendar: PeriodCalendar, time: DeploymentTime = DeploymentTime(), maximumAttempts: Int = 8) {
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
    /// Turns on streams for commands that conflicted on them (see ``perform(_:allowingPasswordChange:_:)``).
    let streamLocks = StreamLocks()

    public init(log: EventLog, credentials: CredentialStore, configuration: Configuration, attachments: AttachmentStore? = nil) {
        self.log = log
        self.credentials = credentials
        self.configuration = configuration
        self.attachments = attachments
    }

    /// Opens the portal's data folder: the event log in `<data>/log`, the credential store in
    /// `<data>/credentials` and conversation attachments in `<data>/attachments`, with the log's recorded-at
    /// times from the deployment's clock. Secrets a crash left staged in the credential store are settled
    /// against the log first, unless `settlesStagedSecrets` is false: a shell command beside a running server
    /// (`portal staff add`) must leave the server's secrets staged for commands still in flight alone.
    public static func open(
        dataDirectory: URL, configuration: Configuration, bcryptCost: UInt8 = 12, settlesStagedSecrets: Bool = true
    ) throws -> Portal {
        // The data folder is its owner's alone (0700, files 0600): made so, or tightened with a warning.
        try PrivateFiles.prepareFolder(dataDirectory.path)
        var options = EventLog.Options()
        options.clock = configuration.time.clock
        let log = try EventLog(directory: dataDirectory.appendingPathComponent("log"), options: options)
        let credentials = try CredentialStore(directory: dataDirectory.appendingPathComponent("credentials"), bcryptCost: bcryptCost)
        let attachments = try AttachmentStore(directory: dataDirectory.appendingPathComponent("attachments"))
        // A secret staged by a command that a crash interrupted takes effect if the command's events are in the
        // log, and is dropped if they are not (see `CredentialStore`).
        do {
            if settlesStagedSecrets { try credentials.resolveStaged { try log.event(withID: $0.eventID) != nil } }
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
    /// Contention: the first attempt is optimistic and holds nothing. After a conflict the command takes the
    /// turns (``StreamLocks``) of every stream that has conflicted, and decides and appends again while holding
    /// them, so commands on one busy stream (16 editors of one service period's actuals) take turns instead of
    /// making each other fail; an optimistic attempt that read a stream another command holds queues for it
    /// before appending. A conflict while holding the turns (a writer in another process) is retried after a
    /// short random pause that doubles each time (full jitter, 1 ms to 64 ms).
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
        var turns = Set<String>()
        defer { streamLocks.release(turns) }
        var lastConflict = ""
        var conflicts = 0
        var number = 0
        while true {
            number += 1
            let context = context(for: request.actor)
            let held = turns
            let attempt = CommandAttempt(log: log, folds: folds, expectedVersions: request.expectedVersions) { [streamLocks] streamID in
                !held.contains(streamID) && streamLocks.isHeld(streamID)
            }
            let value: Value
            do {
                try checkActorAccount(request.actor, attempt, context, allowingPasswordChange: allowingPasswordChange)
                value = try body(attempt, context)
            } catch let busy as StreamBusy {
                // A stream another command holds: queue for it and decide then, rather than race the holder.
                turns = await takeTurns(turns, adding: [busy.streamID])
                continue
            }
            guard attempt.hasEvents, appending(value) else {
                return CommandOutcome(value: value, positions: [], wasAlreadyApplied: false, streamVersions: attempt.streamVersions)
            }
            if let injected = injectedBeforeAppend.withLock({ $0 }) { await injected(request, number) }
            do {
                let appends = try attempt.streamAppends(for: request)
                let result = try await AppendTiming.observe(request.appendObserver) { try await log.append(appends) }
                return CommandOutcome(
                    value: value, positions: result.positions, wasAlreadyApplied: result.wasAlreadyStored,
                    streamVersions: attempt.streamVersions.merging(result.streamVersions) { _, appended in appended })
            } catch let conflict as WrongExpectedVersion {
                lastConflict = conflict.streamID
                conflicts += 1
                guard conflicts < configuration.maximumAttempts else { break }
                if turns.contains(conflict.streamID) {
                    try await Self.pauseAfterConflict(conflicts)
                } else {
                    turns = await takeTurns(turns, adding: [conflict.streamID])
                }
            }
        }
        throw PortalError.tooManyConflicts(configuration.maximumAttempts, lastStream: lastConflict)
    }

    /// Gives up `held` and takes the turns of `held` and `more` together, in sorted order (so that no two
    /// commands each hold what the other waits for).
    private func takeTurns(_ held: Set<String>, adding more: Set<String>) async -> Set<String> {
        streamLocks.release(held)
        let all = held.union(more)
        await streamLocks.acquire(all)
        return all
    }

    /// A random pause of up to 2^(n-1) ms, at most 64 ms, after the n-th conflict (full jitter).
    static func pauseAfterConflict(_ conflicts: Int) async throws {
        let ceiling = 1 << min(max(conflicts - 1, 0), 6)
        try await Task.sleep(for: .microseconds(Int.random(in: 0...(ceiling * 1_000))))
    }

    /// The outcome of `request` when it retries one already applied (its first derived event id is stored), else
    /// nil. Commands that check something before ``perform(_:allowingPasswordChange:_:)`` (a username to claim)
    /// call it first, so that a retry is recognised instead of refused by the check.
    func alreadyApplied<Value>(_ request: CommandRequest) throws -> CommandOutcome<Value>? {
        guard let firstID = request.eventID(index: 0), let stored = try log.event(withID: firstID) else { return nil }
        let events = try eventsOfRetry(request, first: stored)
        var versions: [String: UInt64] = [:]
        for event in events { versions[event.streamID] = max(versions[event.streamID] ?? 0, event.streamVersion) }
        return CommandOutcome(value: nil, positions: events.map(\.position), wasAlreadyApplied: true, streamVersions: versions)
    }

    /// The events a retried request stored, found by their derived ids.
    private func eventsOfRetry(_ request: CommandRequest, first: RecordedEvent) throws -> [RecordedEvent] {
        var events = [first]
        var index = 1
        while let id = request.eventID(index: index), let event = try log.event(withID: id) {
            events.append(event)
            index += 1
        }
        return events
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

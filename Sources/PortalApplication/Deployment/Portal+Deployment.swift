import EventLog
import Foundation
import PortalDomain

/// The policy profile and period anchor a data folder's history is recorded under (`deployment-settings`).
extension Portal {
    /// Opens the data folder (as ``open(dataDirectory:configuration:bcryptCost:)``) under the settings recorded
    /// in its log: a first start records `requested`, else `defaults`; a later start uses the recorded settings
    /// for the values `requested` leaves out, and is refused, with nothing opened, when it asks for others
    /// (a `DomainError` naming both values).
    public static func open(
        dataDirectory: URL, deployment requested: DeploymentSettings.Request, defaults: DeploymentSettings,
        time: DeploymentTime = DeploymentTime(), bcryptCost: UInt8 = 12,
        request: CommandRequest = CommandRequest(actor: .system(job: "deployment")), reason: String? = nil
    ) async throws -> Portal {
        let asked = requested.resolved(defaults)
        let provisional = try open(
            dataDirectory: dataDirectory,
            configuration: Configuration(policy: asked.policy, calendar: try PeriodCalendar(anchor: asked.periodAnchor), time: time),
            bcryptCost: bcryptCost)
        do {
            let settings = try await provisional.settleDeploymentSettings(requested, defaults: defaults, request, reason: reason)
            var listing = request
            listing.commandID = UUID()
            listing.idempotencyKey = nil
            try await provisional.listCPLIsOfEarlierHistory(listing)
            let configuration = Configuration(
                policy: settings.policy, calendar: try PeriodCalendar(anchor: settings.periodAnchor), time: time,
                maximumAttempts: provisional.configuration.maximumAttempts)
            return Portal(log: provisional.log, credentials: provisional.credentials, configuration: configuration,
                          attachments: provisional.attachments)
        } catch {
            provisional.close()
            throw error
        }
    }

    /// The settings this data folder's history is recorded under, recording them first when none are (see
    /// ``Deployment``). Refused when `requested` asks for a value other than the recorded one; a system job's
    /// work (R-ROLE).
    public func settleDeploymentSettings(
        _ requested: DeploymentSettings.Request, defaults: DeploymentSettings, _ request: CommandRequest, reason: String? = nil
    ) async throws -> DeploymentSettings {
        let command = Deployment.Command.settle(requested: requested, defaults: defaults, reason: reason)
        _ = try await perform(request) { attempt, context in
            try authorise(request.actor, command.requiredPermission, organisation: nil)
            return try attempt.decide(Deployment.self, Deployment.settingsID, command, context)
        }
        // Read back what the log holds; a retried request (found by its idempotency key) is checked here too.
        let state = try self.state(of: Deployment.self, Deployment.settingsID)
        _ = try Deployment.decide(command, state, context(for: request.actor))
        guard let recorded = state.configured else {
            throw PortalError.unreadableStream(Deployment.streamID(Deployment.settingsID), "no settings are recorded after recording them")
        }
        return try recorded.settings()
    }

    /// Lists under its service (``ServiceCPLIs``) every CPLI that no list holds: every CPLI of a log written
    /// before the lists existed, or those an older build commissioned in the folder since. Run at every start;
    /// it costs a scan of the CPLI stream ids when there is nothing to do (the lists hold as many CPLIs as
    /// there are CPLI streams). One atomic append of `CPLIListed` events, so a crash leaves the log as it was
    /// and the next start lists them again; nothing already in the log changes. Returns how many CPLIs it
    /// listed. A system job's work.
    @discardableResult
    public func listCPLIsOfEarlierHistory(_ request: CommandRequest) async throws -> Int {
        let cpliStreams = try log.streamIDs(category: CPLI.category, limit: .max)
        var listed: UInt64 = 0
        for list in try log.streamIDs(category: ServiceCPLIs.category, limit: .max) { listed += try log.streamVersion(list) }
        guard listed < UInt64(cpliStreams.count) else { return 0 }
        let outcome = try await perform(request) { attempt, context in
            try authorise(request.actor, .edit(.deploymentSettings), organisation: nil)
            var added = 0
            for cpli in try everyStream(CPLI.self, in: CommandAttempt(log: log, folds: folds)) {
                guard let definition = cpli.definition,
                      !(try attempt.load(ServiceCPLIs.self, definition.serviceID.rawValue).cpliIDs.contains(definition.cpliID)) else { continue }
                try attempt.decide(ServiceCPLIs.self, definition.serviceID.rawValue, .list(definition), context)
                added += 1
            }
            return added
        }
        return outcome.value ?? 0
    }

    /// The settings recorded in the log, nil when none are yet.
    public func recordedDeploymentSettings() throws -> DeploymentSettings? {
        try state(of: Deployment.self, Deployment.settingsID).configured?.settings()
    }

    /// True when the log holds nothing but the recorded deployment settings: a new data folder.
    public func holdsNoHistory() throws -> Bool {
        let settingsEvents = try log.readStream(Deployment.streamID(Deployment.settingsID)).count
        return try log.head().position == UInt64(settingsEvents)
    }
}

import Chronology

/// The settings a deployment's rules depend on: the policy profile (how actuals are checked and paid) and the
/// Monday that starts period 1 (R-PER-1, how weeks are numbered into periods).
public struct DeploymentSettings: Sendable, Equatable, CustomStringConvertible {
    public var policy: PolicyProfile
    public var periodAnchor: BusinessDate

    public init(policy: PolicyProfile, periodAnchor: BusinessDate) {
        self.policy = policy
        self.periodAnchor = periodAnchor
    }

    public var description: String { "policy \(policy), period anchor \(periodAnchor)" }

    /// What a start asks for: each value given explicitly, or nil to use the recorded one.
    public struct Request: Sendable, Equatable {
        public var policy: PolicyProfile?
        public var periodAnchor: BusinessDate?

        public init(policy: PolicyProfile? = nil, periodAnchor: BusinessDate? = nil) {
            self.policy = policy
            self.periodAnchor = periodAnchor
        }

        /// The values asked for, the defaults where none is asked for.
        public func resolved(_ defaults: DeploymentSettings) -> DeploymentSettings {
            DeploymentSettings(policy: policy ?? defaults.policy, periodAnchor: periodAnchor ?? defaults.periodAnchor)
        }
    }
}

/// `deployment-settings`: the policy profile and period anchor a data folder's history is recorded under.
///
/// Every actual, period lock and invoice in the log was checked and numbered under these settings, so they are
/// recorded once, by the first start of a data folder, and every later start uses them: a start that leaves
/// them out gets the recorded ones, and a start that asks for others is refused, naming both values. (A data
/// folder made before the settings were recorded gets them at its next start, from what that start asks for.)
public enum Deployment: EventStream {
    public static let category = "deployment"
    /// The id of the one stream of the category: `deployment-settings`.
    public static let settingsID = "settings"

    public struct State: Codable, Equatable, Sendable {
        /// The recorded settings; nil until the first start records them.
        public var configured: DeploymentConfigured?
    }

    public static let initialState = State()

    public enum Command: Sendable {
        /// Settles the settings a start runs under: the recorded ones, or, when none are recorded yet,
        /// `requested` (else `defaults`), recorded now. A requested value that differs from the recorded one is
        /// refused.
        /// `reason` is recorded with the settings when they are recorded now (an operator's `portal init`).
        case settle(requested: DeploymentSettings.Request, defaults: DeploymentSettings, reason: String? = nil)

        public var requiredPermission: Permission { .edit(.deploymentSettings) }
    }

    public static func decide(_ command: Command, _ state: State, _ context: CommandContext) throws -> [DeploymentEvent] {
        switch command {
        case .settle(let requested, let defaults, let reason):
            guard let recorded = state.configured else {
                let settings = requested.resolved(defaults)
                guard settings.periodAnchor.isMonday else {
                    throw DomainError.invalidValue(
                        field: "periodAnchor", "the period anchor \(settings.periodAnchor) is not a Monday; periods start on a Monday", rule: "R-PER-1")
                }
                return [.configured(DeploymentConfigured(
                    policy: settings.policy.name, periodAnchor: settings.periodAnchor,
                    reason: try TextInput.optional(reason, field: "reason", maximumLength: 500)))]
            }
            var disagreements: [(field: String, message: String)] = []
            if let policy = requested.policy, policy.name != recorded.policy {
                disagreements.append(("policy", "policy \(policy.name) was asked for, but this data folder's history is recorded under policy \(recorded.policy)"))
            }
            if let anchor = requested.periodAnchor, anchor != recorded.periodAnchor {
                disagreements.append(("periodAnchor", "period anchor \(anchor) was asked for, but this data folder's periods are numbered from \(recorded.periodAnchor)"))
            }
            if let first = disagreements.first {
                throw DomainError.wrongState(
                    field: first.field,
                    disagreements.map(\.message).joined(separator: "; ")
                        + "; the settings recorded at the data folder's first start cannot change, as they decide how its history is read",
                    rule: disagreements.contains { $0.field == "periodAnchor" } ? "R-PER-1" : nil)
            }
            return []
        }
    }

    public static func evolve(_ state: State, _ event: DeploymentEvent) -> State {
        var state = state
        switch event {
        case .configured(let e): state.configured = state.configured ?? e
        }
        return state
    }
}

extension DeploymentConfigured {
    /// The recorded settings as the built-in policy profile and the anchor.
    public func settings() throws(DomainError) -> DeploymentSettings {
        DeploymentSettings(policy: try PolicyProfile.named(policy), periodAnchor: periodAnchor)
    }
}

public enum DeploymentEvent: StreamEvent {
    case configured(DeploymentConfigured)

    public static let payloadTypes: [any EventPayload.Type] = [DeploymentConfigured.self]

    public var payload: any EventPayload {
        switch self {
        case .configured(let p): p
        }
    }

    public init?(payload: any EventPayload) {
        guard let p = payload as? DeploymentConfigured else { return nil }
        self = .configured(p)
    }
}

/// The settings a data folder's history is recorded under, recorded by its first start.
public struct DeploymentConfigured: EventPayload {
    public static let eventType = "DeploymentConfigured"
    public static let schemaVersion = 1
    /// The policy profile's name: `norfolk` or `lancashire`.
    public var policy: String
    /// The Monday that starts period 1 (R-PER-1).
    public var periodAnchor: BusinessDate
    /// Why an operator recorded them (`portal init`); nil when a first `portal serve` did.
    public var reason: String?

    public init(policy: String, periodAnchor: BusinessDate, reason: String? = nil) {
        self.policy = policy
        self.periodAnchor = periodAnchor
        self.reason = reason
    }
}

/// The seven provider security roles (R-ROLE), each scoped to its own organisation.
public enum ProviderRole: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case superUserActuals = "super-user-actuals"
    case superUserScheduled = "super-user-scheduled"
    case payments
    case administration
    case reports
    case invoiceOnly = "invoice-only"
    case readOnly = "read-only"

    public var description: String { rawValue }

    /// Parses a role name, refusing unknown names with the list of valid ones.
    public static func parse(_ text: String, field: String = "role") throws(DomainError) -> ProviderRole {
        guard let role = ProviderRole(rawValue: text.trimmingWhitespace.lowercased()) else {
            throw .invalidValue(field: field, "\(field) '\(text)' is not a provider role; use one of \(allCases.map(\.rawValue).joined(separator: ", "))", rule: "R-ROLE")
        }
        return role
    }
}

/// The council's teams. Council staff act as their team (R-ROLE-3).
public enum CouncilTeam: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case payments
    case serviceBrokerage = "service-brokerage"
    case billing
    case financialAssessment = "financial-assessment"
    case procurement
    /// "FES System Administration": the portal helpdesk.
    case helpdesk
    /// "Z Information Messaging": internal only; providers may not assign to it (R-CNV-2).
    case zInformationMessaging = "z-information-messaging"

    public var description: String { rawValue }

    /// The team's name as the council's documents print it.
    public var displayName: String {
        switch self {
        case .payments: "Payments Team"
        case .serviceBrokerage: "Service Brokerage Team"
        case .billing: "Billing Team"
        case .financialAssessment: "Financial Assessment Team"
        case .procurement: "Procurement Team"
        case .helpdesk: "FES System Administration"
        case .zInformationMessaging: "Z Information Messaging – Internal Use Only"
        }
    }

    public static func parse(_ text: String, field: String = "team") throws(DomainError) -> CouncilTeam {
        guard let team = CouncilTeam(rawValue: text.trimmingWhitespace.lowercased()) else {
            throw .invalidValue(field: field, "\(field) '\(text)' is not a council team; use one of \(allCases.map(\.rawValue).joined(separator: ", "))", rule: "R-ROLE-3")
        }
        return team
    }
}

/// Who does something and in what capacity. Every command carries one; every event records it.
public enum Actor: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A provider's contact, acting in their one role for their one organisation.
    case provider(user: UserID, organisation: OrganisationID, role: ProviderRole)
    /// Council staff, acting as their team.
    case council(user: UserID, team: CouncilTeam)
    /// An auditor: reads everything, changes nothing (R-ROLE-3).
    case auditor(user: UserID)
    /// A scheduled or internal job of the portal, e.g. `authentication` or `account-suspension`.
    case system(job: String)
    /// A person operating the deployment from its shell (`portal init`, adding council staff, importing reference
    /// data, fixes to history), named by their operating-system user. The log records them as
    /// `system:operator:<os user>` acting as `system:operator`.
    case `operator`(osUser: String)
    /// A machine account: a scheduled job of the council's (a reporting export, a remittance fetch) that calls the
    /// HTTP API with an API key the helpdesk issued for it, within the key's scope. Never a person, never a login.
    /// The log and the request log name it `job:<name>`, acting as `job:<scope>`.
    case job(name: String, scope: JobScope)

    /// The user behind the actor, or nil for a system job.
    public var userID: UserID? {
        switch self {
        case .provider(let user, _, _), .council(let user, _), .auditor(let user): user
        case .system, .operator, .job: nil
        }
    }

    /// The organisation a provider user belongs to; nil for everyone else.
    public var organisation: OrganisationID? {
        if case .provider(_, let organisation, _) = self { return organisation }
        return nil
    }

    /// `who` of the log's envelope: the user id, `system:<job>`, `system:operator:<os user>` or `job:<name>`.
    public var who: String {
        switch self {
        case .provider(let user, _, _), .council(let user, _), .auditor(let user): user.rawValue
        case .system(let job): "system:\(job)"
        case .operator(let osUser): "system:operator:\(osUser)"
        case .job(let name, _): "job:\(name)"
        }
    }

    /// `actingAs` of the log's envelope: `<role>@<organisation>`, `team:<team>`, `auditor`, `system:<job>` or
    /// `job:<scope>`.
    public var actingAs: String {
        switch self {
        case .provider(_, let organisation, let role): "\(role.rawValue)@\(organisation.rawValue)"
        case .council(_, let team): "team:\(team.rawValue)"
        case .auditor: "auditor"
        case .system(let job): "system:\(job)"
        case .operator: "system:operator"
        case .job(_, let scope): "job:\(scope.rawValue)"
        }
    }

    public var isCouncil: Bool {
        if case .council = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .system: actingAs
        case .operator: who
        case .job: "\(who) (\(actingAs))"
        default: "\(who) as \(actingAs)"
        }
    }
}

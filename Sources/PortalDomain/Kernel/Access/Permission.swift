/// A part of the portal that permissions are given for. The first eleven are the provider functions of the
/// R-ROLE table; the rest are council-only work.
public enum PortalArea: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case organisationDetails = "organisation-details"
    case serviceDetails = "service-details"
    case contacts
    case carePackageLineItems = "care-package-line-items"
    case contractDocuments = "contract-documents"
    case actuals
    /// Invoices and credit notes.
    case invoices
    case oneOffClaims = "one-off-claims"
    case scheduledPayments = "scheduled-payments"
    case reports
    /// Actions (conversations) and change requests.
    case actions

    /// Council only: registering organisations, contracts and services (procurement).
    case providerRegister = "provider-register"
    /// Council only: accepting or rejecting change requests (helpdesk, R-CON-1).
    case changeRequestDecisions = "change-request-decisions"
    /// Council only: staff and auditor accounts, password resets, reactivation, security facts (helpdesk).
    case accountSecurity = "account-security"
    /// Council only: publishing ISOs and CPLIs, temporary CPLIs (service brokerage).
    case commissioning
    /// Council only: holding, approving, returning and paying invoices; deciding claims; payment runs.
    case paymentProcessing = "payment-processing"
    /// Council only: the locks of periods written by the invoice lifecycle (R-PER-3).
    case periodLocks = "period-locks"
    /// System only: the policy and period anchor a data folder's history is recorded under, set by its first start.
    case deploymentSettings = "deployment-settings"

    public var description: String { rawValue }

    /// The areas of the provider role table.
    public static let providerAreas: Set<PortalArea> = [
        .organisationDetails, .serviceDetails, .contacts, .carePackageLineItems, .contractDocuments, .actuals,
        .invoices, .oneOffClaims, .scheduledPayments, .reports, .actions,
    ]
}

/// Reading or changing.
public enum AccessLevel: String, Sendable, Hashable, Codable, CustomStringConvertible {
    case read
    case edit
    public var description: String { rawValue }
}

/// One permission: an access level on an area, written `edit:actuals`.
public struct Permission: Sendable, Hashable, Codable, CustomStringConvertible {
    public let access: AccessLevel
    public let area: PortalArea

    public init(_ access: AccessLevel, _ area: PortalArea) {
        self.access = access
        self.area = area
    }

    public static func edit(_ area: PortalArea) -> Permission { Permission(.edit, area) }
    public static func read(_ area: PortalArea) -> Permission { Permission(.read, area) }

    public var description: String { "\(access):\(area)" }
}

/// A refusal by R-ROLE: names the actor, the missing permission and the organisation.
public struct AccessRefused: Error, Sendable, Equatable, CustomStringConvertible {
    /// The permission the actor lacks, e.g. `edit:actuals`.
    public let missingPermission: Permission
    /// The organisation whose data was asked for, if any.
    public let organisation: OrganisationID?
    /// The rule that refused: `R-ROLE`, `R-ROLE-2` or `R-ROLE-3`.
    public let rule: String
    public let message: String

    public init(missingPermission: Permission, organisation: OrganisationID?, rule: String, message: String) {
        self.missingPermission = missingPermission
        self.organisation = organisation
        self.rule = rule
        self.message = message
    }

    public var description: String { "\(message) (\(rule))" }
}

/// Who may do what (R-ROLE). Pure: the one place that turns roles and teams into permissions.
public enum Authorisation {
    /// The areas a provider role may edit (the R-ROLE table).
    public static func editableAreas(of role: ProviderRole) -> Set<PortalArea> {
        switch role {
        case .superUserActuals: PortalArea.providerAreas.subtracting([.scheduledPayments])
        case .superUserScheduled: PortalArea.providerAreas
        case .payments: [.actuals, .invoices, .oneOffClaims, .contractDocuments, .actions]
        case .administration: [.organisationDetails, .serviceDetails, .contacts, .carePackageLineItems, .contractDocuments, .actions]
        case .reports: [.organisationDetails, .serviceDetails, .reports, .actions]
        case .invoiceOnly: [.invoices]
        case .readOnly: []
        }
    }

    /// The areas a council team may edit. Every team may write actions (conversations); the rest follows
    /// each team's work in the council's documents. Teams read every organisation's data.
    public static func editableAreas(of team: CouncilTeam) -> Set<PortalArea> {
        switch team {
        case .payments: [.actions, .paymentProcessing, .scheduledPayments, .periodLocks]
        case .serviceBrokerage: [.actions, .commissioning]
        case .billing, .financialAssessment, .zInformationMessaging: [.actions]
        case .procurement: [.actions, .providerRegister]
        // The helpdesk also creates the first contact of a new organisation (no provider user exists yet).
        case .helpdesk: [.actions, .changeRequestDecisions, .accountSecurity, .contacts]
        }
    }

    /// The areas a system job may edit: the security facts of logins, the payment and lock work of scheduled
    /// jobs, and the deployment's settings recorded at a data folder's first start.
    public static let systemEditableAreas: Set<PortalArea> = [.accountSecurity, .paymentProcessing, .scheduledPayments, .periodLocks, .deploymentSettings]

    /// The areas an operator at the deployment's shell may edit: the deployment's settings, council staff accounts
    /// (the first helpdesk user, recovery when no helpdesk login is left), and the register, commissioning and
    /// contacts that onboarding from the council's old system brings in. Never a provider's own work (actuals,
    /// invoices, claims) nor the Payments Team's.
    public static let operatorEditableAreas: Set<PortalArea> = [.deploymentSettings, .accountSecurity, .providerRegister, .commissioning, .contacts]

    /// Whether `actor` may have `permission` on data of `organisation` (nil: data of no one organisation,
    /// such as council staff accounts).
    ///
    /// - Provider users read everything of their own organisation and edit what their role allows; they
    ///   never see another organisation's data, nor data of no organisation (R-ROLE, R-ROLE-2).
    /// - Council staff read everything and edit what their team does (R-ROLE-3).
    /// - Auditors read everything and change nothing (R-ROLE-3).
    /// - Jobs with an API key read the areas of the key's scope and change nothing.
    public static func check(_ actor: Actor, _ permission: Permission, organisation: OrganisationID?) throws(AccessRefused) {
        switch actor {
        case .provider(let user, let own, let role):
            guard let organisation, organisation == own else {
                throw AccessRefused(
                    missingPermission: permission, organisation: organisation, rule: "R-ROLE-2",
                    message: "\(user) of organisation \(own) may not \(permission.access == .read ? "see" : "change") "
                        + (organisation.map { "data of organisation \($0)" } ?? "council data"))
            }
            guard permission.access == .read || editableAreas(of: role).contains(permission.area) else {
                throw AccessRefused(
                    missingPermission: permission, organisation: organisation, rule: "R-ROLE",
                    message: "role \(role) may not edit \(permission.area); it needs \(permission)")
            }
        case .council(_, let team):
            guard permission.access == .read || editableAreas(of: team).contains(permission.area) else {
                throw AccessRefused(
                    missingPermission: permission, organisation: organisation, rule: "R-ROLE-3",
                    message: "team \(team) may not edit \(permission.area); it needs \(permission)")
            }
        case .auditor:
            guard permission.access == .read else {
                throw AccessRefused(
                    missingPermission: permission, organisation: organisation, rule: "R-ROLE-3",
                    message: "an auditor reads everything and changes nothing; \(permission) is refused")
            }
        case .system(let job):
            guard permission.access == .read || systemEditableAreas.contains(permission.area) else {
                throw AccessRefused(
                    missingPermission: permission, organisation: organisation, rule: "R-ROLE",
                    message: "system job \(job) may not edit \(permission.area); it needs \(permission)")
            }
        case .operator(let osUser):
            guard permission.access == .read || operatorEditableAreas.contains(permission.area) else {
                throw AccessRefused(
                    missingPermission: permission, organisation: organisation, rule: "R-ROLE",
                    message: "operator \(osUser) may not edit \(permission.area) from the shell; it needs \(permission)")
            }
        case .job(let name, let scope):
            // A machine account reads what its key's scope names and changes nothing.
            guard permission.access == .read, scope.readableAreas.contains(permission.area) else {
                throw AccessRefused(
                    missingPermission: permission, organisation: organisation, rule: "R-ROLE",
                    message: "job \(name) with an API key of scope \(scope) may not \(permission.access == .read ? "read" : "edit") \(permission.area); it needs \(permission)")
            }
        }
    }

    /// True when ``check(_:_:organisation:)`` would pass.
    public static func allows(_ actor: Actor, _ permission: Permission, organisation: OrganisationID?) -> Bool {
        do {
            try check(actor, permission, organisation: organisation)
            return true
        } catch {
            return false
        }
    }
}

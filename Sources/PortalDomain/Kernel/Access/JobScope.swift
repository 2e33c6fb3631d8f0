/// What a machine account (an API key issued to a named job) may do. Every scope reads only: a job never
/// changes anything, so its key cannot approve, pay or edit whatever it is given to.
public enum JobScope: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Read-only reporting: the council's lists and records — providers, contract documents, CPLIs, actuals,
    /// invoices, claims, conversations, payment runs and remittances — never people's accounts or contacts.
    case reportingRead = "reporting:read"
    /// Payment runs and each provider's remittance advice, regenerated from the log by the domain's renderer
    /// (JSON, the CSV whose SHA-256 the run recorded, printable text); nothing else.
    case remittancesRegenerate = "remittances:regenerate"

    public var description: String { rawValue }

    /// The areas the scope reads (every organisation's data, as council staff do).
    public var readableAreas: Set<PortalArea> {
        switch self {
        case .reportingRead: Set(PortalArea.allCases).subtracting([.contacts, .accountSecurity, .deploymentSettings])
        case .remittancesRegenerate: [.paymentProcessing, .invoices]
        }
    }

    public static func parse(_ text: String, field: String = "scope") throws(DomainError) -> JobScope {
        guard let scope = JobScope(rawValue: text.trimmingWhitespace.lowercased()) else {
            throw .invalidValue(field: field, "\(field) '\(text)' is not a job scope; use one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return scope
    }
}

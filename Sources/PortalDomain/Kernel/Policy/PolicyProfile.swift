/// The rules that differ between the two councils, chosen per deployment. Built in: ``norfolk`` (the user
/// guide's council) and ``lancashire`` (the process-support council).
///
/// Choices taken where DOMAIN.md is silent:
/// - Both profiles flag a line whose Actual is more than 1.2 × Planned (R-ACT-6).
/// - The weekly sanity bound of R-ACT-2 is 168 hours (24 × 7) or 7 nights for each quantity of a line and
///   for Actual + Frustrated together.
/// - `lancashire` pays Actual + Frustrated + Extra: its worked examples put notice and emergency hours in
///   Extra and undelivered care in Missed. `norfolk` pays Actual + Frustrated and ignores Missed, Extra and
///   Visits (R-ACT-5, R-ACT-8).
/// - Only `lancashire` gives `|` a meaning in comments (the provider's own invoice reference, R-ACT-7);
///   its "reason" is the text before `|`, and the comment rules (R-ACT-3, R-ACT-4) read that part.
public struct PolicyProfile: Sendable, Hashable, CustomStringConvertible {
    /// `norfolk` or `lancashire`.
    public let name: String
    /// R-ACT-7: Actual + Frustrated + Missed must equal Planned, except in a pro-rata week.
    public let lineMustBalanceToPlanned: Bool
    /// R-ACT-7: a line that differs from Planned needs a reason comment.
    public let varianceNeedsReason: Bool
    /// R-ACT-7: text after this separator in a comment is the provider's own invoice reference.
    public let invoiceReferenceSeparator: Character?
    /// R-ACT-5/R-ACT-8: Extra counts towards the paid quantity (lancashire) or is ignored (norfolk).
    public let extraIsPaid: Bool
    /// R-ACT-6: a line whose Actual exceeds Planned × (this / 100) carries the over-exception flag.
    public let overExceptionPercent: Int
    /// R-ACT-2: most hours a line's quantity may hold in one week.
    public let maximumHoursPerWeek: Int
    /// R-ACT-2: most nights a line's quantity may hold in one week.
    public let maximumNightsPerWeek: Int
    /// R-ACT-2: most visits a line may count in one week (a visit every 15 minutes, day and night).
    public let maximumVisitsPerWeek: Int
    /// R-ACC: passwords, passcodes, lockout, expiry, suspension.
    public let access: AccessPolicy

    public var description: String { name }

    /// The county council of the user guide: pays Actual + Frustrated; Missed, Extra and Visits are ignored.
    public static let norfolk = PolicyProfile(
        name: "norfolk", lineMustBalanceToPlanned: false, varianceNeedsReason: false, invoiceReferenceSeparator: nil,
        extraIsPaid: false, overExceptionPercent: 120, maximumHoursPerWeek: 168, maximumNightsPerWeek: 7,
        maximumVisitsPerWeek: 672, access: .standard)

    /// The council of the process-support document: lines balance to Planned, variances need a reason, and
    /// `|` starts the provider's invoice reference in a comment.
    public static let lancashire = PolicyProfile(
        name: "lancashire", lineMustBalanceToPlanned: true, varianceNeedsReason: true, invoiceReferenceSeparator: "|",
        extraIsPaid: true, overExceptionPercent: 120, maximumHoursPerWeek: 168, maximumNightsPerWeek: 7,
        maximumVisitsPerWeek: 672, access: .standard)

    /// Both built-in profiles.
    public static let builtIn: [PolicyProfile] = [.norfolk, .lancashire]

    /// The built-in profile with this name.
    public static func named(_ name: String) throws(DomainError) -> PolicyProfile {
        guard let profile = builtIn.first(where: { $0.name == name.lowercased() }) else {
            throw .invalidValue(field: "policy", "policy '\(name)' is unknown; use norfolk or lancashire")
        }
        return profile
    }

    /// The most a quantity in `unit` may be in one week (R-ACT-2).
    public func weeklyBound(for unit: CareUnit) -> Quantity {
        switch unit {
        case .hours: Quantity(maximumHoursPerWeek)
        case .nights: Quantity(maximumNightsPerWeek)
        }
    }
}

/// The unit a CPLI is commissioned in.
public enum CareUnit: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case hours
    case nights
    public var description: String { rawValue }
}

/// The access rules of R-ACC, the same for both councils.
public struct AccessPolicy: Sendable, Hashable, Codable {
    /// R-ACC-2: at least this many characters.
    public let minimumPasswordLength: Int
    /// R-ACC-2: at least this many digits.
    public let minimumPasswordDigits: Int
    /// R-ACC-3: passcode length (digits only).
    public let passcodeLength: Int
    /// R-ACC-3: longest run of consecutive ascending or descending digits allowed.
    public let longestPasscodeRun: Int
    /// R-ACC-4: wrong passwords in a row that lock the account.
    public let failuresBeforeLock: Int
    /// R-ACC-5: months a password lasts.
    public let passwordLifetimeMonths: Int
    /// R-ACC-6: days without use after which an account is suspended.
    public let suspensionAfterUnusedDays: Int

    public static let standard = AccessPolicy(
        minimumPasswordLength: 9, minimumPasswordDigits: 2, passcodeLength: 6, longestPasscodeRun: 3,
        failuresBeforeLock: 3, passwordLifetimeMonths: 12, suspensionAfterUnusedDays: 60)
}

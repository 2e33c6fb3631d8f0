import Chronology

/// Day visit or night sit/sleep.
public enum VisitTime: String, Sendable, Hashable, Codable, CaseIterable {
    case day
    case night
}

/// Why a visit was aborted. For a night sit/sleep cancelled with less than 24 hours' notice, hospitalisation or
/// death pays the full amount (R-ABT-3); with 24 hours' notice or more no cause is claimable.
public enum AbortCause: String, Sendable, Hashable, Codable, CaseIterable {
    case cancelled
    case noEntry = "no-entry"
    case hospitalisation
    case death
}

/// One aborted visit as the provider lists it. `length` is in the CPLI's unit (hours; a night sit is
/// usually 1 night); `noticeHours` is how long before the visit's start the cancellation came.
public struct AbortedVisit: Sendable, Hashable, Codable {
    public var date: BusinessDate
    public var length: Quantity
    public var noticeHours: Quantity
    public var time: VisitTime
    public var cause: AbortCause

    public init(date: BusinessDate, length: Quantity, noticeHours: Quantity, time: VisitTime, cause: AbortCause) {
        self.date = date
        self.length = length
        self.noticeHours = noticeHours
        self.time = time
        self.cause = cause
    }
}

/// An aborted visit with the Frustrated quantity it earns and why.
public struct AbortedVisitClaim: Sendable, Hashable, Codable {
    public var visit: AbortedVisit
    public var claimable: Quantity
    public var basis: String

    public init(visit: AbortedVisit, claimable: Quantity, basis: String) {
        self.visit = visit
        self.claimable = claimable
        self.basis = basis
    }
}

/// The aborted-visit guide (R-ABT) as a pure computation.
///
/// - An aborted visit is claimable only with less than 24 hours' notice; exactly 24 hours is not.
/// - `spot-old-block`, `block-2013`: a day visit pays its length, at most 30 minutes (R-ABT-1).
/// - `block-2015-framework`: a day visit pays 50 % of its length, rounded half-up at 4 dp (R-ABT-2).
/// - A night sit/sleep pays 25 % of its length, or 100 % when interrupted by hospitalisation or death,
///   under every contract type (R-ABT-3).
/// - The notice rule comes first and has no exception: a visit or night cancelled with 24 hours' notice or
///   more pays nothing, whatever the cause. Hospitalisation or death known a day or more ahead is not an
///   interruption, so it earns neither the 100 % nor the 25 % of a night (DOMAIN.md: "hospitalisation or
///   death pays 100 % only with less than 24 hours' notice"); the claim's basis says "not claimable".
public enum AbortedVisits {
    static let dayCap = Quantity(tenThousandths: 5_000) // 30 minutes
    static let noticeLimit = Quantity(24)

    /// The claim of one visit under `contractType`.
    public static func claim(_ visit: AbortedVisit, contractType: ContractType) -> AbortedVisitClaim {
        guard visit.noticeHours < noticeLimit else {
            return AbortedVisitClaim(visit: visit, claimable: .zero, basis: "notice of \(visit.noticeHours) hours is 24 hours or more: not claimable")
        }
        switch visit.time {
        case .night:
            if visit.cause == .hospitalisation || visit.cause == .death {
                return AbortedVisitClaim(visit: visit, claimable: visit.length, basis: "night interrupted by \(visit.cause.rawValue): 100%")
            }
            return AbortedVisitClaim(visit: visit, claimable: visit.length.scaled(by: 25, over: 100), basis: "night cancelled within 24 hours: 25%")
        case .day:
            switch contractType {
            case .spotOldBlock, .block2013:
                return AbortedVisitClaim(visit: visit, claimable: min(visit.length, dayCap), basis: "\(contractType): the visit's length, at most 30 minutes")
            case .block2015Framework:
                return AbortedVisitClaim(visit: visit, claimable: visit.length.scaled(by: 50, over: 100), basis: "\(contractType): 50% of the visit's length")
            }
        }
    }

    /// The claims of every visit listed, each checked to fall in `week`.
    public static func claims(_ visits: [AbortedVisit], in week: Week, contractType: ContractType) throws(DomainError) -> [AbortedVisitClaim] {
        var claims: [AbortedVisitClaim] = []
        for (index, visit) in visits.enumerated() {
            guard week.contains(visit.date) else {
                throw .invalidValue(field: "abortedVisits", "aborted visit \(index + 1) on \(visit.date) is not in week \(week)", rule: "R-ABT")
            }
            guard visit.length > .zero else {
                throw .invalidValue(field: "abortedVisits", "aborted visit \(index + 1) on \(visit.date) has no length", rule: "R-ABT")
            }
            claims.append(claim(visit, contractType: contractType))
        }
        return claims
    }
}

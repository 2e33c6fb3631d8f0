import PortalDomain

/// How big a simulated county is. Scale 1 is a large county over ten years: about 200 providers, 6,000
/// clients and some millions of events; `demo` is a small council for trying the portal.
public struct CountyScale: Sendable, Equatable {
    /// Provider organisations.
    public var providers: Int
    /// Services per provider (a provider's services share its contracts' types round-robin).
    public var servicesPerProvider: ClosedRange<Int>
    /// Clients (each with one ISO and one or two CPLIs) per service at the start.
    public var clientsPerService: Int
    /// New clients per service in each 4-week period (care packages also end).
    public var newClientsPerPeriod: Int
    /// Simulated weeks from the start date.
    public var weeks: Int
    /// Contacts of each provider, one per role.
    public var contactRoles: [ProviderRole]
    /// Share of providers that edit actuals week by week in the calendar; the others upload a CSV a period.
    public var calendarShare: Double

    public init(providers: Int, servicesPerProvider: ClosedRange<Int>, clientsPerService: Int, newClientsPerPeriod: Int,
                weeks: Int, contactRoles: [ProviderRole], calendarShare: Double) {
        self.providers = providers
        self.servicesPerProvider = servicesPerProvider
        self.clientsPerService = clientsPerService
        self.newClientsPerPeriod = newClientsPerPeriod
        self.weeks = weeks
        self.contactRoles = contactRoles
        self.calendarShare = calendarShare
    }

    /// Two providers under different contract types, about 40 clients, twelve weeks, one user per role.
    public static let demo = CountyScale(
        providers: 2, servicesPerProvider: 1...2, clientsPerService: 13, newClientsPerPeriod: 1, weeks: 12,
        contactRoles: ProviderRole.allCases, calendarShare: 0.5)

    /// A county at `factor` of a large one (factor 1: ~200 providers, ~6,000 clients, 520 weeks).
    public static func county(_ factor: Double) -> CountyScale {
        let providers = max(2, Int((200 * factor).rounded()))
        let weeks = max(8, Int((520 * min(1, factor * 10)).rounded() / 4) * 4)
        return CountyScale(
            providers: providers, servicesPerProvider: 1...2, clientsPerService: 20, newClientsPerPeriod: 1, weeks: weeks,
            contactRoles: [.superUserActuals, .payments], calendarShare: 0.3)
    }

    /// Parses `demo` or `county:FACTOR` (e.g. `county:0.01`).
    public static func parse(_ text: String) -> CountyScale? {
        if text == "demo" { return .demo }
        if text.hasPrefix("county:"), let factor = Double(text.dropFirst("county:".count)), factor > 0, factor <= 10 {
            return .county(factor)
        }
        return nil
    }
}

import Chronology
import Foundation
import PortalDomain
import StoreComparison

/// How big a generated county is. Factor 1 is a large county over ten years: about 200 providers, 400
/// services, 6,000 clients and roughly five million events.
public struct CountyScale: Sendable, Equatable, CustomStringConvertible {
    public var factor: Double
    public var providers: Int
    /// Services per provider, drawn per provider (1 to 3: two on average).
    public var servicesPerProvider: ClosedRange<Int>
    /// Clients each service keeps in care; as care packages end, new ones are commissioned.
    public var clientsPerService: Int
    /// Four-week periods simulated (130 ≈ ten years).
    public var periods: Int
    /// Percent of clients with a second CPLI (night sits) beside their day care.
    public var secondLineShare: UInt64 = 20
    /// Organisation ids are `<prefix>-001`, `<prefix>-002`, …
    public var providerPrefix = "prov"

    public init(factor: Double, periods: Int = 130) {
        self.factor = factor
        providers = max(2, Int((200 * factor).rounded()))
        servicesPerProvider = 1...3
        clientsPerService = 15
        self.periods = periods
    }

    public var description: String {
        "factor \(factor): \(providers) providers, about \(providers * 2 * clientsPerService) clients, \(periods) periods"
    }
}

/// What a generation made.
public struct CountyWorkloadSummary: Sendable {
    public var events: Int
    public var batches: Int
    public var periods: Int
    public var providers: Int
    public var services: Int
    public var clients: Int
    public var invoices: Int
    public var paymentRuns: Int
}

/// A deterministic county's history for benchmarks: the same seed and scale give the same events, ids and
/// times, byte for byte.
///
/// Every event comes out of the domain's own `decide` on the stream's state (see ``Ledger``), orchestrated as
/// the application's commands are: the council's staff and auditor; providers with contracts of the three
/// types (one in ten paid by schedule; three in ten record actuals in the calendar, the others upload CSV
/// files) and one to three services; contacts in four roles who log in, now and
/// then lock themselves out and change their passwords yearly; ISOs published (a few rejected and published
/// again) and agreed, with CPLIs that start, end and change; weekly actuals by the calendar (confirmed each
/// week) or a period's CSV import, some corrected twice, some with aborted visits, some over the 20% exception
/// and resolved by a temporary CPLI or a correction; every period's invoice created (a few lines unticked),
/// submitted, some held and released, some returned, corrected and resubmitted, approved and paid; corrections
/// of paid periods raising credit notes and supplementary invoices; one-off claims approved or rejected and
/// invoiced at contract level; conversations with the Payments Team; scheduled payments; and a payment run
/// every four weeks with each provider's remittance advice.
public final class CountyWorkload {
    public let scale: CountyScale
    public let seed: UInt64
    public let policy: PolicyProfile = .norfolk
    /// Period 1 starts on this Monday; the services started a year before.
    public static let anchor = BusinessDate(year: 2016, month: 1, day: 4)!
    public let calendar: PeriodCalendar

    var random: CountyRandom
    let ledger: Ledger
    var staff: [CouncilTeam: Actor] = [:]
    var providers: [CountyProvider] = []
    var nextClient = 1
    var nextDocument = 1
    /// Invoices not yet paid, and paid ones whose period may still be corrected, by id.
    var openInvoices: [InvoiceID] = []
    var invoicesMade = 0
    var paymentRuns = 0
    var claimsDecided = 0
    var raisedCreditNotes: [CreditNoteID] = []
    var pendingISOs: [PendingISO] = []
    private(set) var batches = 0
    private(set) var events = 0

    public static let password = "Portal2026county"
    public static let passcode = "246813"

    public init(scale: CountyScale, seed: UInt64 = 1) {
        self.scale = scale
        self.seed = seed
        calendar = try! PeriodCalendar(anchor: Self.anchor)
        random = CountyRandom(seed: seed)
        ledger = Ledger(policy: .norfolk, calendar: calendar, seed: seed, start: Self.anchor.adding(days: -14).startOfDay)
    }

    /// The generator's parameters, as the workload file's first line records them.
    public var parameters: [(String, String)] {
        [("seed", String(seed)), ("factor", String(scale.factor)), ("providers", String(scale.providers)),
         ("periods", String(scale.periods)), ("anchor", Self.anchor.iso8601), ("policy", policy.name)]
    }

    /// Generates the county, handing each batch to `sink` in order. With `stopAfter`, stops at the end of
    /// the first period by which that many events were made.
    public func generate(
        stopAfter maximumEvents: Int? = nil, progress: ((Int, Int) -> Void)? = nil, _ sink: (WorkloadBatch) async throws -> Void
    ) async throws -> CountyWorkloadSummary {
        try setUp()
        try await flush(sink)
        var done = 0
        for number in 1...scale.periods {
            try await run(PeriodNumber(number), sink)
            done = number
            progress?(number, events)
            if let maximumEvents, events >= maximumEvents { break }
        }
        return CountyWorkloadSummary(
            events: events, batches: batches, periods: done, providers: providers.count,
            services: providers.reduce(0) { $0 + $1.services.count }, clients: nextClient - 1, invoices: invoicesMade,
            paymentRuns: paymentRuns)
    }

    /// Encodes what the ledger recorded since the last flush (on every core) and hands it on in order, in
    /// batches of at most 4,000 events. A batch ends where a stream would come back after another stream's
    /// events, so each batch is a valid multi-stream append (each stream once, its events contiguous) and the
    /// workload keeps the exact order the commands made its events in. The county flushes once a period.
    func flush(_ sink: (WorkloadBatch) async throws -> Void) async throws {
        let pending = ledger.takePending()
        guard !pending.isEmpty else { return }
        var batch: WorkloadBatch = []
        var streams = Set<String>()
        for event in try await Self.encode(pending) {
            if batch.count == 4_000 || (batch.last?.streamID != event.streamID && streams.contains(event.streamID)) {
                try await hand(batch, to: sink)
                batch.removeAll(keepingCapacity: true)
                streams.removeAll(keepingCapacity: true)
            }
            batch.append(event)
            streams.insert(event.streamID)
        }
        try await hand(batch, to: sink)
    }

    private func hand(_ batch: WorkloadBatch, to sink: (WorkloadBatch) async throws -> Void) async throws {
        guard !batch.isEmpty else { return }
        batches += 1
        events += batch.count
        try await sink(batch)
    }

    private static func encode(_ pending: [Ledger.Pending]) async throws -> [WorkloadEvent] {
        let parts = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))
        let size = (pending.count + parts - 1) / parts
        var encoded = [[WorkloadEvent]](repeating: [], count: parts)
        try await withThrowingTaskGroup(of: (Int, [WorkloadEvent]).self) { group in
            for part in 0..<parts where part * size < pending.count {
                let slice = Array(pending[(part * size)..<min(pending.count, (part + 1) * size)])
                group.addTask {
                    let encoder = EventCoding.encoder()
                    return (part, try slice.map { item in
                        let type = Swift.type(of: item.payload)
                        return WorkloadEvent(
                            id: item.id, streamID: item.streamID, type: type.eventType, schemaVersion: type.schemaVersion,
                            actorWho: item.actor.who, actingAs: item.actor.actingAs, correlationID: item.correlationID, causationID: nil,
                            occurredAt: item.occurredAt, payload: try encoder.encode(item.payload))
                    })
                }
            }
            for try await (part, events) in group { encoded[part] = events }
        }
        return encoded.flatMap { $0 }
    }
}

/// A provider of the county and what the generator remembers of it.
struct CountyProvider {
    var index: Int
    var id: OrganisationID
    var name: String
    var contract: ContractRegistered
    var services: [CountyService]
    var contacts: [ProviderRole: Actor] = [:]
    /// Records actuals week by week in the calendar; otherwise uploads a CSV each period.
    var usesCalendar: Bool

    var isScheduled: Bool { contract.paymentBasis == .scheduled }
    var superUser: Actor { contacts[.superUserActuals]! }
    var editor: Actor { contacts[.payments]! }
}

struct CountyService {
    var registration: ServiceRegistered
    var contractType: ContractType
    /// The CPLIs that may still have actuals, by id order (as the application lists a service's CPLIs).
    var cplis: [CPLIID] = []

    var id: ServiceID { registration.serviceID }
    var facts: PeriodLocks.ServiceFacts { PeriodLocks.ServiceFacts(firstPeriod: PeriodNumber(1)) }
}

struct PendingISO {
    var iso: ISOID
    var provider: Int
    var service: Int
    var definitions: [CPLIDefinition]
}

import EventLog
import Foundation
import PortalDomain

/// The portal's read models: every projection, the engine that keeps them up to date, and the typed queries
/// the HTTP layer and the audit tool call.
///
/// ```swift
/// let readModels = PortalReadModels(log: log, dataFolder: data)
/// try readModels.open()
/// try await readModels.engine.follow()           // as a service: catches up those behind in the background,
///                                                 // follows the log (portal serve's ReadModelFollower)
/// let week = try readModels.actualsCalendar.week(service, week, policy: .norfolk, calendar: calendar, ReadScope(actor))
/// ```
public final class PortalReadModels: Sendable {
    /// Every projection of the portal, in the order status reports list them.
    public static let all: [any Projection.Type] = [
        ProvidersProjection.self,
        ContactsProjection.self,
        ContractDocumentsProjection.self,
        CPLIsProjection.self,
        ActualsCalendarProjection.self,
        PeriodLocksProjection.self,
        InvoicesProjection.self,
        RemittancesProjection.self,
        ClaimsProjection.self,
        ConversationsProjection.self,
        ScheduledPaymentsProjection.self,
    ]

    /// The categories the domain owns: an unknown event type there stops the engine instead of being skipped.
    public static var domainCategories: Set<String> { EventRegistry.categories }

    /// The engine options the portal runs with: its domain categories, and, when given, `batchSize` events
    /// per transaction whether following, catching up or rebuilding.
    public static func engineOptions(batchSize: Int? = nil) -> ProjectionEngine.Options {
        var options = ProjectionEngine.Options()
        if let batchSize {
            options.batchSize = batchSize
            options.bulkBatchSize = batchSize
        }
        options.domainCategories = domainCategories
        return options
    }

    /// The projection named `name`, if the portal has one.
    public static func projection(named name: String) -> (any Projection.Type)? {
        all.first { $0.name == name }
    }

    public let engine: ProjectionEngine

    /// The read models of the data folder `dataFolder` (in `<data>/projections`), kept from `log`.
    public init(log: EventLog, dataFolder: URL, options: ProjectionEngine.Options = PortalReadModels.engineOptions()) {
        engine = ProjectionEngine(log: log, folder: dataFolder.appendingPathComponent("projections", isDirectory: true),
                                  projections: Self.all, options: options)
    }

    /// Opens every read model (see ``ProjectionEngine/open()``).
    public func open() throws { try engine.open() }

    /// Closes every read model.
    public func close() { engine.close() }

    /// Organisations, contracts and services.
    public var providers: ProviderQueries { ProviderQueries(engine: engine) }
    /// Contacts with their roles, council accounts, change requests waiting for the helpdesk.
    public var contacts: ContactQueries { ContactQueries(engine: engine) }
    /// Contract documents (ISOs), filtered by status and updated since.
    public var contractDocuments: ContractDocumentQueries { ContractDocumentQueries(engine: engine) }
    /// CPLIs with the cost breakdown and their CSV export.
    public var cplis: CPLIQueries { CPLIQueries(engine: engine) }
    /// The actuals calendar per service and week.
    public var actualsCalendar: ActualsCalendarQueries { ActualsCalendarQueries(engine: engine) }
    /// Period locks per service and period.
    public var periodLocks: PeriodLockQueries { PeriodLockQueries(engine: engine) }
    /// Invoices and credit notes, per provider, status and period; the Payments Team's queue.
    public var invoices: InvoiceQueries { InvoiceQueries(engine: engine) }
    /// Remittance advices per payment run and provider, with their stored CSV and text.
    public var remittances: RemittanceQueries { RemittanceQueries(engine: engine) }
    /// One-off claims and the claims awaiting approval.
    public var claims: ClaimQueries { ClaimQueries(engine: engine) }
    /// Conversations per provider and per council team.
    public var conversations: ConversationQueries { ConversationQueries(engine: engine) }
    /// Scheduled payments per contract and period; those due.
    public var scheduledPayments: ScheduledPaymentQueries { ScheduledPaymentQueries(engine: engine) }
}

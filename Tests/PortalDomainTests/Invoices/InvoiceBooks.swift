import Chronology
import PortalDomain

/// One service's period 9 and its invoices, folded in memory from the pure streams the way the application
/// composes them: actuals, period locks, invoice references, invoices (with their period lock steps) and
/// credit notes. Service `oasis-home-support` of `oasis` starts 2026-11-16 (period 9, to 2026-12-13).
struct InvoiceBooks {
    typealias F = Fixture
    static let service = ServiceRegistered(
        serviceID: F.service, organisationID: F.organisation, contractID: "k-1",
        details: ContactDetails(name: "Oasis Home Support", addressLines: ["1 Oasis Street"], postcode: "IP1 2TN"),
        startDate: F.date("2026-11-16"))
    static let payments = Actor.council(user: "pay-1", team: .payments)

    var cplis: [CPLI.State]
    var actuals = Actuals.initialState
    var actualsVersion: UInt64 = 0
    var locks = PeriodLocks.initialState
    var references = InvoiceReferences.initialState
    var invoices: [InvoiceID: Invoice.State] = [:]
    var creditNotes: [CreditNoteID: CreditNote.State] = [:]

    init(_ definitions: [CPLIDefinition]) {
        cplis = definitions.map { F.activeCPLI($0) }
    }

    static func context(_ actor: Actor = F.providerPayments, today: String = "2026-12-14", policy: PolicyProfile = .norfolk) -> CommandContext {
        F.context(actor, today: today, policy: policy)
    }

    func facts(for cpli: CPLIID, window: EditWindow = .openPeriod) -> ActualFacts {
        ActualFacts(
            cpli: cplis.first { $0.definition?.cpliID == cpli } ?? CPLI.initialState, contractType: .spotOldBlock,
            service: .init(firstPeriod: F.period9), periodLocks: locks, editWindow: window)
    }

    /// Records an actual of period 9, as the provider's calendar edit.
    @discardableResult
    mutating func record(_ entry: ActualEntry, context: CommandContext = context(), window: EditWindow = .openPeriod) throws -> ActualRecorded? {
        let events = try Actuals.decide(.record(F.key, entry, facts: facts(for: entry.cpliID, window: window), source: .calendar, importID: nil), actuals, context)
        actuals = events.reduce(actuals, Actuals.evolve)
        actualsVersion += UInt64(events.count)
        guard case .recorded(let recorded)? = events.first else { return nil }
        return recorded
    }

    func proposal(policy: PolicyProfile = .norfolk) -> [ChargeLine] {
        let lines = Actuals.lines(actuals, key: F.key, cplis: cplis, calendar: F.calendar, policy: policy)
        return InvoiceWizard.propose(lines, cplis: cplis.compactMap(\.definition), period: F.period9)
    }

    var servicePeriod: ServicePeriodFacts {
        ServicePeriodFacts(service: Self.service, periodLocks: locks, proposal: proposal(), actualsVersion: actualsVersion)
    }

    /// Creates an invoice with the wizard, reserving its reference in the same step.
    @discardableResult
    mutating func create(
        _ id: InvoiceID = "inv-9", reference: String = "INV001", date: String = "2026-12-14", unticked: Set<CPLIID> = [],
        context: CommandContext = context()
    ) throws -> Invoice.State {
        let draft = InvoiceDraft(invoiceID: id, serviceID: F.service, period: F.period9, reference: reference, invoiceDate: F.date(date), unticked: unticked)
        let created = try Invoice.decide(.create(draft, servicePeriod), invoices[id] ?? Invoice.initialState, context)
        let reserved = try InvoiceReferences.decide(.reserve(organisation: F.organisation, reference: reference, kind: .invoice, documentID: id.rawValue), references, context)
        references = reserved.reduce(references, InvoiceReferences.evolve)
        invoices[id] = created.reduce(Invoice.initialState, Invoice.evolve)
        return invoices[id]!
    }

    /// One invoice step with its period lock step, as one decision: both or neither.
    @discardableResult
    mutating func step(_ command: Invoice.Command, on id: InvoiceID = "inv-9", context: CommandContext) throws -> [InvoiceEvent] {
        let events = try Invoice.decide(command, invoices[id]!, context)
        var state = invoices[id]!
        var lockState = locks
        for event in events {
            state = Invoice.evolve(state, event)
            if let lockStep = Invoice.periodLockStep(after: event, state) {
                lockState = try PeriodLocks.decide(lockStep, lockState, context).reduce(lockState, PeriodLocks.evolve)
            }
        }
        invoices[id] = state
        locks = lockState
        return events
    }

    mutating func submit(_ id: InvoiceID = "inv-9", context: CommandContext = context()) throws -> [InvoiceEvent] {
        try step(.submit(actualsVersion: actualsVersion), on: id, context: context)
    }

    var openPeriod: PeriodNumber? {
        PeriodLocks.openPeriod(locks, service: .init(firstPeriod: F.period9), today: F.date("2026-12-14"), calendar: F.calendar)
    }

    /// Submitted, approved and paid by run `run-1`.
    mutating func paid(_ id: InvoiceID = "inv-9") throws {
        _ = try submit(id)
        try step(.approve, on: id, context: Self.context(Self.payments))
        try step(.pay("run-1", paymentDate: F.date("2026-12-18")), on: id, context: Self.context(Self.payments))
    }
}

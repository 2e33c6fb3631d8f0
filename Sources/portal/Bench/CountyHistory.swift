import Chronology
import Crypto
import EventLog
import Foundation
import PortalDomain

/// A large, deterministic history of a county for benchmarks and crash tests, appended as valid domain events
/// in large multi-stream batches (not through the application's commands, which would take hours for a
/// million events): providers with contracts, services and contacts; ISOs and CPLIs agreed; every period,
/// actuals edited and weeks confirmed, logins, one invoice per service through submission, holds, returns and
/// corrections, approval and a payment run with each provider's remittance advice; scheduled payments of
/// scheduled contracts, one-off claims and conversations. Every event is one the domain would record for the
/// story, and the streams are consistent with each other (the read models apply all of it).
struct CountyHistory {
    struct Size {
        var organisations = 200
        var servicesPerOrganisation = 2
        var cplisPerService = 16
    }

    static let calendar = try! PeriodCalendar(anchor: BusinessDate(iso8601: "2022-01-03")!)

    let size: Size
    private var random: SplitMix64
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
    private var batch = StreamBatch()
    private var cplis: [ServiceID: [CPLIDefinition]] = [:]
    private var scheduled = Set<OrganisationID>()
    private var contractTypes: [OrganisationID: ContractType] = [:]
    private var organisationNames: [OrganisationID: String] = [:]
    private(set) var written = 0

    init(size: Size, seed: UInt64 = 2026) {
        self.size = size
        self.random = SplitMix64(seed: seed)
    }

    // MARK: Actors

    private static let procurement = EventActor(who: "procurement-1", actingAs: "team:procurement")
    private static let helpdesk = EventActor(who: "helpdesk-1", actingAs: "team:helpdesk")
    private static let brokerage = EventActor(who: "brokerage-1", actingAs: "team:service-brokerage")
    private static let payments = EventActor(who: "payments-1", actingAs: "team:payments")
    private static func provider(_ organisation: OrganisationID, _ role: String = "super-user-actuals") -> EventActor {
        EventActor(who: "su-\(organisation.rawValue.dropFirst(4))", actingAs: "\(role)@\(organisation.rawValue)")
    }

    // MARK: Generation

    /// Appends the set-up, then whole periods until at least `events` events are written.
    mutating func generate(into log: EventLog, events target: Int, progress: (Int) -> Void) async throws {
        try await setUp(log)
        progress(written)
        var period = PeriodNumber(1)
        while written < target {
            try await run(period, log)
            progress(written)
            period = period.next
        }
    }

    private mutating func add(_ stream: String, _ payload: any EventPayload, _ actor: EventActor) {
        let type = Swift.type(of: payload)
        let event = ProposedEvent(type: type.eventType, schemaVersion: type.schemaVersion, payload: try! encoder.encode(payload), actor: actor)
        batch.add(stream, event)
    }

    /// Appends what was added since the last flush: one atomic multi-stream append per few thousand events.
    private mutating func flush(_ log: EventLog) async throws {
        for appends in batch.take(maximumEvents: 4000) {
            try await log.append(appends)
            written += appends.reduce(0) { $0 + $1.events.count }
        }
    }

    private mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }
    private mutating func randomInt(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(random.next() % UInt64(range.count)) }

    private mutating func setUp(_ log: EventLog) async throws {
        let start = Self.calendar.anchor
        for (user, team) in [("helpdesk-1", CouncilTeam.helpdesk), ("procurement-1", .procurement), ("brokerage-1", .serviceBrokerage),
                             ("payments-1", .payments)] {
            let id = UserID(user)
            add(User.streamID(user), CouncilUserRegistered(userID: id, person: Person(forename: user, surname: "Staff", email: "\(user)@council.example"), team: team), Self.helpdesk)
            add(User.streamID(user), FirstPasswordIssued(userID: id, at: start.startOfDay), Self.helpdesk)
            add(User.streamID(user), PasswordChanged(userID: id, at: start.startOfDay, expiresOn: start.adding(days: 365)), EventActor(who: user, actingAs: "team:\(team.rawValue)"))
        }
        let types = ContractType.allCases
        for index in 0..<size.organisations {
            let organisation = OrganisationID("org-\(index)")
            let name = "Care Provider \(index) Ltd"
            organisationNames[organisation] = name
            let type = types[index % types.count]
            contractTypes[organisation] = type
            if index % 10 == 9 { scheduled.insert(organisation) }
            add(Organisation.streamID(organisation.rawValue), OrganisationRegistered(organisationID: organisation, details: details(name)), Self.procurement)
            let contract = ContractID("k-\(index)")
            add(Contract.streamID(contract.rawValue), ContractRegistered(
                contractID: contract, organisationID: organisation, name: "Home support \(index)", contractType: type,
                paymentBasis: scheduled.contains(organisation) ? .scheduled : .invoiced, startDate: start), Self.procurement)
            for number in 0..<size.servicesPerOrganisation {
                let service = ServiceID("svc-\(index)-\(number)")
                add(Service.streamID(service.rawValue), ServiceRegistered(
                    serviceID: service, organisationID: organisation, contractID: contract, details: details("Service \(index)-\(number)"),
                    startDate: start), Self.procurement)
            }
            for role in ["su", "pay", "adm", "ro"] {
                let user = UserID("\(role)-\(index)")
                let providerRole: ProviderRole = switch role {
                case "su": .superUserActuals
                case "pay": .payments
                case "adm": .administration
                default: .readOnly
                }
                let stream = User.streamID(user.rawValue)
                add(stream, ContactCreationRequested(userID: user, organisationID: organisation, requestID: ChangeRequestID("cr-\(user)"),
                                                     person: Person(forename: role, surname: "Contact \(index)", email: "\(user)@org\(index).example"),
                                                     role: providerRole), Self.helpdesk)
                add(stream, ContactCreationAccepted(userID: user, requestID: ChangeRequestID("cr-\(user)")), Self.helpdesk)
                add(stream, FirstPasswordIssued(userID: user, at: start.startOfDay), Self.helpdesk)
                add(stream, PasswordChanged(userID: user, at: start.startOfDay, expiresOn: start.adding(days: 365)),
                    EventActor(who: user.rawValue, actingAs: "\(providerRole.rawValue)@\(organisation.rawValue)"))
            }
        }
        try await flush(log)
        // Contract documents: published with their CPLIs, then agreed (or, now and then, rejected).
        var agreed: [(ISOID, [CPLIID], OrganisationID)] = []
        var rejected: [(ISOID, OrganisationID)] = []
        for index in 0..<size.organisations {
            let organisation = OrganisationID("org-\(index)")
            for number in 0..<size.servicesPerOrganisation {
                let service = ServiceID("svc-\(index)-\(number)")
                for line in 0..<size.cplisPerService {
                    let cpli = CPLIID("c-\(index)-\(number)-\(line)")
                    let iso = ISOID("iso-\(index)-\(number)-\(line)")
                    let nights = chance(10)
                    let definition = CPLIDefinition(
                        cpliID: cpli, isoID: iso, organisationID: organisation, serviceID: service, clientReference: "C\(100_000 + index * 1000 + number * 100 + line)",
                        clientName: "Client \(index)-\(number)-\(line)", serviceType: nights ? .nightSits : .homeSupportContractRate,
                        unit: nights ? .nights : .hours,
                        plannedPerWeek: nights ? Quantity(randomInt(1...7)) : Quantity(tenThousandths: Int64(randomInt(4...60)) * 5_000),
                        rate: Rate(pence: Int64(randomInt(1500...2300))), startDate: start.adding(days: chance(10) ? randomInt(0...6) : 0))
                    add(ISO.streamID(iso.rawValue), ISOPublished(
                        isoID: iso, organisationID: organisation, serviceID: service, clientReference: definition.clientReference,
                        clientName: definition.clientName, cpliIDs: [cpli]), Self.brokerage)
                    add(CPLI.streamID(cpli.rawValue), CPLICommissioned(definition: definition), Self.brokerage)
                    if chance(3) {
                        rejected.append((iso, organisation))
                    } else {
                        agreed.append((iso, [cpli], organisation))
                        cplis[service, default: []].append(definition)
                    }
                }
            }
        }
        try await flush(log)
        for (iso, cpliIDs, organisation) in agreed {
            add(ISO.streamID(iso.rawValue), ISOAgreed(isoID: iso, cpliIDs: cpliIDs), Self.provider(organisation))
            for cpli in cpliIDs { add(CPLI.streamID(cpli.rawValue), CPLIActivated(cpliID: cpli, isoID: iso), Self.provider(organisation)) }
        }
        for (iso, organisation) in rejected {
            add(ISO.streamID(iso.rawValue), ISORejected(isoID: iso, reason: "the rate is not the one agreed"), Self.provider(organisation))
        }
        try await flush(log)
    }

    private func details(_ name: String) -> ContactDetails {
        ContactDetails(name: name, addressLines: ["1 Market Place"], postcode: "NR1 1AA")
    }

    /// One period: actuals, confirmations, logins, conversations and claims; scheduled payments; each service's
    /// invoice through its lifecycle; the payment run.
    private mutating func run(_ number: PeriodNumber, _ log: EventLog) async throws {
        let period = Self.calendar.period(number)
        let submitDay = period.lastDay.adding(days: 1)
        var invoices: [(InvoiceCreated, Bool)] = []
        var schedules: [ScheduledPaymentCalculated] = []
        for index in 0..<size.organisations {
            let organisation = OrganisationID("org-\(index)")
            let editor = Self.provider(organisation, "payments")
            for day in [2, 16] where chance(60) {
                for role in ["su", "pay"] {
                    let user = UserID("\(role)-\(index)")
                    add(User.streamID(user.rawValue), LoginSucceeded(userID: user, at: Timestamp(microsecondsSince1970: period.firstDay.adding(days: day).startOfDay.microsecondsSince1970 + 9 * 3_600_000_000)),
                        .system)
                }
            }
            if scheduled.contains(organisation) {
                schedules.append(scheduledPayment(organisation, number, period))
                continue
            }
            for serviceNumber in 0..<size.servicesPerOrganisation {
                let service = ServiceID("svc-\(index)-\(serviceNumber)")
                let key = Actuals.Key(serviceID: service, period: number)
                var paid: [CPLIID: [WeekQuantity]] = [:]
                var version: UInt64 = 0
                for week in period.weeks {
                    for definition in cplis[service] ?? [] {
                        guard let generated = GeneratedActual(definition, week: week) else { continue }
                        guard chance(50) else {
                            paid[definition.cpliID, default: []].append(WeekQuantity(week: week, quantity: generated.planned))
                            continue
                        }
                        let recorded = actual(definition, generated, key, week)
                        add(key.streamID, recorded, editor)
                        version += 1
                        paid[definition.cpliID, default: []].append(WeekQuantity(week: week, quantity: recorded.paidQuantity, overException: recorded.isOverException))
                    }
                    add(key.streamID, WeekConfirmed(serviceID: service, period: number, week: week), editor)
                    version += 1
                }
                // The invoice of the period: every CPLI without an over-20% week (R-INV-2).
                let lines = (cplis[service] ?? []).compactMap { definition -> ChargeLine? in
                    guard let weeks = paid[definition.cpliID], !weeks.contains(where: \.overException) else { return nil }
                    return ChargeLine(definition, period: number, weeks: weeks)
                }
                guard !lines.isEmpty else { continue }
                let invoice = InvoiceCreated(
                    invoiceID: InvoiceID("inv-\(service.rawValue)-\(number.value)"), organisationID: organisation, contractID: ContractID("k-\(index)"),
                    serviceID: service, period: number, reference: "INV-\(index)-\(serviceNumber)-P\(number.value)", invoiceDate: submitDay,
                    lines: lines, total: Money.sum(lines.map(\.amount)), actualsVersion: version)
                add("invoicerefs-\(organisation.rawValue)", InvoiceReferenceReserved(
                    organisationID: organisation, reference: invoice.reference, kind: .invoice, documentID: invoice.invoiceID.rawValue), editor)
                add(Invoice.streamID(invoice.invoiceID.rawValue), invoice, editor)
                invoices.append((invoice, false))
            }
            if chance(5) { conversation(organisation, number, period) }
            if chance(3) && contractTypes[organisation] != .spotOldBlock, let definition = cplis[ServiceID("svc-\(index)-0")]?.first {
                claim(organisation, definition, number, period)
            }
        }
        try await flush(log)

        // Submitted: each locks its period (R-PER-3).
        for (invoice, _) in invoices {
            let editor = Self.provider(invoice.organisationID, "payments")
            add(Invoice.streamID(invoice.invoiceID.rawValue), InvoiceSubmitted(invoiceID: invoice.invoiceID, date: submitDay), editor)
            add(PeriodLocks.streamID(invoice.serviceID.rawValue), PeriodLocked(serviceID: invoice.serviceID, period: number, invoiceID: invoice.invoiceID), editor)
        }
        try await flush(log)
        // Some held (the next period opens) and released; some returned, corrected and resubmitted.
        for position in invoices.indices {
            let (invoice, _) = invoices[position]
            let stream = Invoice.streamID(invoice.invoiceID.rawValue)
            let locks = PeriodLocks.streamID(invoice.serviceID.rawValue)
            if chance(10) {
                add(stream, InvoiceHeld(invoiceID: invoice.invoiceID, reason: "query on week 2 hours", date: submitDay.adding(days: 1)), Self.payments)
                add(locks, NextPeriodOpened(serviceID: invoice.serviceID, period: number, invoiceID: invoice.invoiceID, reason: .held), Self.payments)
                add(stream, InvoiceReleased(invoiceID: invoice.invoiceID, date: submitDay.adding(days: 2)), Self.payments)
                invoices[position].1 = true
            } else if chance(5) {
                let editor = Self.provider(invoice.organisationID, "payments")
                add(stream, InvoiceReturned(invoiceID: invoice.invoiceID, reason: "a client is invoiced twice", date: submitDay.adding(days: 1)), Self.payments)
                add(locks, PeriodReopened(serviceID: invoice.serviceID, period: number, invoiceID: invoice.invoiceID), Self.payments)
                add(stream, InvoiceCorrected(invoiceID: invoice.invoiceID, lines: invoice.lines, total: invoice.total, actualsVersion: invoice.actualsVersion), editor)
                add(stream, InvoiceResubmitted(invoiceID: invoice.invoiceID, date: submitDay.adding(days: 2)), editor)
                add(locks, PeriodLocked(serviceID: invoice.serviceID, period: number, invoiceID: invoice.invoiceID), editor)
            }
        }
        try await flush(log)
        // Approved: the next period opens unless a hold opened it.
        for (invoice, opened) in invoices {
            add(Invoice.streamID(invoice.invoiceID.rawValue), InvoiceApproved(invoiceID: invoice.invoiceID, date: submitDay.adding(days: 3)), Self.payments)
            if !opened {
                add(PeriodLocks.streamID(invoice.serviceID.rawValue),
                    NextPeriodOpened(serviceID: invoice.serviceID, period: number, invoiceID: invoice.invoiceID, reason: .approved), Self.payments)
            }
        }
        try await flush(log)
        try await paymentRun(number, paymentDate: submitDay.adding(days: 7), invoices.map(\.0), schedules, log)
    }

    private mutating func actual(_ definition: CPLIDefinition, _ generated: GeneratedActual, _ key: Actuals.Key, _ week: Week) -> ActualRecorded {
        let planned = generated.planned
        var actual = planned
        var comment = ""
        switch random.next() % 10 {
        case 0:
            actual = .zero
            comment = "client in hospital"
        case 1:
            actual = min(planned.scaled(by: 3, over: 2) + Quantity(1), Quantity(definition.unit == .hours ? 168 : 7))
            comment = "extra care agreed with the family"
        default:
            let step = Quantity(tenThousandths: Int64(random.next() % 5) * 2_500)
            actual = chance(50) ? planned + step : (planned > step ? planned - step : planned)
        }
        let over = Int128(actual.tenThousandths) * 100 > Int128(planned.tenThousandths) * 120
        return ActualRecorded(
            serviceID: key.serviceID, period: key.period, cpliID: definition.cpliID, week: week, planned: planned,
            isProRata: generated.isProRata, actual: actual, frustrated: .zero, missed: .zero, extra: .zero, visits: randomInt(0...14),
            comment: comment, invoiceReference: nil, abortedVisits: [], paidQuantity: actual, flags: over ? [.overException] : [],
            source: .calendar, importID: nil)
    }

    private mutating func scheduledPayment(_ organisation: OrganisationID, _ number: PeriodNumber, _ period: Period) -> ScheduledPaymentCalculated {
        let index = organisation.rawValue.dropFirst(4)
        var lines: [ChargeLine] = []
        for service in 0..<size.servicesPerOrganisation {
            for definition in cplis[ServiceID("svc-\(index)-\(service)")] ?? [] {
                let weeks = period.weeks.compactMap { week in GeneratedActual(definition, week: week).map { WeekQuantity(week: week, quantity: $0.planned) } }
                if !weeks.isEmpty { lines.append(ChargeLine(definition, period: number, weeks: weeks)) }
            }
        }
        let payment = ScheduledPaymentCalculated(
            contractID: ContractID("k-\(index)"), organisationID: organisation, period: number, dueDate: ScheduledPayments.dueDate(of: period),
            arrearsWeeks: Array(period.weeks.prefix(2)), advanceWeeks: Array(period.weeks.suffix(2)), lines: lines, total: Money.sum(lines.map(\.amount)))
        add(ScheduledPayments.streamID("k-\(index)"), payment, Self.payments)
        return payment
    }

    private mutating func conversation(_ organisation: OrganisationID, _ number: PeriodNumber, _ period: Period) {
        let id = ConversationID("conv-\(organisation.rawValue)-\(number.value)")
        let stream = Conversation.streamID(id.rawValue)
        let party = ConversationParty.provider(organisation)
        add(stream, ConversationStarted(conversationID: id, organisationID: organisation, type: .paymentQuery, relatedTo: .contract,
                                        entityID: "k-\(organisation.rawValue.dropFirst(4))", team: .payments, subject: "Payment of period \(number)",
                                        startedBy: party), Self.provider(organisation))
        add(stream, ConversationMessagePosted(conversationID: id, messageNumber: 1, from: party, body: "When will period \(number) be paid?", attachments: []),
            Self.provider(organisation))
        add(stream, ConversationMessagePosted(conversationID: id, messageNumber: 2, from: .team(.payments), body: "In the next payment run.", attachments: []),
            Self.payments)
        if chance(50) { add(stream, ConversationClosed(conversationID: id, by: .team(.payments)), Self.payments) }
    }

    private mutating func claim(_ organisation: OrganisationID, _ definition: CPLIDefinition, _ number: PeriodNumber, _ period: Period) {
        let id = ClaimID("claim-\(organisation.rawValue)-\(number.value)")
        let stream = OneOffClaim.streamID(id.rawValue)
        let hours = Quantity(randomInt(2...12))
        let item = OneOffClaimItem(
            cpliID: definition.cpliID, clientReference: definition.clientReference, clientName: definition.clientName,
            absenceFrom: period.firstDay.adding(days: 3), absenceTo: period.firstDay.adding(days: 5), days: 3, precedingStay: .hospital,
            hours: hours, rate: definition.rate, amount: hours.amount(at: definition.rate), authoriser: nil)
        let actor = Self.provider(organisation)
        add(stream, OneOffClaimCreated(claimID: id, organisationID: organisation, contractID: ContractID("k-\(organisation.rawValue.dropFirst(4))"),
                                       dateOfClaim: period.lastDay, period: number, notes: nil, items: [item], total: item.amount), actor)
        add(stream, OneOffClaimSubmitted(claimID: id, date: period.lastDay), actor)
        add(stream, OneOffClaimApproved(claimID: id, date: period.lastDay.adding(days: 2)), Self.payments)
    }

    /// The period's payment run: pays every approved invoice and due scheduled payment, with each provider's
    /// remittance advice and the SHA-256 of its CSV.
    private mutating func paymentRun(_ number: PeriodNumber, paymentDate: BusinessDate, _ invoices: [InvoiceCreated],
                                     _ schedules: [ScheduledPaymentCalculated], _ log: EventLog) async throws {
        let run = PaymentRunID("run-\(number.value)")
        var lines: [OrganisationID: [RemittanceLine]] = [:]
        for invoice in invoices {
            add(Invoice.streamID(invoice.invoiceID.rawValue), InvoicePaid(invoiceID: invoice.invoiceID, paymentRunID: run, paymentDate: paymentDate), Self.payments)
            lines[invoice.organisationID, default: []] += invoice.lines.map {
                RemittanceLine(documentKind: .invoice, documentID: invoice.invoiceID.rawValue, documentReference: invoice.reference,
                               clientReference: $0.clientReference, clientName: $0.clientName, cpliID: $0.cpliID, period: $0.period, amount: $0.amount)
            }
        }
        for payment in schedules {
            add(ScheduledPayments.streamID(payment.contractID.rawValue),
                ScheduledPaymentPaid(contractID: payment.contractID, period: number, paymentRunID: run, paymentDate: paymentDate), Self.payments)
            lines[payment.organisationID, default: []] += payment.lines.map {
                RemittanceLine(documentKind: .scheduledPayment, documentID: payment.key.description, documentReference: payment.key.reference,
                               clientReference: $0.clientReference, clientName: $0.clientName, cpliID: $0.cpliID, period: $0.period, amount: $0.amount)
            }
        }
        var total = Money.zero
        for organisation in lines.keys.sorted() {
            let advice = RemittanceAdvice(
                paymentRunID: run, paymentReference: "PR\(number.value)/\(organisation)", paymentDate: paymentDate, organisationID: organisation,
                organisationName: organisationNames[organisation] ?? organisation.rawValue, lines: lines[organisation]!)
            let digest = SHA256.hash(data: advice.csvBytes).map { String(format: "%02x", $0) }.joined()
            add(PaymentRun.streamID(run.rawValue), RemittanceIssued(advice, csvSHA256: digest), Self.payments)
            total += advice.total
        }
        add(PaymentRun.streamID(run.rawValue), PaymentRunCompleted(
            paymentRunID: run, paymentDate: paymentDate, reference: "PR\(number.value)", organisationIDs: lines.keys.sorted(),
            invoiceIDs: invoices.map(\.invoiceID), scheduledPayments: schedules.map(\.key), creditNoteIDs: [], total: total), Self.payments)
        try await flush(log)
    }
}

/// Events waiting to be appended, grouped by stream in the order streams were first named, each stream's
/// events in the order they were added (a stream appears once in an append).
struct StreamBatch {
    private var order: [String] = []
    private var events: [String: [ProposedEvent]] = [:]

    mutating func add(_ stream: String, _ event: ProposedEvent) {
        if events[stream] == nil { order.append(stream) }
        events[stream, default: []].append(event)
    }

    /// The pending events as appends of at most about `maximumEvents` events each, and empties the batch.
    mutating func take(maximumEvents: Int) -> [[StreamAppend]] {
        var groups: [[StreamAppend]] = []
        var current: [StreamAppend] = []
        var count = 0
        for stream in order {
            let pending = events[stream]!
            if count > 0 && count + pending.count > maximumEvents {
                groups.append(current)
                current = []
                count = 0
            }
            current.append(StreamAppend(streamID: stream, expectedVersion: .any, events: pending))
            count += pending.count
        }
        if !current.isEmpty { groups.append(current) }
        order = []
        events = [:]
        return groups
    }
}

/// A small, fast, seedable generator (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

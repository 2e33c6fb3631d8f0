import Chronology
import Crypto
import Foundation
import PortalDomain

/// Invoices through every status, corrections of paid periods, one-off claims, scheduled payments and the
/// payment runs (R-INV, R-PER-3, R-OOC, R-PAY).
extension CountyWorkload {
    /// Decides an invoice command and the period lock step it implies, as the application does (R-PER-3).
    @discardableResult
    func decideInvoice(_ id: InvoiceID, _ command: Invoice.Command, by actor: Actor) throws -> [InvoiceEvent] {
        var state = ledger.state(Invoice.self, id.rawValue)
        let events = try ledger.decide(Invoice.self, id.rawValue, command, by: actor)
        for event in events {
            state = Invoice.evolve(state, event)
            if let step = Invoice.periodLockStep(after: event, state), let service = state.serviceID {
                try ledger.decide(PeriodLocks.self, service.rawValue, step, by: actor)
            }
        }
        return events
    }

    func reserve(_ reference: String, of organisation: OrganisationID, for kind: DocumentKind, _ documentID: String, by actor: Actor) throws {
        try ledger.decide(InvoiceReferences.self, organisation.rawValue,
                          .reserve(organisation: organisation, reference: reference, kind: kind, documentID: documentID), by: actor)
    }

    /// The wizard's facts of a service's period from the actuals as they stand (R-INV-1).
    func servicePeriodFacts(_ service: CountyService, _ number: PeriodNumber) -> ServicePeriodFacts {
        let key = Actuals.Key(serviceID: service.id, period: number)
        let cplis = cpliStates(service)
        let lines = Actuals.lines(ledger.state(Actuals.self, key.id), key: key, cplis: cplis, calendar: calendar, policy: policy)
        return ServicePeriodFacts(
            service: service.registration, periodLocks: ledger.state(PeriodLocks.self, service.id.rawValue),
            proposal: InvoiceWizard.propose(lines, cplis: cplis.compactMap(\.definition), period: number),
            actualsVersion: ledger.version(key.streamID))
    }

    /// The Monday after the period: each invoiced service's invoice is created (a few lines unticked) and
    /// submitted, locking the period.
    func invoicePeriod(_ number: PeriodNumber, on day: BusinessDate) throws {
        var created: [(InvoiceID, CountyProvider, CountyService)] = []
        for provider in providers where !provider.isScheduled {
            for service in provider.services {
                let facts = servicePeriodFacts(service, number)
                guard !facts.proposal.isEmpty else { continue }
                var unticked = Set<CPLIID>()
                if facts.proposal.count > 3, random.chance(3) { unticked.insert(random.pick(facts.proposal).cpliID) }
                let id = InvoiceID("inv-\(service.id.rawValue)-p\(number.value)")
                let draft = InvoiceDraft(invoiceID: id, serviceID: service.id, period: number,
                                         reference: "INV-\(service.id.rawValue.dropFirst(5))-P\(number.value)", invoiceDate: day, unticked: unticked)
                ledger.command()
                try ledger.decide(Invoice.self, id.rawValue, .create(draft, facts), by: provider.editor)
                try reserve(draft.reference, of: provider.id, for: .invoice, id.rawValue, by: provider.editor)
                // Now and then a line is removed from the created invoice instead (R-INV-2).
                let lines = ledger.state(Invoice.self, id.rawValue).lines
                if unticked.isEmpty, lines.count > 3, random.chance(2) {
                    ledger.command()
                    try decideInvoice(id, .removeLine(random.pick(lines).cpliID), by: provider.editor)
                }
                created.append((id, provider, service))
            }
        }
        // The providers check their invoices, then submit them.
        ledger.at(day, hour: 10, minute: 30)
        for (id, provider, service) in created {
            ledger.command()
            try decideInvoice(id, .submit(actualsVersion: ledger.version(Actuals.Key(serviceID: service.id, period: number).streamID)),
                              by: provider.editor)
            openInvoices.append(id)
            invoicesMade += 1
        }
    }

    /// Day 1 after the period's invoices: the Payments Team holds a few (the next period opens) and returns a
    /// few (their period reopens) (R-INV-3, R-PER-3).
    func holdAndReturn(_ number: PeriodNumber) throws -> (held: [InvoiceID], returned: [InvoiceID]) {
        let payments = staff[.payments]!
        var held: [InvoiceID] = []
        var returned: [InvoiceID] = []
        for id in openInvoices {
            let invoice = ledger.state(Invoice.self, id.rawValue)
            guard invoice.status == .submitted, invoice.kind == .invoice, invoice.period == number else { continue }
            if random.chance(8) {
                ledger.command()
                try decideInvoice(id, .hold(reason: "Query on the hours of week 2"), by: payments)
                held.append(id)
            } else if random.chance(4) {
                ledger.command()
                try decideInvoice(id, .return(reason: "A client is invoiced at the wrong rate"), by: payments)
                returned.append(id)
            }
        }
        return (held, returned)
    }

    /// Day 2: held invoices are released; the providers correct returned ones from their actuals and submit
    /// them again, locking the period again.
    func releaseAndResubmit(_ number: PeriodNumber, held: [InvoiceID], returned: [InvoiceID]) throws {
        for id in held {
            ledger.command()
            try decideInvoice(id, .release, by: staff[.payments]!)
        }
        for id in returned {
            let invoice = ledger.state(Invoice.self, id.rawValue)
            guard let (provider, service) = locate(invoice.serviceID), let line = invoice.lines.first,
                  let week = calendar.period(number).weeks.last else { continue }
            let key = Actuals.Key(serviceID: providers[provider].services[service].id, period: number)
            if let current = ledger.state(Actuals.self, key.id).recorded(line.cpliID, week), current.actual.tenThousandths > 2_500,
               current.abortedVisits.isEmpty, !current.isOverException {
                try record(provider, service, key, ActualEntry(
                    cpliID: line.cpliID, week: week, actual: Quantity(tenThousandths: current.actual.tenThousandths - 2_500),
                    comment: "Corrected after the invoice was returned"))
            }
            let editor = providers[provider].editor
            ledger.command()
            try decideInvoice(id, .correct(.sameCPLIs, servicePeriodFacts(providers[provider].services[service], number)), by: editor)
            ledger.command()
            try decideInvoice(id, .submit(actualsVersion: ledger.version(key.streamID)), by: editor)
        }
    }

    /// Day 3: the Payments Team approves everything submitted (R-INV-3); the next periods open (R-PER-3).
    func approveSubmitted() throws {
        for id in openInvoices where ledger.state(Invoice.self, id.rawValue).status == .submitted {
            ledger.command()
            try decideInvoice(id, .approve, by: staff[.payments]!)
        }
    }

    func locate(_ service: ServiceID?) -> (Int, Int)? {
        guard let service else { return nil }
        for provider in providers.indices {
            if let index = providers[provider].services.firstIndex(where: { $0.id == service }) { return (provider, index) }
        }
        return nil
    }

    /// A correction of an actual in a period whose invoice was paid (R-INV-4): the edit and a credit note
    /// (downwards) or supplementary invoice (upwards) of exactly the difference, against the paid invoice.
    func correctPaidPeriods(_ number: PeriodNumber) throws {
        guard number.value > 1 else { return }
        let earlier = number.previous
        for id in openInvoices {
            let paid = ledger.state(Invoice.self, id.rawValue)
            guard paid.kind == .invoice, paid.status == .paid, paid.period == earlier, random.chance(3),
                  let (provider, service) = locate(paid.serviceID), let line = paid.lines.first else { continue }
            let countyService = providers[provider].services[service]
            let key = Actuals.Key(serviceID: countyService.id, period: earlier)
            let week = calendar.period(earlier).weeks[random.int(0...3)]
            guard let definition = ledger.state(CPLI.self, line.cpliID.rawValue).definition, let generated = GeneratedActual(definition, week: week) else { continue }
            let standing = ledger.state(Actuals.self, key.id).recorded(line.cpliID, week)
            guard standing?.abortedVisits.isEmpty ?? true else { continue }
            let before = standing?.actual ?? generated.planned
            let step: Int64 = definition.unit == .nights ? 10_000 : 5_000
            let downwards = random.chance(60) && before.tenThousandths > step
            let after = Quantity(tenThousandths: before.tenThousandths + (downwards ? -step : step))
            guard downwards || after.tenThousandths * 5 <= generated.planned.tenThousandths * 6 else { continue }
            let editor = providers[provider].editor
            ledger.command()
            try record(provider, service, key, ActualEntry(cpliID: line.cpliID, week: week, actual: after,
                                                           comment: downwards ? "Visits missed, found at the audit" : "Visits not recorded at the time"),
                       editWindow: .paidPeriod(id), newCommand: false)
            guard let corrected = servicePeriodFacts(countyService, earlier).proposal.first(where: { $0.cpliID == line.cpliID }) else { continue }
            let document = nextDocument
            nextDocument += 1
            switch PaidPeriodCorrection.outcome(corrected: corrected, invoice: paid) {
            case .nothing:
                break
            case .creditNote(let difference):
                let note = CreditNoteID(String(format: "cn-%07d", document))
                let raised = try ledger.decide(CreditNote.self, note.rawValue, .raise(note, reference: "CN-\(document)", difference: difference, against: paid), by: editor)
                guard case .raised(let event)? = raised.first else { break }
                try reserve("CN-\(document)", of: providers[provider].id, for: .creditNote, note.rawValue, by: editor)
                try ledger.decide(Invoice.self, id.rawValue, .recordAdjustment(InvoiceAdjustment(
                    kind: .creditNote, documentID: note.rawValue, lines: event.lines, total: event.total)), by: editor)
                raisedCreditNotes.append(note)
            case .supplementaryInvoice(let difference):
                let supplementary = InvoiceID(String(format: "sup-%07d", document))
                try ledger.decide(Invoice.self, supplementary.rawValue, .raiseSupplementary(
                    invoiceID: supplementary, reference: "SUP-\(document)", difference: difference, against: paid,
                    actualsVersion: ledger.version(key.streamID)), by: editor)
                try reserve("SUP-\(document)", of: providers[provider].id, for: .supplementaryInvoice, supplementary.rawValue, by: editor)
                try ledger.decide(Invoice.self, id.rawValue, .recordAdjustment(InvoiceAdjustment(
                    kind: .supplementaryInvoice, documentID: supplementary.rawValue, lines: [difference], total: difference.amount)), by: editor)
                openInvoices.append(supplementary)
                invoicesMade += 1
            }
        }
    }

    /// One-off claims (R-OOC): made on the period's last day by providers on block or framework contracts,
    /// approved or rejected by Payments the day after the period, and the approved ones invoiced at contract
    /// level the day after that.
    func makeClaims(_ number: PeriodNumber) throws -> [(provider: Int, claim: ClaimID)] {
        let period = calendar.period(number)
        var made: [(Int, ClaimID)] = []
        for provider in providers.indices where !providers[provider].isScheduled && providers[provider].contract.contractType != .spotOldBlock {
            guard random.chance(6), let service = providers[provider].services.first,
                  let cpli = cpliStates(service).first(where: { $0.status == .active && $0.definition?.temporaryOf == nil && $0.definition?.covers(period.lastDay) == true })?.definition
            else { continue }
            let days = random.chance(70) ? random.int(1...3) : random.int(4...7)
            let from = period.lastDay.adding(days: -random.int(8...20))
            let claim = ClaimID(String(format: "claim-%07d", nextDocument))
            nextDocument += 1
            let request = OneOffClaimRequest(
                claimID: claim, contractID: providers[provider].contract.contractID, dateOfClaim: period.lastDay,
                items: [OneOffClaimItemRequest(cpliID: cpli.cpliID, absenceFrom: from, absenceTo: from.adding(days: days - 1),
                                               precedingStay: random.chance(70) ? .hospital : .emergencyRespite, hours: Quantity(random.int(2...12)),
                                               authoriser: days >= 4 ? "J. Wells, locality worker" : nil)])
            let actor = providers[provider].superUser
            ledger.command()
            try ledger.decide(OneOffClaim.self, claim.rawValue, .create(
                request, contract: providers[provider].contract,
                items: [cpli.cpliID: ClaimItemFacts(cpli: ledger.state(CPLI.self, cpli.cpliID.rawValue), contractID: providers[provider].contract.contractID)]),
                by: actor)
            ledger.command()
            try ledger.decide(OneOffClaim.self, claim.rawValue, .submit, by: actor)
            made.append((provider, claim))
        }
        return made
    }

    /// Payments approves most claims and rejects one in seven (R-OOC-4); returns the approved ones by provider.
    func decideClaims(_ claims: [(provider: Int, claim: ClaimID)]) throws -> [Int: [ClaimID]] {
        var approved: [Int: [ClaimID]] = [:]
        for (provider, claim) in claims {
            ledger.command()
            claimsDecided += 1
            if claimsDecided % 7 != 3 {
                try ledger.decide(OneOffClaim.self, claim.rawValue, .approve, by: staff[.payments]!)
                approved[provider, default: []].append(claim)
            } else {
                try ledger.decide(OneOffClaim.self, claim.rawValue, .reject(reason: "The absence is not in the client's care record"), by: staff[.payments]!)
            }
        }
        return approved
    }

    /// Each provider invoices its approved claims at contract level and submits the invoice (R-OOC-4).
    func invoiceClaims(_ approved: [Int: [ClaimID]], of number: PeriodNumber) throws {
        for provider in approved.keys.sorted() {
            let claimIDs = approved[provider]!
            let contract = providers[provider].contract
            let id = InvoiceID("cinv-\(providers[provider].id.rawValue)-p\(number.value)")
            let reference = "CI-\(providers[provider].id.rawValue.dropFirst(5))-P\(number.value)"
            let actor = providers[provider].superUser
            var states: [ClaimID: OneOffClaim.State] = [:]
            for claim in claimIDs { states[claim] = ledger.state(OneOffClaim.self, claim.rawValue) }
            ledger.command()
            try ledger.decide(Invoice.self, id.rawValue, .createForClaims(
                ContractInvoiceDraft(invoiceID: id, contractID: contract.contractID, reference: reference, invoiceDate: ledger.today, claimIDs: claimIDs),
                contract: contract, claims: states), by: actor)
            for claim in claimIDs {
                try ledger.decide(OneOffClaim.self, claim.rawValue, .invoice(id), by: actor)
                ledger.forget(OneOffClaim.streamID(claim.rawValue))
            }
            try reserve(reference, of: providers[provider].id, for: .contractInvoice, id.rawValue, by: actor)
            ledger.command()
            try decideInvoice(id, .submit(actualsVersion: nil), by: actor)
            openInvoices.append(id)
            invoicesMade += 1
        }
    }

    /// Scheduled contracts' payment of the period, from planned quantities (R-PAY-1), calculated when the
    /// period starts.
    func calculateScheduledPayments(_ number: PeriodNumber) throws {
        for provider in providers where provider.isScheduled {
            ledger.command()
            try ledger.decide(ScheduledPayments.self, provider.contract.contractID.rawValue, .calculate(
                number, contract: provider.contract, cplis: provider.services.flatMap(cpliStates)), by: staff[.payments]!)
        }
    }

    /// The payment run four days after the period's invoices (R-PAY-2): every approved invoice, every
    /// scheduled payment due and every credit note raised, with each provider's remittance advice and the
    /// SHA-256 of its CSV; paid period invoices open their next period (R-PER-3).
    func paymentRun(_ number: PeriodNumber, paymentDate: BusinessDate) throws {
        let payments = staff[.payments]!
        let request = PaymentRunRequest(paymentRunID: PaymentRunID("run-\(number.value)"), paymentDate: paymentDate, reference: "PR\(number.value)")
        var facts = PaymentRunFacts(invoices: [:], schedules: [:], creditNotes: [:], organisationNames: [:])
        for id in openInvoices {
            let state = ledger.state(Invoice.self, id.rawValue)
            if state.status == .approved { facts.invoices[id] = state }
        }
        for provider in providers where provider.isScheduled {
            let state = ledger.state(ScheduledPayments.self, provider.contract.contractID.rawValue)
            if !state.unpaid(dueBy: request.paymentDate).isEmpty { facts.schedules[provider.contract.contractID] = state }
        }
        for note in raisedCreditNotes { facts.creditNotes[note] = ledger.state(CreditNote.self, note.rawValue) }
        for provider in providers { facts.organisationNames[provider.id] = provider.name }
        ledger.command()
        let context = ledger.context(payments)
        guard let plan = try? PaymentRun.plan(request, facts, context) else { return }
        var digests: [OrganisationID: String] = [:]
        for advice in plan.remittances {
            digests[advice.organisationID] = SHA256.hash(data: advice.csvBytes).map { String(format: "%02x", $0) }.joined()
        }
        try ledger.decide(PaymentRun.self, request.paymentRunID.rawValue, .run(request, facts, csvSHA256: digests), by: payments)
        for invoice in plan.invoiceIDs {
            try decideInvoice(invoice, .pay(request.paymentRunID, paymentDate: request.paymentDate), by: payments)
        }
        for key in plan.scheduledPayments {
            try ledger.decide(ScheduledPayments.self, key.contractID.rawValue, .markPaid(key.period, request.paymentRunID, paymentDate: request.paymentDate), by: payments)
        }
        for note in plan.creditNoteIDs {
            try ledger.decide(CreditNote.self, note.rawValue, .settle(request.paymentRunID, paymentDate: request.paymentDate), by: payments)
            ledger.forget(CreditNote.streamID(note.rawValue))
        }
        // Nothing reads a run again; its remittances are the largest state of the county.
        ledger.forget(PaymentRun.streamID(request.paymentRunID.rawValue))
        raisedCreditNotes.removeAll { plan.creditNoteIDs.contains($0) }
        paymentRuns += 1
    }

    /// A few providers ask the Payments Team about a payment; some conversations move to Billing, most close.
    func conversations(_ number: PeriodNumber) throws {
        let period = calendar.period(number)
        for provider in providers.indices where random.chance(5) {
            let id = ConversationID(String(format: "conv-%07d", nextDocument))
            nextDocument += 1
            let actor = providers[provider].superUser
            ledger.at(period.firstDay.adding(days: 5), hour: 14)
            ledger.command()
            try ledger.decide(Conversation.self, id.rawValue, .start(ConversationStart(
                conversationID: id, organisationID: providers[provider].id, type: .paymentQuery, relatedTo: .contract,
                entityID: providers[provider].contract.contractID.rawValue, team: .payments, subject: "Payment of period \(number.previous)",
                body: "We have not seen the payment for period \(number.previous) yet."), entity: .found(organisation: providers[provider].id)), by: actor)
            ledger.at(period.firstDay.adding(days: 6), hour: 10)
            ledger.command()
            try ledger.decide(Conversation.self, id.rawValue, .post(body: "It is in the payment run this week.", attachments: []), by: staff[.payments]!)
            if random.chance(30) {
                ledger.command()
                try ledger.decide(Conversation.self, id.rawValue, .reassign(.billing), by: staff[.payments]!)
            }
            if random.chance(60) {
                ledger.command()
                try ledger.decide(Conversation.self, id.rawValue, .close, by: actor)
            }
            ledger.forget(Conversation.streamID(id.rawValue))
        }
    }

    /// Forgets what later periods never read: actuals and paid invoices four periods back, ended CPLIs.
    func forgetOld(_ number: PeriodNumber) {
        guard number.value > 4 else { return }
        let old = PeriodNumber(number.value - 4)
        for provider in providers {
            for service in provider.services { ledger.forget(Actuals.Key(serviceID: service.id, period: old).streamID) }
        }
        openInvoices.removeAll { id in
            let state = ledger.state(Invoice.self, id.rawValue)
            guard state.status == .paid, (state.period ?? old) <= old || state.kind == .contractInvoice else { return false }
            ledger.forget(Invoice.streamID(id.rawValue))
            return true
        }
        forgetEndedCPLIs(before: calendar.period(old).firstDay)
    }
}

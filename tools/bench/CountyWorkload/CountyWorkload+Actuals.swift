import Chronology
import Crypto
import Foundation
import PortalDomain

/// Weekly actuals: by the calendar with a weekly confirmation, or a period's CSV import (R-ACT, R-ABT).
extension CountyWorkload {
    /// What a provider records for one CPLI's week, or nil when the week went as planned and nothing is
    /// entered. `calendar`: aborted visits are listed only in the calendar (the CSV carries Frustrated).
    func delivered(_ definition: CPLIDefinition, _ generated: GeneratedActual, week: Week, calendar: Bool) -> ActualEntry? {
        let planned = generated.planned.tenThousandths
        guard planned > 0 else { return nil }
        let step: Int64 = definition.unit == .nights ? 10_000 : 2_500
        var roll = random.next() % 1000
        // Aborted visits are listed in the calendar only; a CSV row of that share is an ordinary variation.
        if !calendar, (80..<110).contains(roll) { roll = 500 }
        switch roll {
        case ..<60:
            return nil
        case ..<80:
            return ActualEntry(cpliID: definition.cpliID, week: week, actual: .zero, comment: "No service this week: client in hospital")
        case ..<110 where definition.unit == .hours && planned > 10_000:
            // A visit cancelled on the doorstep, with less (or, now and then, more) than 24 hours' notice (R-ABT).
            let day = week.monday.adding(days: random.int(0...4))
            let visit = AbortedVisit(date: day, length: Quantity(tenThousandths: 7_500), noticeHours: Quantity(random.int(2...30)),
                                     time: .day, cause: .cancelled)
            return ActualEntry(cpliID: definition.cpliID, week: week, actual: Quantity(tenThousandths: planned - 7_500),
                               comment: "Visit cancelled on the doorstep on \(day.iso8601)", abortedVisits: [visit])
        case ..<110 where definition.unit == .nights:
            let day = week.monday.adding(days: random.int(0...6))
            let visit = AbortedVisit(date: day, length: Quantity(1), noticeHours: Quantity(random.int(1...12)), time: .night,
                                     cause: random.chance(30) ? .hospitalisation : .cancelled)
            return ActualEntry(cpliID: definition.cpliID, week: week, actual: Quantity(tenThousandths: max(0, planned - 10_000)),
                               comment: "Night sit cancelled on \(day.iso8601)", abortedVisits: [visit])
        case ..<110:
            return nil
        case ..<125:
            // More than 20% over the plan: the exception flag (R-ACT-6), resolved before the invoice.
            return ActualEntry(cpliID: definition.cpliID, week: week, actual: Quantity(tenThousandths: planned * 3 / 2 + step),
                               comment: "Extra care agreed with the family")
        default:
            let steps = Int64(random.int(1...4)) * (random.chance(50) ? 1 : -1)
            var actual = max(step, planned + steps * step)
            if actual * 10 > planned * 12 { actual = planned }
            guard actual != planned else { return nil }
            return ActualEntry(cpliID: definition.cpliID, week: week, actual: Quantity(tenThousandths: actual),
                               comment: actual < planned ? "Visits shortened at the client's request" : "Extra support after a fall")
        }
    }

    func actualFacts(_ service: CountyService, cpli: CPLIID, editWindow: EditWindow = .openPeriod) -> ActualFacts {
        ActualFacts(cpli: ledger.state(CPLI.self, cpli.rawValue), contractType: service.contractType, service: service.facts,
                    periodLocks: ledger.state(PeriodLocks.self, service.id.rawValue), editWindow: editWindow)
    }

    /// Records one CPLI's week as the provider's editor, as a command of its own unless `newCommand` is false
    /// (it is then part of the command just started).
    func record(_ provider: Int, _ service: Int, _ key: Actuals.Key, _ entry: ActualEntry, editWindow: EditWindow = .openPeriod,
                newCommand: Bool = true) throws {
        let facts = actualFacts(providers[provider].services[service], cpli: entry.cpliID, editWindow: editWindow)
        if newCommand { ledger.command() }
        try ledger.decide(Actuals.self, key.id, .record(key, entry, facts: facts, source: .calendar, importID: nil), by: providers[provider].editor)
    }

    /// A calendar provider records a week's actuals the Monday after, corrects a few of them (some twice) and
    /// confirms the week (R-ACT-9).
    func recordWeek(_ week: Week, of number: PeriodNumber) throws {
        ledger.at(week.monday.adding(days: 7), hour: 9)
        for provider in providers.indices where providers[provider].usesCalendar && !providers[provider].isScheduled {
            for service in providers[provider].services.indices {
                let key = Actuals.Key(serviceID: providers[provider].services[service].id, period: number)
                for state in cpliStates(providers[provider].services[service]) where state.status == .active {
                    guard let definition = state.definition, definition.temporaryOf == nil,
                          let generated = GeneratedActual(definition, week: week),
                          var entry = delivered(definition, generated, week: week, calendar: true) else { continue }
                    try record(provider, service, key, entry)
                    var corrections = random.chance(8) ? (random.chance(25) ? 2 : 1) : 0
                    while corrections > 0, entry.actual.tenThousandths > 2_500, entry.abortedVisits.isEmpty {
                        corrections -= 1
                        entry.actual = Quantity(tenThousandths: entry.actual.tenThousandths - 2_500)
                        entry.comment = "Corrected after checking the rota"
                        try record(provider, service, key, entry)
                    }
                }
                ledger.command()
                try ledger.decide(Actuals.self, key.id, .confirmWeek(
                    key, week, service: providers[provider].services[service].facts,
                    periodLocks: ledger.state(PeriodLocks.self, key.serviceID.rawValue)), by: providers[provider].editor)
            }
        }
    }

    /// A CSV provider uploads the whole period once its last week is over: one file for all its services,
    /// imported all or nothing (R-ACT-2), applied as one atomic append.
    func importPeriod(_ number: PeriodNumber) throws {
        let period = calendar.period(number)
        for provider in providers.indices where !providers[provider].usesCalendar && !providers[provider].isScheduled {
            var rows = ["service,cpli,week,actual,frustrated,missed,extra,visits,comment"]
            for service in providers[provider].services {
                for week in period.weeks {
                    for state in cpliStates(service) where state.status == .active {
                        guard let definition = state.definition, definition.temporaryOf == nil,
                              let generated = GeneratedActual(definition, week: week),
                              let entry = delivered(definition, generated, week: week, calendar: false) else { continue }
                        rows.append("\(service.id.rawValue),\(entry.cpliID.rawValue),\(week.monday.iso8601),\(entry.actual),,,,\(random.int(0...14)),\(entry.comment)")
                    }
                }
            }
            guard rows.count > 1 else { continue }
            let content = Data((rows.joined(separator: "\n") + "\n").utf8)
            let sha256 = SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined()
            let organisation = providers[provider].id
            let file = try ActualsFile.parse(String(decoding: content, as: UTF8.self))
            let contentSHA256 = SHA256.hash(data: Data(file.canonicalContent.utf8)).map { String(format: "%02x", $0) }.joined()
            let request = ActualsImport.Request(
                importID: ImportID("imp-\(contentSHA256.prefix(24))"), organisationID: organisation, period: number, sha256: sha256,
                contentSHA256: contentSHA256, fileName: "actuals-\(organisation.rawValue)-p\(number.value).csv", file: file)
            var services: [ServiceID: ActualsImport.ServiceFacts] = [:]
            var cplis: [CPLIID: CPLI.State] = [:]
            for service in providers[provider].services {
                let key = Actuals.Key(serviceID: service.id, period: number)
                services[service.id] = ActualsImport.ServiceFacts(
                    organisationID: organisation, contractType: service.contractType, service: service.facts,
                    periodLocks: ledger.state(PeriodLocks.self, service.id.rawValue), actuals: ledger.state(Actuals.self, key.id))
                for cpli in service.cplis { cplis[cpli] = ledger.state(CPLI.self, cpli.rawValue) }
            }
            let editor = providers[provider].editor
            ledger.command()
            let decision = try ActualsImport.decide(request, imports: ledger.state(Imports.self, organisation.rawValue), services: services,
                                                    cplis: cplis, context: ledger.context(editor))
            // A file that changes no line records nothing, as the portal's import does.
            guard let imported = decision.imported else { continue }
            ledger.record(Imports.self, organisation.rawValue, [.fileImported(imported)], by: editor)
            for (service, recorded) in decision.recorded.sorted(by: { $0.key < $1.key }) {
                ledger.record(Actuals.self, Actuals.Key(serviceID: service, period: number).id, recorded.map(ActualsEvent.recorded), by: editor)
            }
        }
    }

    /// Before invoicing, every week over the 20% exception is resolved (R-INV-2): mostly by brokerage's
    /// temporary CPLI for the extra, the original reduced back to Planned and the extra recorded on the
    /// temporary one (R-INV-5); otherwise the provider corrects the week down to the 20% bound.
    func resolveExceptions(_ number: PeriodNumber) throws {
        var temporaries: [(provider: Int, service: Int, key: Actuals.Key, line: ActualRecorded, temporary: CPLIDefinition)] = []
        for provider in providers.indices where !providers[provider].isScheduled {
            for service in providers[provider].services.indices {
                let key = Actuals.Key(serviceID: providers[provider].services[service].id, period: number)
                let state = ledger.state(Actuals.self, key.id)
                for line in state.recorded.keys.sorted().compactMap({ state.recorded[$0] }) where line.isOverException {
                    guard let definition = ledger.state(CPLI.self, line.cpliID.rawValue).definition else { continue }
                    if random.chance(60) {
                        let iso = ISOID(String(format: "iso-%07d", nextDocument))
                        nextDocument += 1
                        let temporary = CPLIDefinition(
                            cpliID: CPLIID("\(iso.rawValue.dropFirst(4))-t"), isoID: iso, organisationID: definition.organisationID,
                            serviceID: definition.serviceID, clientReference: definition.clientReference, clientName: definition.clientName,
                            serviceType: definition.serviceType, unit: definition.unit, plannedPerWeek: line.actual - line.planned, rate: definition.rate,
                            startDate: line.week.monday, endDate: line.week.sunday, temporaryOf: definition.cpliID)
                        try publish(iso, provider: provider, service: service, [temporary])
                        temporaries.append((provider, service, key, line, temporary))
                    } else {
                        try record(provider, service, key, ActualEntry(
                            cpliID: line.cpliID, week: line.week, actual: Quantity(tenThousandths: line.planned.tenThousandths * 6 / 5),
                            comment: "Capped at the agreed 20% over the plan"))
                    }
                }
            }
        }
        guard !temporaries.isEmpty else { return }
        try agreePublishedISOs()
        for item in temporaries {
            try record(item.provider, item.service, item.key, ActualEntry(
                cpliID: item.line.cpliID, week: item.line.week, actual: item.line.planned,
                comment: "Reduced to planned: the extra is on temporary CPLI \(item.temporary.cpliID)"))
            try record(item.provider, item.service, item.key, ActualEntry(
                cpliID: item.temporary.cpliID, week: item.line.week, actual: item.temporary.plannedPerWeek, comment: "Extra care agreed with brokerage"))
        }
    }
}

import Chronology
import Foundation
import PortalDomain

/// ISOs and their CPLIs: new clients, care packages that end or change, temporary top-ups (R-ISO, R-INV-5).
extension CountyWorkload {
    /// Brokerage publishes an ISO for a new client of a service: one CPLI of day care, sometimes a second of
    /// night sits. Most packages end after some months (the day after, some clients get a changed package).
    func commissionClient(_ provider: Int, _ service: Int, startingOn startDate: BusinessDate,
                          client existing: (reference: String, name: String)? = nil) throws {
        let client: (reference: String, name: String)
        if let existing {
            client = existing
        } else {
            client = (String(format: "C%07d", 1_000_000 + nextClient), "\(random.pick(CountyNames.forenames)) \(random.pick(CountyNames.surnames))")
            nextClient += 1
        }
        let iso = ISOID(String(format: "iso-%07d", nextDocument))
        nextDocument += 1
        let ends: BusinessDate? = random.chance(85) ? startDate.adding(days: 7 * random.int(8...90) + random.int(0...6)) : nil
        var definitions: [CPLIDefinition] = []
        for line in 0..<(random.chance(scale.secondLineShare) ? 2 : 1) {
            let night = line == 1
            definitions.append(CPLIDefinition(
                cpliID: CPLIID("\(iso.rawValue.dropFirst(4))-\(line + 1)"), isoID: iso, organisationID: providers[provider].id,
                serviceID: providers[provider].services[service].id, clientReference: client.reference, clientName: client.name,
                serviceType: night ? .nightSits : .homeSupportContractRate, unit: night ? .nights : .hours,
                plannedPerWeek: night ? Quantity(random.int(1...3)) : Quantity(tenThousandths: Int64(random.int(7...42)) * 5_000),
                rate: night ? Rate(pence: Int64(random.int(9_000...10_500))) : Rate(pence: Int64(random.int(1_795...2_095))),
                startDate: startDate, endDate: ends))
        }
        try publish(iso, provider: provider, service: service, definitions)
    }

    /// Publishes the ISO with its CPLIs in one command, as the application does.
    func publish(_ iso: ISOID, provider: Int, service: Int, _ definitions: [CPLIDefinition]) throws {
        let serviceID = providers[provider].services[service].id
        let brokerage = staff[.serviceBrokerage]!
        ledger.command()
        try ledger.decide(ISO.self, iso.rawValue, .publish(ISOPublished(
            isoID: iso, organisationID: providers[provider].id, serviceID: serviceID, clientReference: definitions[0].clientReference,
            clientName: definitions[0].clientName, cpliIDs: definitions.map(\.cpliID)), service: ledger.state(Service.self, serviceID.rawValue)),
            by: brokerage)
        for definition in definitions {
            let original = definition.temporaryOf.map { ledger.state(CPLI.self, $0.rawValue) }
            try ledger.decide(CPLI.self, definition.cpliID.rawValue, .commission(definition, original: original), by: brokerage)
            try ledger.decide(ServiceCPLIs.self, serviceID.rawValue, .list(definition), by: brokerage)
        }
        pendingISOs.append(PendingISO(iso: iso, provider: provider, service: service, definitions: definitions))
    }

    /// Providers agree the ISOs published to them; about one in 25 is rejected for an error and brokerage
    /// publishes it again, corrected, which is then agreed.
    func agreePublishedISOs() throws {
        while !pendingISOs.isEmpty {
            let pending = pendingISOs
            pendingISOs = []
            for item in pending {
                let agreer = providers[item.provider].superUser
                ledger.command()
                if item.definitions.allSatisfy({ $0.temporaryOf == nil }), random.chance(4) {
                    try ledger.decide(ISO.self, item.iso.rawValue, .reject(reason: "The weekly hours do not match the care plan"), by: agreer)
                    ledger.forget(ISO.streamID(item.iso.rawValue))
                    let iso = ISOID(String(format: "iso-%07d", nextDocument))
                    nextDocument += 1
                    try publish(iso, provider: item.provider, service: item.service, item.definitions.enumerated().map { index, definition in
                        var corrected = definition
                        corrected.isoID = iso
                        corrected.cpliID = CPLIID("\(iso.rawValue.dropFirst(4))-\(index + 1)")
                        return corrected
                    })
                    continue
                }
                try ledger.decide(ISO.self, item.iso.rawValue, .agree, by: agreer)
                ledger.forget(ISO.streamID(item.iso.rawValue))
                for definition in item.definitions {
                    try ledger.decide(CPLI.self, definition.cpliID.rawValue, .activate(item.iso), by: agreer)
                }
                insert(item.definitions.map(\.cpliID), into: &providers[item.provider].services[item.service].cplis)
            }
        }
    }

    /// Keeps each service's number of clients: a package that ends in the next period is followed, for some
    /// clients, by a changed one from the day after; new clients start in the next period for the others.
    func commissionForNextPeriod(after number: PeriodNumber) throws {
        let next = calendar.period(number.next)
        for provider in providers.indices {
            for service in providers[provider].services.indices {
                var inCare = Set<String>()
                var ending: [(CPLIDefinition)] = []
                for cpli in providers[provider].services[service].cplis {
                    guard let definition = ledger.state(CPLI.self, cpli.rawValue).definition, definition.temporaryOf == nil else { continue }
                    if let end = definition.endDate, end < next.firstDay { continue }
                    if let end = definition.endDate, end <= next.lastDay {
                        if definition.cpliID.rawValue.hasSuffix("-1") { ending.append(definition) }
                        continue
                    }
                    inCare.insert(definition.clientReference)
                }
                for definition in ending where !inCare.contains(definition.clientReference) && random.chance(40) {
                    try commissionClient(provider, service, startingOn: definition.endDate!.adding(days: 1),
                                         client: (definition.clientReference, definition.clientName))
                    inCare.insert(definition.clientReference)
                }
                let wanted = scale.clientsPerService + random.int(-1...1)
                for _ in 0..<max(0, wanted - inCare.count) {
                    try commissionClient(provider, service, startingOn: next.firstDay.adding(days: random.int(0...20)))
                }
            }
        }
    }

    /// The CPLIs of a service with their states, in id order.
    func cpliStates(_ service: CountyService) -> [CPLI.State] {
        service.cplis.map { ledger.state(CPLI.self, $0.rawValue) }
    }

    /// Drops CPLIs that ended before `date` from the service's list and from memory.
    func forgetEndedCPLIs(before date: BusinessDate) {
        for provider in providers.indices {
            for service in providers[provider].services.indices {
                providers[provider].services[service].cplis.removeAll { cpli in
                    guard let end = ledger.state(CPLI.self, cpli.rawValue).definition?.endDate, end < date else { return false }
                    ledger.forget(CPLI.streamID(cpli.rawValue))
                    return true
                }
            }
        }
    }

    func insert(_ ids: [CPLIID], into list: inout [CPLIID]) {
        list += ids
        list.sort()
    }
}

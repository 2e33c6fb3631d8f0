import Chronology
import Foundation
import PortalDomain

/// The council's staff, the providers with their contracts, services and contacts, and their logins.
extension CountyWorkload {
    func setUp() throws {
        let start = Self.anchor.adding(days: -14)
        ledger.at(start, hour: 7)
        // The helpdesk registers itself at installation, then every other team and an auditor.
        let teams: [CouncilTeam] = [.helpdesk, .procurement, .serviceBrokerage, .payments, .billing, .financialAssessment]
        for team in teams {
            let user = UserID("staff-\(team.rawValue)")
            let person = Person(forename: random.pick(CountyNames.forenames), surname: random.pick(CountyNames.surnames), email: "\(team.rawValue)@council.example")
            ledger.command()
            try ledger.decide(User.self, user.rawValue, .registerCouncilUser(user, person, team: team),
                              by: staff[.helpdesk] ?? .system(job: "installation"))
            let actor = Actor.council(user: user, team: team)
            staff[team] = actor
            try activate(actor)
        }
        let auditor = UserID("auditor-1")
        ledger.command()
        try ledger.decide(User.self, auditor.rawValue, .registerAuditor(auditor, Person(forename: "Audrey", surname: "Hale", email: "auditor@council.example")),
                          by: staff[.helpdesk]!)
        try activate(.auditor(user: auditor))

        for index in 0..<scale.providers { try registerProvider(index, start: start) }

        // The clients in care when the portal starts; their ISOs are agreed before period 1.
        ledger.at(start.adding(days: 2), hour: 10)
        for provider in providers.indices where true {
            for service in providers[provider].services.indices {
                for _ in 0..<scale.clientsPerService {
                    try commissionClient(provider, service, startingOn: Self.anchor.adding(days: -7 * random.int(0...20)))
                }
            }
        }
        ledger.at(start.adding(days: 3), hour: 9)
        try agreePublishedISOs()
    }

    /// The user's first login: the first password changed and a passcode set (R-ACC-1, R-ACC-3).
    func activate(_ actor: Actor) throws {
        let id = actor.who
        ledger.command()
        try ledger.decide(User.self, id, .changePassword(newPassword: Self.password, currentMatched: true, sameAsCurrent: false), by: actor)
        ledger.command()
        try ledger.decide(User.self, id, .setPasscode(Self.passcode), by: actor)
    }

    private func registerProvider(_ index: Int, start: BusinessDate) throws {
        let procurement = staff[.procurement]!
        let helpdesk = staff[.helpdesk]!
        let organisation = OrganisationID("\(scale.providerPrefix)-" + String(format: "%03d", index + 1))
        let place = CountyNames.places[index % CountyNames.places.count]
        let name = "\(place) Home Care \(index + 1)"
        let details = ContactDetails(name: name, addressLines: ["\(index + 1) Market Place", place], postcode: "NR\(index % 30 + 1) \(index % 9 + 1)AB")
        ledger.command()
        try ledger.decide(Organisation.self, organisation.rawValue, .register(organisation, details), by: procurement)
        let contractType = ContractType.allCases[index % ContractType.allCases.count]
        let contract = ContractRegistered(
            contractID: ContractID("\(organisation.rawValue)-k1"), organisationID: organisation, name: "\(contractType.rawValue) home support",
            contractType: contractType, paymentBasis: index % 10 == 2 ? .scheduled : .invoiced, startDate: start.adding(days: -364))
        ledger.command()
        try ledger.decide(Contract.self, contract.contractID.rawValue, .register(contract, organisationIsRegistered: true), by: procurement)
        var services: [CountyService] = []
        for number in 1...random.int(scale.servicesPerProvider) {
            let service = ServiceRegistered(
                serviceID: ServiceID("\(organisation.rawValue)-s\(number)"), organisationID: organisation, contractID: contract.contractID,
                details: ContactDetails(name: "\(name) service \(number)", addressLines: details.addressLines, postcode: details.postcode),
                startDate: start.adding(days: -364))
            ledger.command()
            try ledger.decide(Service.self, service.serviceID.rawValue,
                              .register(service, contract: ledger.state(Contract.self, contract.contractID.rawValue)), by: procurement)
            services.append(CountyService(registration: service, contractType: contractType))
        }
        var provider = CountyProvider(index: index, id: organisation, name: name, contract: contract, services: services,
                                      usesCalendar: [0, 5, 8].contains(index % 10))
        // The helpdesk creates the super user; the super user asks for the others, which the helpdesk accepts.
        for role in [ProviderRole.superUserActuals, .payments, .administration, .readOnly] {
            let user = UserID("\(organisation.rawValue)-\(role.rawValue)")
            let person = Person(forename: random.pick(CountyNames.forenames), surname: random.pick(CountyNames.surnames),
                                email: "\(role.rawValue)@\(organisation.rawValue).example")
            let request = ChangeRequestID("cr-\(user.rawValue)")
            ledger.command()
            try ledger.decide(User.self, user.rawValue, .requestContactCreation(user, request, organisation: organisation, person: person, role: role),
                              by: provider.contacts[.superUserActuals] ?? helpdesk)
            ledger.command()
            try ledger.decide(User.self, user.rawValue, .acceptContactCreation(request), by: helpdesk)
            let actor = Actor.provider(user: user, organisation: organisation, role: role)
            try activate(actor)
            provider.contacts[role] = actor
        }
        providers.append(provider)
    }

    /// Monday morning: staff and the providers' super users and payments contacts log in. Now and then one
    /// mistypes the password three times, is locked out, and the helpdesk resets it (R-ACC-4).
    func logins(on monday: BusinessDate) throws {
        ledger.at(monday, hour: 8)
        var actors = CouncilTeam.allCases.compactMap { staff[$0] }
        for provider in providers { actors += [provider.superUser, provider.editor] }
        for actor in actors where random.chance(90) {
            if random.chance(permille: 1) {
                let failures = ledger.state(User.self, actor.who).security.consecutiveFailures
                for _ in failures..<ledger.policy.access.failuresBeforeLock {
                    ledger.command()
                    try ledger.decide(User.self, actor.who, .recordLoginAttempt(passwordMatched: false), by: .system(job: "login"))
                }
                ledger.command()
                try ledger.decide(User.self, actor.who, .resetPassword, by: staff[.helpdesk]!)
                ledger.command()
                try ledger.decide(User.self, actor.who, .changePassword(newPassword: Self.password, currentMatched: true, sameAsCurrent: false), by: actor)
                continue
            }
            // A mistyped password now and then, never twice running (two in a row would be near a lock-out).
            let matched = ledger.state(User.self, actor.who).security.consecutiveFailures > 0 || random.chance(97)
            ledger.command()
            try ledger.decide(User.self, actor.who, .recordLoginAttempt(passwordMatched: matched), by: .system(job: "login"))
        }
    }

    /// Every user chooses a new password before the old one expires (R-ACC-5): once every 13 periods.
    func changePasswords(year: Int) throws {
        var actors = CouncilTeam.allCases.compactMap { staff[$0] } + [Actor.auditor(user: UserID("auditor-1"))]
        for provider in providers { actors += ProviderRole.allCases.compactMap { provider.contacts[$0] } }
        for actor in actors {
            ledger.command()
            try ledger.decide(User.self, actor.who, .changePassword(newPassword: "Portal\(2016 + year)Year\(year)", currentMatched: true, sameAsCurrent: false), by: actor)
        }
    }
}

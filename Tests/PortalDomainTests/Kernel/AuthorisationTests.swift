import PortalDomain
import Testing

@Suite("R-ROLE: who may do what")
struct AuthorisationTests {
    let own: OrganisationID = "org-1"
    let other: OrganisationID = "org-2"

    func provider(_ role: ProviderRole) -> Actor { .provider(user: "u-1", organisation: own, role: role) }

    /// DOMAIN.md's R-ROLE table as written there, one row per provider role: the areas it may edit. Every role
    /// reads all of its own organisation's areas.
    static let domainTable: [ProviderRole: Set<PortalArea>] = {
        let organisationAndServiceDetails: Set<PortalArea> = [.organisationDetails, .serviceDetails]
        let everything: Set<PortalArea> = organisationAndServiceDetails.union([
            .contacts, .carePackageLineItems, .contractDocuments, .actuals, .invoices, .oneOffClaims, .scheduledPayments, .reports, .actions,
        ])
        return [
            // "everything except scheduled payments"
            .superUserActuals: everything.subtracting([.scheduledPayments]),
            // "everything"
            .superUserScheduled: everything,
            // "actuals, invoices and credit notes, one-off claims, contract documents, actions/change requests"
            .payments: [.actuals, .invoices, .oneOffClaims, .contractDocuments, .actions],
            // "organisation and service details, contacts, CPLIs, contract documents, actions/change requests"
            .administration: organisationAndServiceDetails.union([.contacts, .carePackageLineItems, .contractDocuments, .actions]),
            // "organisation and service details, reports, actions/change requests"
            .reports: organisationAndServiceDetails.union([.reports, .actions]),
            // "invoices and credit notes"
            .invoiceOnly: [.invoices],
            // "nothing"
            .readOnly: [],
        ]
    }()

    @Test("R-ROLE: the table's areas are the provider areas of Authorisation, and every role has a row")
    func tableAreas() {
        #expect(Self.domainTable[.superUserScheduled] == PortalArea.providerAreas)
        #expect(Set(Self.domainTable.keys) == Set(ProviderRole.allCases))
    }

    @Test("R-ROLE: every provider role × every area edits exactly as DOMAIN.md's table says, and reads all of its own organisation",
          arguments: ProviderRole.allCases, PortalArea.allCases)
    func roleTable(role: ProviderRole, area: PortalArea) throws {
        let mayEdit = Self.domainTable[role]?.contains(area) == true
        #expect(Authorisation.allows(provider(role), .edit(area), organisation: own) == mayEdit,
                "\(role) \(mayEdit ? "may" : "may not") edit \(area) by the table")
        #expect(Authorisation.editableAreas(of: role).contains(area) == mayEdit)
        #expect(Authorisation.allows(provider(role), .read(area), organisation: own), "\(role) reads \(area)")
        if !mayEdit {
            let refused = #expect(throws: AccessRefused.self) { try Authorisation.check(provider(role), .edit(area), organisation: own) }
            #expect(refused?.missingPermission == .edit(area))
            #expect(refused?.rule == "R-ROLE")
        }
        // R-ROLE-2: never another organisation's, whatever the role and area.
        #expect(!Authorisation.allows(provider(role), .read(area), organisation: other))
        #expect(!Authorisation.allows(provider(role), .edit(area), organisation: other))
    }

    @Test("R-ROLE: actuals are edited by super users and payments only", arguments: ProviderRole.allCases)
    func actualsByRole(role: ProviderRole) {
        let mayEdit: Set<ProviderRole> = [.superUserActuals, .superUserScheduled, .payments]
        #expect(Authorisation.allows(provider(role), .edit(.actuals), organisation: own) == mayEdit.contains(role))
        #expect(Authorisation.allows(provider(role), .read(.actuals), organisation: own))
    }

    @Test("R-ROLE: invoices by super users, payments and invoice-only; scheduled payments by super-user-scheduled only")
    func invoicesAndScheduledPayments() {
        let invoices: Set<ProviderRole> = [.superUserActuals, .superUserScheduled, .payments, .invoiceOnly]
        for role in ProviderRole.allCases {
            #expect(Authorisation.allows(provider(role), .edit(.invoices), organisation: own) == invoices.contains(role))
            #expect(Authorisation.allows(provider(role), .edit(.scheduledPayments), organisation: own) == (role == .superUserScheduled))
        }
    }

    @Test("R-ROLE: organisation details by super users, administration and reports; contract documents by super users, payments, administration")
    func detailsAndDocuments() {
        let details: Set<ProviderRole> = [.superUserActuals, .superUserScheduled, .administration, .reports]
        let documents: Set<ProviderRole> = [.superUserActuals, .superUserScheduled, .payments, .administration]
        for role in ProviderRole.allCases {
            #expect(Authorisation.allows(provider(role), .edit(.organisationDetails), organisation: own) == details.contains(role))
            #expect(Authorisation.allows(provider(role), .edit(.contractDocuments), organisation: own) == documents.contains(role))
        }
    }

    @Test("R-ROLE-1: super users and administration manage contacts; others are refused naming the permission")
    func contacts() throws {
        let managers: Set<ProviderRole> = [.superUserActuals, .superUserScheduled, .administration]
        for role in ProviderRole.allCases {
            #expect(Authorisation.allows(provider(role), .edit(.contacts), organisation: own) == managers.contains(role))
        }
        let error = #expect(throws: AccessRefused.self) {
            try Authorisation.check(provider(.payments), .edit(.contacts), organisation: own)
        }
        #expect(error?.missingPermission == .edit(.contacts))
        #expect(error?.description.contains("edit:contacts") == true)
    }

    @Test("R-ROLE-2: a provider user never sees or changes another organisation's data")
    func otherOrganisation() {
        let error = #expect(throws: AccessRefused.self) {
            try Authorisation.check(provider(.superUserScheduled), .read(.actuals), organisation: other)
        }
        #expect(error?.rule == "R-ROLE-2")
        #expect(!Authorisation.allows(provider(.superUserScheduled), .edit(.actuals), organisation: other))
        #expect(!Authorisation.allows(provider(.superUserScheduled), .read(.accountSecurity), organisation: nil))
        #expect(Authorisation.allows(provider(.readOnly), .read(.invoices), organisation: own))
    }

    @Test("R-ROLE-3: council staff act as their team; an auditor reads everything and changes nothing")
    func councilAndAuditor() {
        let helpdesk = Actor.council(user: "c-1", team: .helpdesk)
        #expect(Authorisation.allows(helpdesk, .edit(.changeRequestDecisions), organisation: own))
        #expect(Authorisation.allows(helpdesk, .read(.actuals), organisation: other))
        let payments = Actor.council(user: "c-2", team: .payments)
        let error = #expect(throws: AccessRefused.self) {
            try Authorisation.check(payments, .edit(.commissioning), organisation: own)
        }
        #expect(error?.missingPermission == .edit(.commissioning))
        #expect(error?.rule == "R-ROLE-3")
        let auditor = Actor.auditor(user: "a-1")
        #expect(Authorisation.allows(auditor, .read(.invoices), organisation: other))
        for area in PortalArea.allCases {
            #expect(!Authorisation.allows(auditor, .edit(area), organisation: own))
        }
    }

    @Test("actors name themselves in the log's envelope form")
    func envelopeNames() {
        #expect(provider(.payments).actingAs == "payments@org-1")
        #expect(Actor.council(user: "c-1", team: .serviceBrokerage).actingAs == "team:service-brokerage")
        #expect(Actor.auditor(user: "a-1").actingAs == "auditor")
        #expect(Actor.system(job: "authentication").who == "system:authentication")
        #expect(Actor.operator(osUser: "itadmin").who == "system:operator:itadmin")
        #expect(Actor.operator(osUser: "itadmin").actingAs == "system:operator")
    }

    @Test("an operator at the shell edits the deployment, staff accounts and onboarding data, never a provider's work or payments")
    func operatorAtTheShell() {
        let shell = Actor.operator(osUser: "itadmin")
        for area: PortalArea in [.deploymentSettings, .accountSecurity, .providerRegister, .commissioning, .contacts] {
            #expect(Authorisation.allows(shell, .edit(area), organisation: nil))
        }
        for area: PortalArea in [.actuals, .invoices, .oneOffClaims, .paymentProcessing, .periodLocks, .changeRequestDecisions] {
            let error = #expect(throws: AccessRefused.self) { try Authorisation.check(shell, .edit(area), organisation: own) }
            #expect(error?.missingPermission == .edit(area))
        }
        #expect(Authorisation.allows(shell, .read(.invoices), organisation: other))
        #expect(shell.userID == nil && shell.organisation == nil)
    }
}

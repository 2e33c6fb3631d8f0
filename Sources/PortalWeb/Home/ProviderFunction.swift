import HTTPTypes
import PortalDomain
import PortalHTTP
import PortalProjections

/// A provider's functions, as the user guide's icons name them (§4), each with the area of the R-ROLE table that
/// decides who may change something there. Every provider role reads them all; the menu and the home page say
/// which the user may also change.
enum ProviderFunction: CaseIterable {
    case contractDocuments, cplis, invoices, claims, conversations, contacts, remittances

    var path: String {
        switch self {
        case .contractDocuments: ContractDocumentPages.path
        case .cplis: CPLIPages.path
        case .invoices: InvoiceListPage.path
        case .claims: ClaimPages.path
        case .conversations: ConversationPages.path
        case .contacts: ContactPages.path
        case .remittances: RemittancePages.path
        }
    }

    var label: String {
        switch self {
        case .contractDocuments: "Contract documents"
        case .cplis: "Care package line items"
        case .invoices: "Invoices and credit notes"
        case .claims: "One-off claims"
        case .conversations: "Conversations"
        case .contacts: "Contacts"
        case .remittances: "Remittances"
        }
    }

    /// What the function is for, in the guide's words.
    var purpose: String {
        switch self {
        case .contractDocuments: "Individual service orders (ISOs) to agree or reject, and their PDFs."
        case .cplis: "Every care package line item with its cost, and the list as a spreadsheet (CSV)."
        case .invoices: "Create an invoice for a period with the wizard, submit it, and follow what happens to it."
        case .claims: "Claims for unplanned absences: hospital or emergency respite stays."
        case .conversations: "Messages with the council's teams."
        case .contacts: "Your organisation's contacts and their roles; ask the helpdesk to add, change or remove one."
        case .remittances: "Remittance advices of the payments made, to read or download."
        }
    }

    /// The area whose edit permission lets the user change something here (R-ROLE).
    var area: PortalArea? {
        switch self {
        case .contractDocuments: .contractDocuments
        case .cplis: .carePackageLineItems
        case .invoices: .invoices
        case .claims: .oneOffClaims
        case .conversations: .actions
        case .contacts: .contacts
        case .remittances: nil
        }
    }
}

extension WebPortal {
    /// The organisation of a provider's user; council staff and auditors are refused (403): these pages are a
    /// provider's own, and council work has its own pages.
    func providerOrganisation(_ actor: Actor) throws -> OrganisationID {
        guard let organisation = actor.organisation else {
            throw Problem(.forbidden, kind: "forbidden", title: "Not allowed",
                          detail: "This page is a provider's own. Council staff reach providers' records from the council's pages.")
        }
        return organisation
    }

    /// The organisation's name as the register holds it (a page's caption), else its id.
    func organisationName(_ organisation: OrganisationID, _ models: PortalReadModels, _ actor: Actor) throws -> String {
        try models.providers.organisation(organisation, ReadScope(actor))?.details.name ?? organisation.rawValue
    }

    /// Whether `actor` may change records of `area` of its organisation (R-ROLE): pages offer forms only then.
    static func mayEdit(_ actor: Actor, _ area: PortalArea) -> Bool {
        Authorisation.allows(actor, .edit(area), organisation: actor.organisation)
    }
}

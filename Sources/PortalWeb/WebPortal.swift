import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
import PortalProjections

/// The portal's web pages: server-rendered HTML under `/portal`, on the same application, read models, sessions
/// and authorisation as the JSON API (``PortalAPI``). Every page works without JavaScript; every form post
/// carries a CSRF token and is checked against its origin (``BrowserSessionMiddleware``).
public struct WebPortal: Sendable {
    public struct Settings: Sendable {
        /// The council's name, in the header and footer of every page.
        public var councilName = "County Council"
        public init() {}
    }

    let api: PortalAPI
    let settings: Settings

    public init(api: PortalAPI, settings: Settings = Settings()) {
        self.api = api
        self.settings = settings
    }

    /// Adds the pages to `router`: `/` sends a browser to `/portal`.
    public func register(on router: Router<PortalRequestContext>) {
        router.get("/") { _, _ in Response.redirect(to: "/portal", type: .found) }
        AssetRoutes().register(on: router)
        let pages = router.group("portal")
            .add(middleware: PageErrorMiddleware(web: self))
            .add(middleware: BrowserSessionMiddleware(api: api))
        SignInPages(web: self).register(on: pages)
        AccountPages(web: self).register(on: pages)
        HomePage(web: self).register(on: pages)
        WorklistPage(web: self).register(on: pages)
        InvoicePage(web: self).register(on: pages)
        BulkApproval(web: self).register(on: pages)
        PaymentRunPages(web: self).register(on: pages)
        ConversationPages(web: self).register(on: pages)
        NewConversationPage(web: self).register(on: pages)
        AuditPages(web: self).register(on: pages)
        ContractDocumentPages(web: self).register(on: pages)
        CPLIPages(web: self).register(on: pages)
        InvoiceListPage(web: self).register(on: pages)
        InvoiceWizard(web: self).register(on: pages)
        ClaimPages(web: self).register(on: pages)
        ContactPages(web: self).register(on: pages)
        RemittancePages(web: self).register(on: pages)
        ActualsCalendarPage(web: self).register(on: pages)
        ActualEditPage(web: self).register(on: pages)
        ActualsImportPage(web: self).register(on: pages)
        // Any other path under /portal is a page that does not exist: an HTML answer, not the API's problem.
        pages.get("**") { _, _ -> Response in throw HTTPError(.notFound, message: "There is no page at this address. Check it, or start from the home page.") }
    }

    // MARK: Around every page

    /// The chrome of a page for the request's session: its user, the menu of their role, the form token.
    func chrome(title: String, _ context: PortalRequestContext, current: String? = nil, errors: [PageChrome.ErrorLine] = [],
                banner: PageChrome.Banner? = nil, backLink: PageChrome.Link? = nil, csrfSecret: String? = nil) -> PageChrome {
        let actor = context.actor ?? context.sessionActor
        let user = actor.map { PageChrome.User(name: displayName(of: $0), actingAs: Self.describe($0)) }
        let navigation = context.actor.map { Self.navigation(for: $0, current: current) } ?? []
        let secret = csrfSecret ?? context.browserSessionToken
        return PageChrome(
            title: title, councilName: settings.councilName, csrf: secret.map(CSRFToken.token(forSecret:)) ?? "",
            user: user, navigation: navigation, backLink: backLink, errors: errors, banner: banner)
    }

    /// The person's name as the register holds it, else their user id.
    func displayName(of actor: Actor) -> String {
        guard let user = actor.userID, let person = try? api.portal.state(of: User.self, user.rawValue).person else {
            return actor.who
        }
        return "\(person.forename) \(person.surname)"
    }

    /// How a page names who the user acts as: "Payments Team", "Super user (actuals), oasis", "Auditor".
    static func describe(_ actor: Actor) -> String {
        switch actor {
        case .provider(_, let organisation, let role): "\(role.displayName), \(organisation)"
        case .council(_, let team): team.displayName
        case .auditor: "Auditor"
        case .system(let job): "System job \(job)"
        case .operator(let osUser): "Operator \(osUser)"
        case .job(let name, _): "Job \(name)"
        }
    }

    /// The menu of the actor's role: only what it may use.
    static func navigation(for actor: Actor, current: String?) -> [PageChrome.Link] {
        var links = [PageChrome.Link(href: "/portal", label: "Home")]
        if Authorisation.allows(actor, .read(.paymentProcessing), organisation: nil), actor.organisation == nil {
            links.append(PageChrome.Link(href: WorklistPage.path, label: "Invoices to check"))
            links.append(PageChrome.Link(href: PaymentRunPages.path, label: "Payment runs"))
        }
        if Authorisation.allows(actor, .read(.actuals), organisation: actor.organisation), actor.userID != nil {
            links.append(PageChrome.Link(href: ActualsCalendarPage.path, label: "Actuals"))
        }
        if actor.organisation == nil {
            links.append(PageChrome.Link(href: AuditPages.path, label: "Audit"))
        }
        if let organisation = actor.organisation {
            // A provider's functions (user guide §4), each shown to the roles that may read it (R-ROLE).
            for function in ProviderFunction.allCases where function.area.map({ Authorisation.allows(actor, .read($0), organisation: organisation) }) ?? true {
                links.append(PageChrome.Link(href: function.path, label: function.label))
            }
        } else if Authorisation.allows(actor, .read(.actions), organisation: actor.organisation), actor.userID != nil {
            links.append(PageChrome.Link(href: ConversationPages.path, label: "Conversations"))
        }
        links = links.map { link in
            var link = link
            link.isCurrent = link.href == current
            return link
        }
        return links
    }
}

extension ProviderRole {
    /// The role's name as the user guide prints it (§2).
    var displayName: String {
        switch self {
        case .superUserActuals: "Super user (actuals)"
        case .superUserScheduled: "Super user (scheduled)"
        case .payments: "Payments"
        case .administration: "Administration"
        case .reports: "Reports"
        case .invoiceOnly: "Invoice only"
        case .readOnly: "Read only"
        }
    }
}

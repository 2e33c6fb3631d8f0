import Hummingbird
import PortalDomain

/// What every page shows around its content (the layout's `chrome`): the title, the signed-in user and the
/// menu of their role, the CSRF token every form carries, an error summary and a notification banner.
/// Stored properties only: Mustache reads a model by reflection.
struct PageChrome: Sendable {
    struct User: Sendable {
        var name: String
        var actingAs: String
    }

    struct Link: Sendable {
        var href: String
        var label: String
        var isCurrent = false
    }

    /// One line of the error summary, linked to the field it is about (`#<fieldID>`) when there is one.
    struct ErrorLine: Sendable {
        var message: String
        var fieldID: String?
    }

    struct Banner: Sendable {
        var heading: String
        var text: String?
        var link: Link?
        var isSuccess = false

        /// The success banner of a Post/Redirect/Get: the heading `headings` gives the request's `?done=<step>`.
        static func done(_ request: Request, _ headings: [String: String]) -> Banner? {
            request.uri.queryParameters.get("done").flatMap { headings[String($0)] }.map { Banner(heading: $0, isSuccess: true) }
        }
    }

    var title: String
    var councilName: String
    var csrf: String
    var user: User?
    var navigation: [Link] = []
    var hasNavigation = false
    var backLink: Link?
    var errors: [ErrorLine] = []
    var hasErrors = false
    var banner: Banner?

    init(title: String, councilName: String, csrf: String, user: User? = nil, navigation: [Link] = [], backLink: Link? = nil,
         errors: [ErrorLine] = [], banner: Banner? = nil) {
        self.title = title
        self.councilName = councilName
        self.csrf = csrf
        self.user = user
        self.navigation = navigation
        self.hasNavigation = !navigation.isEmpty
        self.backLink = backLink
        self.errors = errors
        self.hasErrors = !errors.isEmpty
        self.banner = banner
    }

    mutating func add(_ error: ErrorLine) {
        errors.append(error)
        hasErrors = true
    }
}

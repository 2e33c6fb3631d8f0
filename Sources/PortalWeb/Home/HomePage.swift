import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP

/// The home page (user guide §2, §4): what needs the user's attention, and the functions their role allows.
struct HomePage: Sendable {
    let web: WebPortal

    func register(on pages: RouterGroup<PortalRequestContext>) {
        pages.get("") { request, context in try await home(request, context) }
    }

    struct Model: Sendable {
        struct Card: Sendable {
            var title: String
            var count: String?
            var text: String
            var href: String
            var linkLabel: String
        }

        var chrome: PageChrome
        var heading: String
        var caption: String
        var attention: [Card]
        var hasAttention: Bool
        var functions: [PageChrome.Link]
    }

    /// Confirmations of the account steps, shown once after the redirect.
    private static let done: [String: String] = [
        "password": "Your password has been changed",
        "passcode": "Your passcode has been set",
    ]

    func home(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let banner = request.uri.queryParameters.get("done").flatMap { Self.done[String($0)] }.map {
            PageChrome.Banner(heading: $0, isSuccess: true)
        }
        let chrome = web.chrome(title: "Home", context, current: "/portal", banner: banner)
        let functions = WebPortal.navigation(for: actor, current: nil).filter { $0.href != "/portal" }
        let model = Model(chrome: chrome, heading: "Home", caption: WebPortal.describe(actor), attention: [], hasAttention: false,
                          functions: functions)
        return try Page(template: "home", model: model).response(from: request, context: context)
    }
}

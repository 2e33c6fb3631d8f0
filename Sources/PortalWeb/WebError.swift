import HTTPTypes

/// A refusal of the web pages themselves (the portal's own refusals arrive as problems).
struct WebError: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        case badForm
        case formExpired
        case crossOrigin
        case signInRequired
    }

    let kind: Kind
    let message: String

    var description: String { message }

    var status: HTTPResponse.Status {
        switch kind {
        case .badForm: .badRequest
        case .formExpired, .crossOrigin: .forbidden
        case .signInRequired: .unauthorized
        }
    }

    static func badForm(_ message: String) -> WebError { WebError(kind: .badForm, message: message) }

    /// The form's CSRF token does not match the session (an old page, or a forged post).
    static let formExpired = WebError(
        kind: .formExpired, message: "This form has expired or was not sent from the portal. Go back, reload the page and try again.")

    /// A form posted from another site.
    static let crossOrigin = WebError(kind: .crossOrigin, message: "This form was not sent from the portal's own pages, so nothing was done.")

    static let signInRequired = WebError(kind: .signInRequired, message: "Sign in to continue.")
}

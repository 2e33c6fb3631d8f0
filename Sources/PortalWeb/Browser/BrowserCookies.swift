import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The cookies of a browser session. Each is HttpOnly and SameSite=Strict, scoped to the pages (`/portal`), so
/// the JSON API never receives one (it takes bearer tokens only and needs no CSRF defence); each is Secure when
/// the page was asked for over HTTPS (directly, or through a proxy that says so).
enum BrowserCookies {
    /// The session token, issued by the same session store as the API's bearer tokens (8 hours).
    static let session = "portal-session"
    /// The passcode challenge between the two sign-in steps (5 minutes).
    static let challenge = "portal-challenge"
    /// A random secret before sign-in, so that the sign-in form carries a CSRF token too.
    static let signIn = "portal-sign-in"

    static let path = "/portal"

    static func make(_ name: String, value: String, maxAge: Int, secure: Bool) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: path, secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// A cookie that removes `name` from the browser.
    static func expired(_ name: String, secure: Bool) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: path, secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// Whether the browser reached the portal over HTTPS: the request's own scheme, or `X-Forwarded-Proto: https`
    /// from a proxy in front. (Trusting the header here can only make a cookie stricter.)
    static func isSecure(_ request: Request) -> Bool {
        request.uri.scheme == .https || request.headers[forwardedProto]?.lowercased() == "https"
    }

    /// 256 random bits, base64url: a cookie value and never in a page.
    private static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!

    static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64URLEncoded
    }
}

/// The token every form carries (`csrf`): an HMAC of a fixed label keyed by the session's secret (the session
/// token, or before sign-in the sign-in cookie), so it is worthless without the HttpOnly cookie and needs no
/// storage. Checked with a constant-time comparison, together with the `Origin` header, on every form post.
enum CSRFToken {
    private static let label = Data("provider-portal csrf v1".utf8)

    static func token(forSecret secret: String) -> String {
        let key = SymmetricKey(data: Data(secret.utf8))
        return Data(HMAC<SHA256>.authenticationCode(for: label, using: key)).base64URLEncoded
    }

    static func isValid(_ token: String, forSecret secret: String) -> Bool {
        guard let code = Data(base64URLEncoded: token) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: label, using: SymmetricKey(data: Data(secret.utf8)))
    }
}

extension Data {
    var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init?(base64URLEncoded text: String) {
        guard text.count <= 128 else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }
}

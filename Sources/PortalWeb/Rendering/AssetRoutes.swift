import Crypto
import Foundation
import Hummingbird
import PortalHTTP

/// The stylesheet, compiled into the binary and served with a validator so browsers revalidate cheaply.
struct AssetRoutes: Sendable {
    static let stylesheet = PackageResources.portal_css
    static let stylesheetETag = "\"" + SHA256.hash(data: stylesheet).prefix(8).map { String(format: "%02x", $0) }.joined() + "\""

    func register(on router: Router<PortalRequestContext>) {
        router.get("/portal/assets/portal.css") { request, _ -> Response in
            if request.headers[.ifNoneMatch] == Self.stylesheetETag {
                return Response(status: .notModified, headers: [.eTag: Self.stylesheetETag])
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/css; charset=utf-8", .eTag: Self.stylesheetETag, .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(bytes: Self.stylesheet)))
        }
    }
}

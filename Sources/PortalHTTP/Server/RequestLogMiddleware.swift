import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// One log line per request when it is answered: method, route (the pattern it matched, such as
/// `/invoices/{invoiceID}`, never the raw path or its query), status, duration in milliseconds, and the
/// client's address and scheme; the request id is on the line as `hb.request.id`, like every line of the
/// request. Never a header, a token or a body.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = PortalRequestContext

    /// Whether `X-Forwarded-For` and `X-Forwarded-Proto` are believed (see ``PortalAPI/Settings/trustsProxy``).
    let trustsProxy: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let origin = ClientOrigin(request.headers, peer: context.peerAddress, trustsProxy: trustsProxy)
        do {
            let response = try await next(request, context)
            log(request, context, status: response.status.code, since: started, origin)
            return response
        } catch {
            log(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: started, origin)
            throw error
        }
    }

    private func log(_ request: Request, _ context: Context, status: Int, since started: ContinuousClock.Instant, _ origin: ClientOrigin) {
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        context.logger.info("request", metadata: [
            "method": .string(request.method.rawValue),
            "route": .string(context.endpointPath ?? "unmatched"),
            "status": .stringConvertible(status),
            "duration_ms": .string(String(format: "%.2f", milliseconds)),
            "client": .string(origin.address ?? "-"),
            "scheme": .string(origin.scheme),
        ])
    }
}

/// Where a request came from: the peer's address and `http`, or, behind a trusted reverse proxy, the address
/// and scheme the proxy saw (the last `X-Forwarded-For` entry, which the proxy itself appended, and
/// `X-Forwarded-Proto`). Untrusted, those headers are ignored: any client could send them.
struct ClientOrigin: Equatable {
    var address: String?
    var scheme: String

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!

    init(_ headers: HTTPFields, peer: String?, trustsProxy: Bool) {
        address = peer
        scheme = "http"
        guard trustsProxy else { return }
        if let forwarded = headers[values: Self.forwardedFor].joined(separator: ",").split(separator: ",").last {
            let client = forwarded.trimmingCharacters(in: .whitespaces)
            if !client.isEmpty, client.count <= 64 { address = client }
        }
        if let proto = headers[Self.forwardedProto]?.trimmingCharacters(in: .whitespaces).lowercased(), proto == "https" || proto == "http" {
            scheme = proto
        }
    }
}

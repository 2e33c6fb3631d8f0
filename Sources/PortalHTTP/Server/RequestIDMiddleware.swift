import HTTPTypes
import Hummingbird
import Logging

/// Sends Hummingbird's request id (the `hb.request.id` of every log line of the request) back in the
/// `X-Request-ID` response header, so a caller can quote it and the log lines of that request can be found; a
/// 500 problem names it in its detail too. A request served without the server's logger metadata (the router
/// run in-process) is given an id here.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = PortalRequestContext

    static let header = HTTPField.Name("X-Request-ID")!
    static let metadataKey = "hb.request.id"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let id = context.logger[metadataKey: Self.metadataKey] {
            context.requestID = id.description
        } else {
            let id = RequestID().description
            context.logger[metadataKey: Self.metadataKey] = .string(id)
            context.requestID = id
        }
        var response = try await next(request, context)
        response.headers[Self.header] = context.requestID
        return response
    }
}

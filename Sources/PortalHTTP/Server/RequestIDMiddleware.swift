import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Gives every request a UUID (time-ordered) as its id: the `hb.request.id` of every log line of the request
/// (in place of Hummingbird's own), sent back in the `X-Request-ID` response header, named by a 500 problem, and
/// recorded as the correlation id of every event the request writes, so that `portal audit trace <id>` finds
/// them from the id a caller quotes.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = PortalRequestContext

    static let header = HTTPField.Name("X-Request-ID")!
    static let metadataKey = "hb.request.id"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id = UUID.timeOrdered().uuidString.lowercased()
        context.logger[metadataKey: Self.metadataKey] = .string(id)
        context.requestID = id
        var response = try await next(request, context)
        response.headers[Self.header] = id
        return response
    }
}

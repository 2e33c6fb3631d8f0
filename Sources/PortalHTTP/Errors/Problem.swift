import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import LMDB
import Logging
import NIOCore
import PortalApplication
import PortalDomain
import PortalProjections

/// One offending input of a problem: the field (or CSV row and column), what is wrong, and the rule.
public struct ProblemField: Codable, Sendable, Equatable {
    /// The input field at fault, e.g. `actual` or `cplis[0].rate`; for a CSV file, the column.
    public var field: String?
    /// The CSV row (the header is row 1), for an import problem.
    public var row: Int?
    /// The file, for an import of several files.
    public var file: String?
    public var message: String
    /// The rule of DOMAIN.md, e.g. `R-ACT-3`.
    public var rule: String?

    public init(field: String?, row: Int? = nil, file: String? = nil, message: String, rule: String? = nil) {
        self.field = field
        self.row = row
        self.file = file
        self.message = message
        self.rule = rule
    }
}

/// An RFC 9457 problem (`application/problem+json`): the portal's one shape of error response.
///
/// `type` is a stable URI of the kind of problem (`urn:portal:problem:<kind>`), `detail` says what to do,
/// `rule` names the rule of DOMAIN.md when one refused, and `errors` lists every offending field. A problem
/// never carries a password, passcode or token.
public struct Problem: Error, HTTPResponseError, Codable, Sendable, Equatable, CustomStringConvertible {
    public var type: String
    public var title: String
    public var statusCode: Int
    public var detail: String
    public var rule: String?
    public var errors: [ProblemField]
    /// The read model a 503 is about: which one, and its progress or where it stopped.
    public var readModel: ReadModelState?
    /// Extra response headers (not encoded).
    public var extraHeaders: [String: String] = [:]

    enum CodingKeys: String, CodingKey {
        case type, title, detail, rule, errors, readModel
        case statusCode = "status"
    }

    /// A read model that cannot serve now, as a problem and `/health` show it.
    public struct ReadModelState: Codable, Sendable, Equatable {
        public var name: String
        /// `catching-up`, `rebuilding` or `stopped`.
        public var phase: String
        public var checkpoint: UInt64
        public var logHead: UInt64
        public var percent: Int
        /// Where it stopped: the position and type of the event it cannot apply.
        public var stoppedAt: UInt64?
        public var eventType: String?
    }

    public init(_ status: HTTPResponse.Status, kind: String, title: String, detail: String, rule: String? = nil, errors: [ProblemField] = []) {
        self.type = "urn:portal:problem:\(kind)"
        self.title = title
        self.statusCode = status.code
        self.detail = detail
        self.rule = rule
        self.errors = errors
    }

    public var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }
    public var description: String { "\(statusCode) \(title): \(detail)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        for (name, value) in extraHeaders {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(self))))
    }

    // MARK: Kinds

    /// The body is not JSON, or a field has the wrong type or is missing (400).
    public static func malformed(_ detail: String, field: String? = nil) -> Problem {
        Problem(.badRequest, kind: "malformed-request", title: "Malformed request", detail: detail,
                errors: [ProblemField(field: field, message: detail)])
    }

    /// A value of the request that cannot be accepted (422).
    public static func invalid(_ detail: String, field: String?, rule: String? = nil) -> Problem {
        Problem(.unprocessableContent, kind: "invalid-value", title: "Invalid value", detail: detail, rule: rule,
                errors: [ProblemField(field: field, message: detail, rule: rule)])
    }

    /// No such resource, or one the actor may not see (404: a provider never learns that another
    /// organisation's record exists, R-ROLE-2).
    public static func notFound(_ detail: String) -> Problem {
        Problem(.notFound, kind: "not-found", title: "Not found", detail: detail)
    }

    /// No or no longer valid bearer token (401).
    public static func unauthenticated(_ detail: String, rule: String? = nil) -> Problem {
        var problem = Problem(.unauthorized, kind: "unauthenticated", title: "Authentication required", detail: detail, rule: rule)
        problem.extraHeaders["WWW-Authenticate"] = "Bearer realm=\"portal\""
        return problem
    }

    /// `If-Match` is required to change this resource (428).
    public static func preconditionRequired(_ resource: String) -> Problem {
        Problem(.preconditionRequired, kind: "precondition-required", title: "If-Match required",
                detail: "send If-Match with the ETag of \(resource) as last read (GET it first)")
    }

    /// The server cannot answer now (503), e.g. its read models lag behind the log.
    public static func unavailable(_ detail: String) -> Problem {
        Problem(.serviceUnavailable, kind: "unavailable", title: "Service unavailable", detail: detail)
    }

    /// The disk is full (507 Insufficient Storage): nothing of the request was written; the same request can
    /// be sent again once the operators have freed space, without a restart.
    public static var outOfDisk: Problem {
        Problem(.init(code: 507, reasonPhrase: "Insufficient Storage"), kind: "out-of-disk", title: "The server is out of disk space",
                detail: "the server is out of disk space, so nothing of this request was written; try again once the operators have freed space")
    }

    /// `If-Match` does not hold (412).
    public static func preconditionFailed(_ detail: String) -> Problem {
        Problem(.preconditionFailed, kind: "precondition-failed", title: "The resource changed", detail: detail)
    }
}

/// Turns every error of a route into a problem: domain refusals, access refusals, import rejections,
/// application failures, decoding errors, Hummingbird's own HTTP errors. An unexpected error is a 500 whose
/// detail names only the request id; the error itself goes to the log.
public struct ProblemMiddleware: RouterMiddleware {
    public typealias Context = PortalRequestContext
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error, actor: context.actor, requestID: context.requestID)
            if problem.statusCode >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            return try problem.response(from: request, context: context)
        }
    }

    /// The problem for `error` raised while serving `actor`; a 500 names `requestID` (also sent as the
    /// `X-Request-ID` header and on every log line of the request), never the error itself.
    public static func problem(for error: any Error, actor: Actor?, requestID: String? = nil) -> Problem {
        var problem = problem(describing: error, actor: actor)
        if problem.statusCode >= 500, problem.type == "urn:portal:problem:internal" {
            problem.detail = "the portal could not serve this request"
                + (requestID.map { "; quote request id \($0) to the helpdesk (its log lines carry it)" } ?? "")
        }
        return problem
    }

    private static func problem(describing error: any Error, actor: Actor?) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let refused as AccessRefused:
            // A provider asking for another organisation's data learns nothing: 404, not 403 (R-ROLE-2, which
            // only a provider is refused by; the middleware runs outside the authenticator, so without the actor).
            if refused.rule == "R-ROLE-2", refused.organisation != nil {
                return .notFound("there is no such resource")
            }
            return Problem(.forbidden, kind: "forbidden", title: "Not allowed", detail: refused.message, rule: refused.rule,
                           errors: [ProblemField(field: nil, message: "missing permission \(refused.missingPermission)", rule: refused.rule)])
        case let rejected as ImportRejected:
            return Problem(.unprocessableContent, kind: "import-rejected", title: "The file was not imported",
                           detail: "nothing was applied; \(rejected.problems.count) problem\(rejected.problems.count == 1 ? "" : "s") by row and column",
                           rule: "R-ACT-2",
                           errors: rejected.problems.map { ProblemField(field: $0.column, row: $0.row, message: $0.message, rule: $0.rule) })
        case let domain as DomainError:
            return problem(for: domain)
        case let portal as PortalError:
            if portal.isWrongCredentials { return .unauthenticated(portal.message) }
            if portal.isVersionMismatch { return .preconditionFailed(portal.message) }
            if portal.isNotFound { return .notFound(portal.message) }
            if portal.isUsernameTaken {
                return Problem(.conflict, kind: "username-taken", title: "Username taken", detail: portal.message,
                               errors: [ProblemField(field: "email", message: portal.message)])
            }
            if portal.isTooManyConflicts { return Problem(.conflict, kind: "conflict", title: "Conflict", detail: portal.message) }
            return Problem(.internalServerError, kind: "internal", title: "Internal error", detail: "the portal could not serve this request")
        case let log as EventLogError where log.isOutOfSpace:
            return .outOfDisk
        case let status as LMDBStatus where status.isOutOfSpace:
            return .outOfDisk
        case let posix as POSIXError where posix.code == .ENOSPC || posix.code == .EDQUOT:
            return .outOfDisk
        case let cocoa as CocoaError where cocoa.code == .fileWriteOutOfSpace:
            return .outOfDisk
        case let decoding as DecodingError:
            return malformed(decoding)
        case let unavailable as ReadModelUnavailable:
            var problem = Problem(.serviceUnavailable, kind: "read-model-unavailable", title: "Read model unavailable", detail: unavailable.description)
            problem.readModel = Problem.ReadModelState(
                name: unavailable.readModel, phase: unavailable.phase, checkpoint: unavailable.checkpoint, logHead: unavailable.head,
                percent: unavailable.percent, stoppedAt: unavailable.stop?.position, eventType: unavailable.stop?.eventType)
            let wait = unavailable.stop != nil ? 300 : Int(min(60, max(1, (unavailable.secondsLeft ?? 5).rounded(.up))))
            problem.extraHeaders["Retry-After"] = String(wait)
            return problem
        case let http as HTTPError:
            let status = http.status
            return Problem(status, kind: status == .notFound ? "not-found" : "http-\(status.code)", title: status.reasonPhrase,
                           detail: http.body ?? status.reasonPhrase)
        case let http as any HTTPResponseError where http.status == .contentTooLarge:
            return Problem(.contentTooLarge, kind: "content-too-large", title: "Request body too large",
                           detail: "the request body is larger than the portal accepts; send a smaller body")
        default:
            return Problem(.internalServerError, kind: "internal", title: "Internal error", detail: "the portal could not serve this request")
        }
    }

    static func problem(for error: DomainError) -> Problem {
        let field = ProblemField(field: error.field, message: error.message, rule: error.rule)
        if error.isNotFound {
            return Problem(.unprocessableContent, kind: "unknown-reference", title: "Unknown reference", detail: error.message, rule: error.rule, errors: [field])
        }
        if error.isWrongState {
            return Problem(.conflict, kind: "wrong-state", title: "Not possible in this state", detail: error.message, rule: error.rule, errors: [field])
        }
        if error.isDuplicate {
            return Problem(.conflict, kind: "duplicate", title: "Duplicate", detail: error.message, rule: error.rule, errors: [field])
        }
        if error.isRuleBroken {
            return Problem(.unprocessableContent, kind: "rule-broken", title: "Refused by a rule", detail: error.description, rule: error.rule, errors: [field])
        }
        return Problem(.unprocessableContent, kind: "invalid-value", title: "Invalid value", detail: error.description, rule: error.rule, errors: [field])
    }

    static func malformed(_ error: DecodingError) -> Problem {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined().trimmingPrefix(".").description
        }
        switch error {
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            return .malformed("\(field.isEmpty ? "the body" : field) has the wrong type: expected \(Self.jsonName(of: type))", field: field)
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            return .malformed("\(field) is null: expected \(Self.jsonName(of: type))", field: field)
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return .malformed("\(field) is required", field: field)
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty { return .malformed("the body is not valid JSON") }
            return .invalid("\(field): \(context.debugDescription)", field: field)
        @unknown default:
            return .malformed("the body could not be read")
        }
    }

    static func jsonName(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is UInt64.Type: "a whole number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}

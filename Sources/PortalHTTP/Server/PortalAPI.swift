import Chronology
import Crypto
import EventLog
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PortalApplication
import PortalAudit
import PortalDomain
import PortalProjections
import Synchronization

/// What the routes serve from: the portal (log, credentials, commands), the session store, the read-model
/// engine when one runs, the metrics, and the server's settings.
public final class PortalAPI: Sendable {
    /// Settings of the HTTP API.
    public struct Settings: Sendable {
        /// How long a bearer token stays valid.
        public var sessionLifetime: Duration = .seconds(8 * 3600)
        /// How long the passcode step may follow the password step.
        public var challengeLifetime: Duration = .seconds(300)
        /// Largest request body, in bytes (413 beyond it).
        public var maximumBodySize: Int = PortalRequestContext.defaultMaximumBodySize
        /// Whether the client's address and scheme are taken from the reverse proxy's `X-Forwarded-For` and
        /// `X-Forwarded-Proto` headers. Only for a server that no one reaches but through the proxy (bound to
        /// loopback): anyone else could write those headers.
        public var trustsProxy = false
        public init() {}
    }

    public let portal: Portal
    public let sessions: SessionStore
    /// The read models kept from the log, when the server runs them.
    public let readModels: PortalReadModels?
    public let metrics: PortalMetrics
    public let settings: Settings
    /// The deployment's checkpoint signing key (`keys/` of the data folder), for checkpoints and evidence bundles
    /// over HTTP; without it those answer 503.
    public let checkpointKey: CheckpointSigningKey?

    public init(portal: Portal, sessions: SessionStore, readModels: PortalReadModels? = nil,
                metrics: PortalMetrics = .shared, settings: Settings = Settings(), checkpointKey: CheckpointSigningKey? = nil) {
        self.checkpointKey = checkpointKey
        self.portal = portal
        self.sessions = sessions
        self.readModels = readModels
        self.metrics = metrics
        self.settings = settings
        // The hash a refused login is verified against, made before the first login rather than during it.
        portal.credentials.prepareDummyHash()
    }

    var log: EventLog { portal.log }

    // MARK: Visibility

    /// Refuses with 404 when `actor` is a provider user and the record is not of their organisation (R-ROLE-2):
    /// a provider never learns that another organisation's record exists. `organisation` nil is council data.
    public func requireVisible(_ actor: Actor, organisation: OrganisationID?, _ what: String) throws {
        if case .provider(_, let own, _) = actor, organisation != own {
            throw Problem.notFound("there is no \(what)")
        }
    }

    /// A stream's snapshot, or 404 when the stream is empty.
    public func existing<S: EventStream>(_ kind: S.Type, _ id: String, _ what: String) throws -> StreamSnapshot<S.State> {
        let snapshot = try portal.snapshot(of: kind, id)
        guard snapshot.version > 0 else { throw Problem.notFound("there is no \(what)") }
        return snapshot
    }

    // MARK: Responses

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// A JSON response with an ETag of the stream version when given.
    func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, etag version: UInt64? = nil, location: String? = nil) throws -> Reply {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let version { headers[.eTag] = ETag.format(version) }
        if let location { headers[.location] = location }
        return Reply(status: status, headers: headers, body: ByteBuffer(bytes: try Self.encoder.encode(value)))
    }

    /// A text response (CSV, plain text) of `mediaType`.
    func text(_ text: String, mediaType: String, fileName: String? = nil, etag version: UInt64? = nil) -> Reply {
        var headers: HTTPFields = [.contentType: mediaType]
        if let fileName { headers[.contentDisposition] = "attachment; filename=\"\(fileName)\"" }
        if let version { headers[.eTag] = ETag.format(version) }
        return Reply(status: .ok, headers: headers, body: ByteBuffer(string: text))
    }

    // MARK: Writes

    /// Serves a request that changes something: authenticates, reads the body (413 beyond the limit), and
    /// with an `Idempotency-Key` returns the first response of an earlier identical request without running
    /// `body` again (the application also derives event ids from the key, so even a lost response is
    /// applied once). Times each append of the command (the append alone, with its outcome) for the
    /// append-latency metric, and counts the command by outcome.
    func write(
        _ request: Request, _ context: PortalRequestContext, command name: String, storesResponse: Bool = true,
        _ body: (WriteRequest) async throws -> Reply
    ) async throws -> Reply {
        let actor = try context.requireActor()
        var request = request
        let bytes = try await request.collectBody(upTo: context.maxUploadSize)
        let key = try WriteRequest.idempotencyKey(request.headers)
        let fingerprint = Self.fingerprint(request, bytes)
        if let key, storesResponse, let stored = try sessions.storedResponse(actor: actor.actingAs + "|" + actor.who, idempotencyKey: key) {
            guard stored.fingerprint == fingerprint else {
                throw Problem.invalid("Idempotency-Key '\(key)' was used for another request; use a new key for a new request", field: "Idempotency-Key")
            }
            var headers = HTTPFields()
            for (name, value) in stored.headers { if let field = HTTPField.Name(name) { headers[field] = value } }
            headers[HTTPField.Name("Idempotent-Replay")!] = "true"
            return Reply(status: .init(code: stored.status), headers: headers, body: ByteBuffer(bytes: stored.body))
        }
        let metrics = metrics
        let appends = AppendTally()
        let write = WriteRequest(actor: actor, body: bytes, headers: request.headers, idempotencyKey: key,
                                 correlationID: context.correlationID) { duration, outcome in
            if outcome == .committed { appends.committed.add(1, ordering: .relaxed) }
            metrics.recordAppend(name, outcome: outcome, duration: duration)
        }
        let reply: Reply
        do {
            reply = try await body(write)
        } catch {
            let status = ProblemMiddleware.problem(for: error, actor: actor).statusCode
            metrics.countCommand(name, outcome: status >= 500 ? .failed : .refused)
            throw error
        }
        metrics.countCommand(name, outcome: appends.committed.load(ordering: .relaxed) > 0 ? .committed : .unchanged)
        if let key, storesResponse, reply.mayBeStored, (200..<300).contains(reply.status.code) {
            var headers: [String: String] = [:]
            for field in reply.headers { headers[field.name.canonicalName] = field.value }
            try await sessions.store(
                .init(fingerprint: fingerprint, status: reply.status.code, headers: headers, body: Data(bufferBytes: reply.body)),
                actor: actor.actingAs + "|" + actor.who, idempotencyKey: key)
        }
        return reply
    }

    static func fingerprint(_ request: Request, _ body: ByteBuffer) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("\(request.method.rawValue) \(request.uri.path)\n".utf8))
        hasher.update(data: Data(bufferBytes: body))
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// The appends of one write request that committed.
private final class AppendTally: Sendable {
    let committed = Atomic<Int>(0)
}

/// A response whose body is in memory, so that the first answer to an idempotent write can be stored.
struct Reply: ResponseGenerator {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: ByteBuffer
    /// False for an answer that shows a secret (a first password): it is never kept in the session store for
    /// an idempotent replay, whatever the route says (R-ACC-7).
    var mayBeStored = true

    init(status: HTTPResponse.Status, headers: HTTPFields = [:], body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    func response(from request: Request, context: some RequestContext) -> Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }
}

/// A request that changes something, with its body read.
struct WriteRequest {
    let actor: Actor
    let body: ByteBuffer
    let headers: HTTPFields
    let idempotencyKey: String?
    /// The request's id, recorded as the correlation id of its events.
    let correlationID: UUID
    /// Times the appends of the request's commands for the append-latency metric.
    let appendObserver: AppendObserver?

    static let idempotencyHeader = HTTPField.Name("Idempotency-Key")!

    static func idempotencyKey(_ headers: HTTPFields) throws -> String? {
        guard let key = headers[idempotencyHeader] else { return nil }
        guard (1...200).contains(key.count), key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f }) else {
            throw Problem.invalid("Idempotency-Key must be 1 to 200 visible ASCII characters, e.g. a UUID", field: "Idempotency-Key")
        }
        return key
    }

    /// The JSON body as `T`: 400 for malformed JSON or a wrong type, naming the field.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try Self.decode(type, from: body)
    }

    /// A JSON body as `T`: 400 when empty, malformed, or of a wrong type (naming the field).
    static func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer) throws -> T {
        guard body.readableBytes > 0 else { throw Problem.malformed("the request needs a JSON body") }
        return try JSONDecoder().decode(T.self, from: Data(bufferBytes: body))
    }

    /// The body as UTF-8 text (a CSV file).
    func text(field: String = "file") throws -> String {
        guard let text = body.getString(at: body.readerIndex, length: body.readableBytes) else {
            throw Problem.invalid("the body is not UTF-8 text", field: field)
        }
        return text
    }

    /// The command request, with no `If-Match` needed (creating something new).
    func command() -> CommandRequest {
        CommandRequest(actor: actor, correlationID: correlationID, idempotencyKey: idempotencyKey, appendObserver: appendObserver)
    }

    /// The command request for changing the resource kept in `streamID`: `If-Match` is required (428 without
    /// it); `*` accepts any version, a version is checked by the command up to its atomic append (412).
    func command(changing streamID: String, resource: String) throws -> CommandRequest {
        var request = command()
        switch try ETag.ifMatch(headers) {
        case nil: throw Problem.preconditionRequired(resource)
        case .any?: break
        case .version(let version)?: request.expectedVersions[streamID] = version
        }
        return request
    }
}

/// ETags are the version of the resource's stream: `"7"`.
enum ETag {
    enum Condition: Equatable {
        case any
        case version(UInt64)
    }

    static func format(_ version: UInt64) -> String { "\"\(version)\"" }

    /// The `If-Match` condition, nil when the header is absent; 400 when it is not an ETag of the portal.
    static func ifMatch(_ headers: HTTPFields) throws -> Condition? {
        guard let value = headers[.ifMatch]?.trimmingCharacters(in: .whitespaces) else { return nil }
        if value == "*" { return .any }
        var text = Substring(value)
        if text.hasPrefix("W/") { text = text.dropFirst(2) }
        guard text.count >= 3, text.first == "\"", text.last == "\"", let version = UInt64(text.dropFirst().dropLast()) else {
            throw Problem.malformed("If-Match '\(value)' is not an ETag of the portal such as \"3\" (or *)", field: "If-Match")
        }
        return .version(version)
    }
}

extension Data {
    /// The readable bytes of a NIO buffer.
    init(bufferBytes buffer: ByteBuffer) {
        self.init(buffer.readableBytesView)
    }
}

import CLibPQ
import Foundation

/// One PostgreSQL connection through libpq, with its own serial queue: libpq calls block, so they run there
/// and never on Swift's cooperative threads, and N writers are N connections working at once.
final class PostgreSQLConnection: @unchecked Sendable {
    private let connection: OpaquePointer
    private let queue: DispatchQueue
    private var prepared = Set<String>()

    init(_ conninfo: String, label: String) throws {
        guard let connection = PQconnectdb(conninfo) else { throw PostgreSQLError("libpq could not allocate a connection") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgreSQLError("cannot connect to PostgreSQL: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        self.connection = connection
        queue = DispatchQueue(label: "postgresql.\(label)")
        try execute("SET client_min_messages TO warning")
    }

    deinit {
        PQfinish(connection)
    }

    /// Runs `body` on the connection's queue.
    func run<T: Sendable>(_ body: @escaping @Sendable (PostgreSQLConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body(self) }) }
        }
    }

    /// Executes `sql` with text parameters (nil is NULL), or a prepared statement named `prepared` made from
    /// `sql` the first time.
    @discardableResult
    func execute(_ sql: String, _ parameters: [String?] = [], prepared name: String? = nil) throws -> PostgreSQLResult {
        if let name, !prepared.contains(name) {
            let made = PQprepare(connection, name, sql, Int32(parameters.count), nil)
            defer { PQclear(made) }
            guard let made, PQresultStatus(made) == PGRES_COMMAND_OK else {
                let message = made.map { String(cString: PQresultErrorMessage($0)) } ?? String(cString: PQerrorMessage(connection))
                throw PostgreSQLError("cannot prepare \(name): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            prepared.insert(name)
        }
        var owned: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for pointer in owned { free(pointer) } }
        let result: OpaquePointer? = owned.withUnsafeMutableBufferPointer { buffer -> OpaquePointer? in
            let values = buffer.isEmpty ? nil : UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UnsafePointer<CChar>?.self)
            if let name {
                return PQexecPrepared(connection, name, Int32(parameters.count), values, nil, nil, 0)
            }
            return PQexecParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard let result else { throw PostgreSQLError(String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let message = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            PQclear(result)
            throw PostgreSQLError(message, sqlState: state)
        }
        return PostgreSQLResult(result)
    }
}

/// A result's rows, as text (libpq's text format).
final class PostgreSQLResult {
    private let result: OpaquePointer

    init(_ result: OpaquePointer) {
        self.result = result
    }

    deinit {
        PQclear(result)
    }

    var rows: Int { Int(PQntuples(result)) }
    /// Rows an INSERT, UPDATE or DELETE touched.
    var affected: Int { Int(String(cString: PQcmdTuples(result))) ?? 0 }

    func text(_ row: Int, _ column: Int) -> String? {
        guard PQgetisnull(result, Int32(row), Int32(column)) == 0 else { return nil }
        return String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }

    func bytes(_ row: Int, _ column: Int) -> Data {
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        return Data(bytes: PQgetvalue(result, Int32(row), Int32(column)), count: length)
    }
}

struct PostgreSQLError: Error, CustomStringConvertible {
    var description: String
    /// The SQLSTATE code, e.g. 23505 for a unique violation.
    var sqlState: String?

    init(_ description: String, sqlState: String? = nil) {
        self.description = description
        self.sqlState = sqlState
    }

    var isUniqueViolation: Bool { sqlState == "23505" }
}

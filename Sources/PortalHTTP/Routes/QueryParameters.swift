import Foundation
import Hummingbird
import PortalDomain

/// The query parameters of a list, checked against the names the list takes: an unknown name (a typo such as
/// `organisation` for `organisationID`) is refused with 400 naming it, instead of silently listing everything.
public struct QueryParameters: Sendable {
    private let values: [String: String]

    /// The parameters of `request`, refusing any name not in `allowed` and any name given twice.
    public init(_ request: Request, allowing allowed: Set<String>) throws {
        var values: [String: String] = [:]
        for (name, value) in request.uri.queryParameters {
            let name = String(name)
            guard allowed.contains(name) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw Problem.malformed("unknown query parameter '\(name)'; this list takes \(known.isEmpty ? "none" : known)", field: name)
            }
            guard values[name] == nil else { throw Problem.malformed("query parameter '\(name)' is given twice", field: name) }
            values[name] = String(value)
        }
        self.values = values
    }

    /// The value of `name`, trimmed; nil when absent or empty.
    public subscript(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// A whole number in `range`, or 422 naming the parameter.
    public func number(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = self[name] else { return nil }
        guard text.count <= 12, let value = Int(text), range.contains(value) else {
            throw Problem.invalid("\(name) '\(text.prefix(40))' is not a whole number from \(range.lowerBound) to \(range.upperBound)", field: name)
        }
        return value
    }

    /// An amount of money (`12.34`), or 422 naming the parameter.
    public func money(_ name: String) throws -> Money? {
        guard let text = self[name] else { return nil }
        return try parsed { try Money.parse(text, field: name) }
    }
}

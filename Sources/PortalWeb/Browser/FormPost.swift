import Foundation
import Hummingbird

/// The fields of a form post (`application/x-www-form-urlencoded`), in order; a name may repeat (checkboxes).
struct FormPost: Sendable {
    /// Largest form accepted, in bytes: far more than any page's form.
    static let maximumSize = 64 * 1024
    /// Most fields accepted.
    static let maximumFields = 2_000

    private(set) var fields: [(name: String, value: String)] = []

    init(fields: [(name: String, value: String)]) {
        self.fields = fields
    }

    /// Parses a urlencoded body: `+` is a space, `%XX` a byte; the text must be UTF-8.
    init(parsing body: String) throws(WebError) {
        guard !body.isEmpty else { return }
        let pairs = body.split(separator: "&", omittingEmptySubsequences: true)
        guard pairs.count <= Self.maximumFields else { throw WebError.badForm("the form has more than \(Self.maximumFields) fields") }
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), let value = Self.decode(parts.count > 1 ? parts[1] : "") else {
                throw WebError.badForm("the form is not valid UTF-8 or percent-encoding")
            }
            fields.append((name, value))
        }
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// The first value of `name`, nil when absent.
    subscript(_ name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// Every value of `name` (ticked checkboxes).
    func all(_ name: String) -> [String] {
        fields.filter { $0.name == name }.map(\.value)
    }

    /// The value of `name`, trimmed; empty when absent.
    func text(_ name: String) -> String {
        (self[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Reads the form of `request`: 400 for a body that is not a form, 413 beyond ``maximumSize``.
    static func read(_ request: Request) async throws -> FormPost {
        var request = request
        let buffer = try await request.collectBody(upTo: maximumSize)
        guard let text = buffer.getString(at: buffer.readerIndex, length: buffer.readableBytes) else {
            throw WebError.badForm("the form is not UTF-8 text")
        }
        return try FormPost(parsing: text)
    }
}

import Foundation
import Hummingbird

/// The fields of a form post (`application/x-www-form-urlencoded`, or `multipart/form-data` for a form with a
/// file input), in order; a name may repeat (checkboxes).
struct FormPost: Sendable {
    /// Largest form accepted, in bytes: far more than any page's form.
    static let maximumSize = 64 * 1024
    /// Largest `multipart/form-data` post accepted, in bytes: a file as large as the JSON API takes (1 MB), sent
    /// again in base64 by the import's apply form, with room for the other fields.
    static let maximumUploadSize = 3 * 1024 * 1024
    /// Most fields accepted.
    static let maximumFields = 2_000

    private(set) var fields: [(name: String, value: String)] = []
    /// The files of a multipart post, by field name.
    private(set) var files: [String: UploadedFile] = [:]

    init(fields: [(name: String, value: String)], files: [String: UploadedFile] = [:]) {
        self.fields = fields
        self.files = files
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

    /// Reads the form of `request`: 400 for a body that is not a form, 413 beyond ``maximumSize`` (or, for a
    /// multipart post, ``maximumUploadSize``).
    static func read(_ request: Request) async throws -> FormPost {
        var request = request
        if let boundary = multipartBoundary(request) {
            let buffer = try await request.collectBody(upTo: maximumUploadSize)
            let parsed = try MultipartForm.parse(Array(buffer.readableBytesView), boundary: boundary)
            return FormPost(fields: parsed.fields, files: parsed.files)
        }
        let buffer = try await request.collectBody(upTo: maximumSize)
        guard let text = buffer.getString(at: buffer.readerIndex, length: buffer.readableBytes) else {
            throw WebError.badForm("the form is not UTF-8 text")
        }
        return try FormPost(parsing: text)
    }

    /// The boundary of a `multipart/form-data` post; nil for any other body.
    static func multipartBoundary(_ request: Request) -> String? {
        request.headers[.contentType].flatMap(MultipartForm.boundary(ofContentType:))
    }
}

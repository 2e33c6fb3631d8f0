import Foundation

/// A form post sent as `multipart/form-data` (RFC 7578): a form with a file input. Its text fields become
/// ``FormPost`` fields (the CSRF token among them); its files are kept as bytes, by field name. Bounded: at most
/// ``FormPost/maximumUploadSize`` bytes in all (checked before parsing, as the body is read) and
/// ``FormPost/maximumFields`` parts; a text field is UTF-8.
struct UploadedFile: Sendable, Equatable {
    /// The file's name as the browser gave it (its last path component), nil when none was given.
    var fileName: String?
    var content: Data
}

enum MultipartForm {
    /// The boundary of a `multipart/form-data` content type, nil for any other type.
    static func boundary(ofContentType contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let type = parts.first, type.lowercased() == "multipart/form-data" else { return nil }
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            // RFC 2046: 1 to 70 characters.
            guard (1...70).contains(value.utf8.count) else { return nil }
            return value
        }
        return nil
    }

    /// The text fields and files of `body`, in order.
    static func parse(_ body: [UInt8], boundary: String) throws(WebError) -> (fields: [(name: String, value: String)], files: [String: UploadedFile]) {
        let delimiter = Array("--\(boundary)".utf8)
        var fields: [(name: String, value: String)] = []
        var files: [String: UploadedFile] = [:]
        guard var start = find(delimiter, in: body, from: 0) else { throw WebError.badForm("the form's parts are not delimited by its boundary") }
        var parts = 0
        while true {
            var index = start + delimiter.count
            // The closing delimiter ends with "--".
            if index + 1 < body.count, body[index] == UInt8(ascii: "-"), body[index + 1] == UInt8(ascii: "-") { break }
            guard let lineEnd = find([13, 10], in: body, from: index) else { throw WebError.badForm("a part of the form is cut short") }
            index = lineEnd + 2
            guard let headersEnd = find([13, 10, 13, 10], in: body, from: index) else { throw WebError.badForm("a part of the form has no headers") }
            let headers = String(decoding: body[index..<headersEnd], as: UTF8.self)
            let contentStart = headersEnd + 4
            guard let next = find([13, 10] + delimiter, in: body, from: contentStart) else {
                throw WebError.badForm("a part of the form does not end with the form's boundary")
            }
            parts += 1
            guard parts <= FormPost.maximumFields else { throw WebError.badForm("the form has more than \(FormPost.maximumFields) fields") }
            let content = Array(body[contentStart..<next])
            guard let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }),
                  let name = parameter("name", in: String(disposition)) else {
                throw WebError.badForm("a part of the form has no field name")
            }
            if let fileName = parameter("filename", in: String(disposition)) {
                let last = fileName.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init)
                files[name] = UploadedFile(fileName: last.flatMap { $0.isEmpty ? nil : $0 }, content: Data(content))
            } else {
                guard let value = String(validating: content, as: UTF8.self) else { throw WebError.badForm("the form field \(name) is not UTF-8 text") }
                fields.append((name, value))
            }
            start = next + 2
        }
        return (fields, files)
    }

    /// The value of `name="…"` in a Content-Disposition header (quoted, as browsers send it).
    private static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            // Browsers escape a quote in a name as %22.
            return value.replacingOccurrences(of: "%22", with: "\"")
        }
        return nil
    }

    /// The first index of `needle` in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var index = from
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var matched = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }
}

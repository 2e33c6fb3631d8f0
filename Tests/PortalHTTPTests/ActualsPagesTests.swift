import Chronology
import Foundation
import HTTPTypes
import Hummingbird
import PortalApplication
import PortalDomain
import PortalHTTP
@testable import PortalWeb
import Testing

/// The actuals pages (issue 17): the calendar, the edit form and the import, served on the real router with a
/// browser session (the cookie holds a session token of the same store as the API's bearer tokens).
@Suite("Web: the actuals calendar, its edit form and the CSV import authorise as the API does and write only through the application")
struct ActualsPagesTests {
    static func pages(_ test: HTTPTestPortal) -> (Router<PortalRequestContext>) -> Void {
        { router in WebPortal(api: test.api).register(on: router) }
    }

    /// A page request with the browser session of `token`; a post carries the form's CSRF token and the origin.
    static func page(_ client: APIClient, _ method: HTTPRequest.Method, _ path: String, token: String, form: [(String, String)]? = nil,
                     multipart: (boundary: String, body: Data)? = nil) async throws -> APIClient.Answer {
        var headers = ["Cookie": "portal-session=\(token)"]
        var body: Data?
        if let form {
            headers["Origin"] = "http://localhost"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            let fields = [("csrf", CSRFToken.token(forSecret: token))] + form
            body = Data(fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&").utf8)
        }
        if let multipart {
            headers["Origin"] = "http://localhost"
            headers["Content-Type"] = "multipart/form-data; boundary=\(multipart.boundary)"
            body = multipart.body
        }
        return try await client.send(method, path, body: body, headers: headers)
    }

    /// A multipart body of `fields` and one file.
    static func multipart(_ fields: [(String, String)], file: (name: String, fileName: String, content: Data)?) -> (boundary: String, body: Data) {
        let boundary = "----portal-test-7MA4YWxkTrZu0gW"
        var body = Data()
        for (name, value) in fields {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        if let file {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"\(file.fileName)\"\r\nContent-Type: text/csv\r\n\r\n".utf8))
            body.append(file.content)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return (boundary, body)
    }

    @Test("multipart/form-data: text fields and a file (a CSV with CRLF and a byte-order mark) come back whole; a body without its boundary, a part cut short or too many parts is a bad form")
    func multipartParsing() throws {
        let csv = Data([0xEF, 0xBB, 0xBF]) + Data("service,cpli\r\noasis-hs,cpli-oasis-1\r\n".utf8)
        let (boundary, body) = Self.multipart([("csrf", "abc"), ("note", "Zoë Ødegård")], file: ("file", "C:\\Users\\me\\period.csv", csv))
        #expect(MultipartForm.boundary(ofContentType: "multipart/form-data; boundary=\"\(boundary)\"") == boundary)
        #expect(MultipartForm.boundary(ofContentType: "application/x-www-form-urlencoded") == nil)
        let parsed = try MultipartForm.parse(Array(body), boundary: boundary)
        #expect(parsed.fields.map(\.name) == ["csrf", "note"])
        #expect(parsed.fields.map(\.value) == ["abc", "Zoë Ødegård"])
        #expect(parsed.files["file"] == UploadedFile(fileName: "period.csv", content: csv))

        #expect(throws: WebError.self) { try MultipartForm.parse(Array("no boundary here".utf8), boundary: boundary) }
        #expect(throws: WebError.self) { try MultipartForm.parse(Array(body.prefix(body.count - 40)), boundary: boundary) }
        let many = Self.multipart((0...FormPost.maximumFields).map { ("f\($0)", "x") }, file: nil)
        #expect(throws: WebError.self) { try MultipartForm.parse(Array(many.body), boundary: many.boundary) }
    }

    @Test("R-ACT-7: under lancashire the row that breaks the line-total rule says how (Missed short, or over); a balanced line, a pro-rata week and norfolk say nothing")
    func lineTotalRuleExplained() throws {
        let week = Week(containing: try #require(BusinessDate(iso8601: "2026-10-19")))
        func line(actual: String, missed: String, proRata: Bool = false) throws -> ActualRecorded {
            ActualRecorded(
                serviceID: "s", period: PeriodNumber(1), cpliID: "c", week: week, planned: try Quantity.parse("7", field: "planned"), isProRata: proRata,
                actual: try Quantity.parse(actual, field: "actual"), frustrated: .zero, missed: try Quantity.parse(missed, field: "missed"), extra: .zero,
                visits: 0, comment: "", invoiceReference: nil, abortedVisits: [], paidQuantity: .zero, flags: [], source: .calendar, importID: nil)
        }
        let short = ActualsCalendarPage.lineTotalRuleBroken(try line(actual: "5", missed: "0"), policy: .lancashire)
        #expect(short?.contains("= 5, but the three must add up to Planned 7 (R-ACT-7)") == true, "\(short ?? "nil")")
        #expect(short?.contains("Missed") == true)
        let over = ActualsCalendarPage.lineTotalRuleBroken(try line(actual: "7", missed: "1"), policy: .lancashire)
        #expect(over?.contains("lower Missed") == true)
        #expect(ActualsCalendarPage.lineTotalRuleBroken(try line(actual: "5", missed: "2"), policy: .lancashire) == nil)
        #expect(ActualsCalendarPage.lineTotalRuleBroken(try line(actual: "5", missed: "0", proRata: true), policy: .lancashire) == nil)
        #expect(ActualsCalendarPage.lineTotalRuleBroken(try line(actual: "5", missed: "0"), policy: .norfolk) == nil)
    }

    @Test("R-ROLE-2: a read-only user reads the week but is refused the edit form, its post and the import (nothing written); another provider's service is not found")
    func readOnlyAndOtherProviders() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run(pages: Self.pages(test)) { client in
            let (week, period) = RouteTour.openWeek(test)
            let readOnly = try await client.token("read-only@oasis")
            let path = "/portal/actuals/services/oasis-hs/weeks/\(week)"
            let read = try await Self.page(client, .get, path, token: readOnly)
            #expect(read.status == 200)
            #expect(read.text.contains("Total: £"), "the week's money, as the guide shows it")
            #expect(read.text.contains("may not edit actuals"))
            #expect(!read.text.contains("/lines/cpli-oasis-1"), "no Edit link for a read-only user")
            #expect(!read.text.contains("Confirm the week"))

            let head = try test.head()
            #expect(try await Self.page(client, .get, "\(path)/lines/cpli-oasis-1", token: readOnly).status == 403)
            let post = try await Self.page(client, .post, "\(path)/lines/cpli-oasis-1", token: readOnly, form: [("version", "1"), ("actual", "1")])
            #expect(post.status == 403, "\(post.status)")
            let confirm = try await Self.page(client, .post, "\(path)/confirmation", token: readOnly, form: [("version", "1")])
            #expect(confirm.status == 403)
            let importPage = try await Self.page(client, .get, "/portal/actuals/services/oasis-hs/periods/\(period)/import", token: readOnly)
            #expect(importPage.status == 403)
            #expect(try test.head() == head, "nothing was written")

            let other = try await client.token("super-user-actuals@riverside")
            #expect(try await Self.page(client, .get, path, token: other).status == 404)
            #expect(try await Self.page(client, .get, "/portal/actuals/services/oasis-hs/periods/\(period)/actuals.csv", token: other).status == 404)
        }
    }

    @Test("The edit form changes only the fields it sends (PATCH semantics, R-ACT-2) at the version it carries: a stale version is 412 and records nothing; R-ACT-3 names the comment field")
    func editFormKeepsWhatItDoesNotSend() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run(pages: Self.pages(test)) { client in
            let (week, _) = RouteTour.openWeek(test)
            let token = try await client.token("super-user-actuals@oasis")
            let api = "/services/oasis-hs/weeks/\(week)/actuals/cpli-oasis-1"
            let path = "/portal/actuals/services/oasis-hs/weeks/\(week)/lines/cpli-oasis-1"
            let put = try await client.send(.patch, api, token: token, json: #"{"visits":7,"comment":"seven visits"}"#, headers: ["If-Match": "*"])
            try #require(put.status == 200, "\(put.text)")
            let version = try #require(put.json?["version"] as? Int)

            let form = try await Self.page(client, .get, path, token: token)
            #expect(form.status == 200)
            #expect(form.text.contains("name=\"version\" value=\"\(version)\""))

            // Only Actual and the visit rows are sent: visits and the comment are kept.
            let day = try #require(BusinessDate(iso8601: week)).adding(days: 2)
            let uk = String(format: "%02d/%02d/%04d", day.day, day.month, day.year)
            let noComment = try await Self.page(client, .post, path, token: token, form: [
                ("version", String(version)), ("actual", "0"), ("comment", ""), ("visitRows", "0")])
            #expect(noComment.status == 422)
            #expect(noComment.text.contains("href=\"#comment\""), "the R-ACT-3 error links to the comment field")
            let saved = try await Self.page(client, .post, path, token: token, form: [
                ("version", String(version)), ("actual", "5"), ("frustrated", ""), ("visitRows", "1"),
                ("visit-0-date", uk), ("visit-0-length", "1"), ("visit-0-notice", "3"), ("visit-0-time", "day"), ("visit-0-cause", "cancelled"),
                ("comment", "seven visits; one cancelled on \(uk)")])
            #expect(saved.status == 303, "\(saved.text.prefix(2000))")
            let line = try #require(try await client.send(.get, "/services/oasis-hs/weeks/\(week)/actuals", token: token).json?["lines"] as? [[String: any Sendable]])
                .first { $0["cpliID"] as? String == "cpli-oasis-1" }
            #expect(line?["actual"] as? String == "5.0000")
            #expect(line?["visits"] as? Int == 7, "visits were not sent, so they are kept")
            #expect(line?["frustrated"] as? String == "0.5000", "computed from the visit: block-2013 pays at most 30 minutes (R-ABT-1)")
            #expect(line?["clientName"] as? String != nil && line?["amount"] as? String != nil, "the week's JSON twin names the client and the money")

            let head = try test.head()
            let stale = try await Self.page(client, .post, path, token: token, form: [("version", String(version)), ("actual", "6")])
            #expect(stale.status == 412)
            #expect(stale.text.contains("changed since you opened"))
            #expect(try test.head() == head)
        }
    }

    @Test("R-ACT-2, R-ACT-10: a multipart upload is previewed writing nothing, applied all or nothing from the same bytes, and the same file again is identical; the CSRF token must be a part of the body")
    func importPreviewThenApply() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run(pages: Self.pages(test)) { client in
            let (week, period) = RouteTour.openWeek(test)
            let token = try await client.token("super-user-actuals@oasis")
            let base = "/portal/actuals/services/oasis-hs/periods/\(period)"
            let exported = try await Self.page(client, .get, "\(base)/actuals.csv", token: token)
            try #require(exported.status == 200)
            #expect(exported.headers[.contentDisposition]?.contains("attachment") == true)
            // One line changed, and the file as a spreadsheet saves it: a byte-order mark, UK dates.
            var lines = exported.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            let day = try #require(BusinessDate(iso8601: week))
            lines = lines.map { $0.replacingOccurrences(of: week, with: String(format: "%02d/%02d/%04d", day.day, day.month, day.year)) }
            let header = lines[0].components(separatedBy: ",")
            let actualColumn = try #require(header.firstIndex(of: "actual"))
            let row = try #require(lines.indices.dropFirst().first { lines[$0].contains("cpli-oasis-1,") })
            var cells = lines[row].components(separatedBy: ",")
            cells[actualColumn] = "3.25"
            lines[row] = cells.joined(separator: ",")
            let file = Data([0xEF, 0xBB, 0xBF]) + Data((lines.joined(separator: "\r\n") + "\r\n").utf8)
            let csrf = CSRFToken.token(forSecret: token)

            let head = try test.head()
            let withoutToken = Self.multipart([], file: ("file", "period.csv", file))
            #expect(try await Self.page(client, .post, "\(base)/import/preview", token: token, multipart: withoutToken).status == 403)
            let preview = try await Self.page(client, .post, "\(base)/import/preview", token: token,
                                              multipart: Self.multipart([("csrf", csrf)], file: ("file", "period.csv", file)))
            #expect(preview.status == 200)
            #expect(preview.text.contains("Import 1 line"), "\(preview.text.prefix(3000))")
            #expect(try test.head() == head, "a preview writes nothing")

            let sha = ActualsImportPage.sha256(file)
            let tampered = try await Self.page(client, .post, "\(base)/import/apply", token: token, multipart: Self.multipart(
                [("csrf", csrf), ("sha256", sha), ("fileName", "period.csv"), ("content", Data(file.dropLast(3)).base64EncodedString())], file: nil))
            #expect(tampered.status == 400, "bytes that are not the ones previewed are refused")
            #expect(try test.head() == head)
            let applied = try await Self.page(client, .post, "\(base)/import/apply", token: token, multipart: Self.multipart(
                [("csrf", csrf), ("sha256", sha), ("fileName", "period.csv"), ("content", file.base64EncodedString())], file: nil))
            #expect(applied.status == 303)
            #expect(applied.headers[.location]?.contains("done=imported&lines=1") == true)
            #expect(try test.head() > head)

            let again = try await Self.page(client, .post, "\(base)/import/preview", token: token,
                                            multipart: Self.multipart([("csrf", csrf)], file: ("file", "period.csv", file)))
            #expect(again.text.contains("identical to import"), "R-ACT-10")
            #expect(!again.text.contains("Import 1 line"))
        }
    }
}

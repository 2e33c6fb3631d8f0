import Chronology
import EventLog
import Foundation
import HTTPTypes
import PortalApplication
import PortalDomain
import PortalHTTP
import Testing

@Suite("HTTP: PATCH changes the fields given, PUT must give every field; the period CSV through a spreadsheet and back")
struct ActualEditTests {
    static let full = #"{"actual":"9.5","frustrated":null,"missed":"0","extra":"0","visits":7,"comment":"visit of DAY cancelled","abortedVisits":[{"date":"DAY","length":"0.5","noticeHours":"2","time":"day","cause":"cancelled"}]}"#

    @Test("PATCH of Actual keeps 7 visits, the comment and the aborted visit; PUT without every field is 400 naming each missing one, writing nothing; the ETag is the version after the edit")
    func patchAndPut() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let (week, _) = RouteTour.openWeek(test)
            let token = try await client.token("super-user-actuals@oasis")
            let path = "/services/oasis-hs/weeks/\(week)/actuals/cpli-oasis-1"
            let day = try #require(BusinessDate(iso8601: week)).adding(days: 1).iso8601
            let put = try await client.send(.put, path, token: token, json: Self.full.replacingOccurrences(of: "DAY", with: day), headers: ["If-Match": "*"])
            try #require(put.status == 200, "\(put.text)")
            let line = try #require(put.json?["line"] as? [String: any Sendable])
            #expect(line["visits"] as? Int == 7)
            #expect(line["frustrated"] as? String == "0.5000")
            let etag = try #require(put.etag)
            #expect(etag == "\"\(put.json?["version"] as? Int ?? -1)\"")
            #expect(etag == (try await client.etag("/services/oasis-hs/weeks/\(week)/actuals")))

            let patch = try await client.send(.patch, path, token: token, json: #"{"actual":"9"}"#, headers: ["If-Match": etag])
            try #require(patch.status == 200, "\(patch.text)")
            let patched = try #require(patch.json?["line"] as? [String: any Sendable])
            #expect(patched["actual"] as? String == "9.0000")
            #expect(patched["visits"] as? Int == 7, "visits went from 7 to 0 when PUT reset what it was not given")
            #expect(patched["comment"] as? String == "visit of \(day) cancelled")
            #expect((patched["abortedVisits"] as? [Any])?.count == 1)
            #expect(patch.etag != etag)
            #expect(patch.etag == (try await client.etag("/services/oasis-hs/weeks/\(week)/actuals")))

            let before = try test.head()
            let partialPut = try await client.send(.put, path, token: token, json: #"{"actual":"8"}"#, headers: ["If-Match": "*"])
            #expect(partialPut.status == 400)
            #expect(partialPut.problemFields == ["frustrated", "missed", "extra", "visits", "comment", "abortedVisits"], "\(partialPut.text)")
            #expect(partialPut.text.contains("PATCH"))
            let misspelt = try await client.send(.patch, path, token: token, json: #"{"actual":"8","visit":3}"#, headers: ["If-Match": "*"])
            #expect(misspelt.status == 400)
            #expect(misspelt.problemFields == ["visit"])
            let nullActual = try await client.send(.patch, path, token: token, json: #"{"actual":null}"#, headers: ["If-Match": "*"])
            #expect(nullActual.status == 422)
            #expect(nullActual.problemFields == ["actual"])
            #expect(try test.head() == before)

            // null resets a member to its default: no aborted visits (so Frustrated 0), an empty comment.
            let reset = try await client.send(.patch, path, token: token, json: #"{"abortedVisits":null,"comment":null}"#, headers: ["If-Match": "*"])
            let after = try #require(reset.json?["line"] as? [String: any Sendable], "\(reset.text)")
            #expect(after["frustrated"] as? String == "0.0000")
            #expect(after["comment"] as? String == "")
            #expect(after["visits"] as? Int == 7)
            // The same PATCH again changes nothing and records nothing.
            let head = try test.head()
            let again = try await client.send(.patch, path, token: token, json: #"{"comment":""}"#, headers: ["If-Match": "*"])
            #expect(again.json?["changed"] as? Bool == false)
            #expect(again.etag == reset.etag)
            #expect(try test.head() == head)
        }
    }

    @Test("R-ACT-2, R-ACT-10: the export saved by a spreadsheet (byte-order mark, CRLF, 19/10/2026 and 19/10/26) previews as unchanged and imports recording nothing; one edit previews and imports as one line")
    func csvThroughASpreadsheet() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let (_, period) = RouteTour.openWeek(test)
            let token = try await client.token("super-user-actuals@oasis")
            let exported = try await client.send(.get, "/services/oasis-hs/periods/\(period)/actuals/csv", token: token)
            try #require(exported.status == 200)
            #expect(exported.text.hasPrefix("service,cpli,client_reference,client_name,week,planned,actual,frustrated,missed,extra,visits,comment,aborted_visits\r\n"))
            var rows = exported.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
            for index in rows.indices.dropFirst() {
                var cells = rows[index].components(separatedBy: ",")
                let monday = try #require(BusinessDate(iso8601: cells[4]), "\(rows[index])")
                cells[4] = index % 2 == 0 ? String(format: "%02d/%02d/%04d", monday.day, monday.month, monday.year)
                    : String(format: "%02d/%02d/%02d", monday.day, monday.month, monday.year % 100)
                rows[index] = cells.joined(separator: ",")
            }
            let saved = Data(("\u{FEFF}" + rows.joined(separator: "\r\n") + "\r\n").utf8)
            let before = try test.head()
            let imports = "/organisations/oasis/periods/\(period)/actuals-imports"
            let preview = try await client.send(.post, "/organisations/oasis/periods/\(period)/actuals-import-previews", token: token, body: saved,
                                                headers: ["Content-Type": "text/csv"])
            #expect(preview.status == 200, "\(preview.text)")
            #expect(preview.json?["linesUnchanged"] as? Int == rows.count - 1)
            #expect(preview.json?["linesNew"] as? Int == 0)
            let unchanged = try await client.send(.post, imports, token: token, body: saved, headers: ["Content-Type": "text/csv"])
            #expect(unchanged.status == 200, "\(unchanged.text)")
            #expect(unchanged.json?["applied"] as? Bool == false)
            #expect(try test.head() == before, "an unchanged file records nothing")

            var lines = String(decoding: saved, as: UTF8.self).components(separatedBy: "\r\n")
            let target = try #require(lines.lastIndex { !$0.isEmpty })
            var cells = lines[target].components(separatedBy: ",")
            cells[6] = "1.25"
            cells[11] = "client in hospital"
            lines[target] = cells.joined(separator: ",")
            let file = Data(lines.joined(separator: "\r\n").utf8)
            let previewed = try await client.send(.post, "/organisations/oasis/periods/\(period)/actuals-import-previews", token: token, body: file,
                                                  headers: ["Content-Type": "text/csv"])
            #expect((previewed.json?["linesNew"] as? Int ?? 0) + (previewed.json?["linesChanged"] as? Int ?? 0) == 1, "\(previewed.text)")
            #expect(try test.head() == before)
            let imported = try await client.send(.post, imports, token: token, body: file, headers: ["Content-Type": "text/csv"])
            #expect(imported.status == 201, "\(imported.text)")
            #expect(try test.portal.log.readAll(from: before + 1, limit: 100).map(\.type) == ["ActualsFileImported", "ActualRecorded"])
        }
    }
}

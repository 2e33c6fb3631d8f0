import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PortalHTTP
import Testing

@Suite("Views served from the read models")
struct ReadModelViewTests {
    @Test("R-ACT-1: the week and period views from the actuals calendar read model equal the views folded from the log, after edits")
    func calendarEqualsLog() async throws {
        let test = try await HTTPTestPortal.demo(withReadModels: true)
        let (week, period) = RouteTour.openWeek(test)
        let paths = ["/services/oasis-hs/weeks/\(week)/actuals", "/services/oasis-hs/periods/\(period)/actuals"]
        let fromModels = try await test.run { client in
            let token = try await client.token("super-user-actuals@oasis")
            for (cpli, actual) in [("cpli-oasis-1", "3.75"), ("cpli-oasis-1", "4.25")] {
                let edit = try await client.send(.put, "/services/oasis-hs/weeks/\(week)/actuals/\(cpli)", token: token,
                                                 json: #"{"actual":"\#(actual)","comment":"shorter visits"}"#, headers: ["If-Match": "*"])
                try #require(edit.status == 200, "\(edit.text)")
            }
            _ = try await client.send(.post, "/services/oasis-hs/weeks/\(week)/confirmation", token: token, headers: ["If-Match": "*"])
            var answers: [APIClient.Answer] = []
            for path in paths { answers.append(try await client.send(.get, path, token: token)) }
            return answers
        }
        // The same portal without read models answers from the log.
        let logOnly = PortalAPI(portal: test.portal, sessions: test.sessions)
        let app = PortalServer.application(logOnly, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let fromLog = try await app.test(.router) { client in
            let direct = APIClient(client: client, portal: test)
            let token = try await direct.token("super-user-actuals@oasis")
            var answers: [APIClient.Answer] = []
            for path in paths { answers.append(try await direct.send(.get, path, token: token)) }
            return answers
        }
        for (models, log) in zip(fromModels, fromLog) {
            #expect(models.status == 200)
            #expect(models.etag == log.etag)
            let modelLines = try #require(models.json?["lines"] as? [[String: Any]])
            let logLines = try #require(log.json?["lines"] as? [[String: Any]])
            func key(_ line: [String: Any]) -> String { "\(line["cpliID"] ?? "")|\(line["week"] ?? "")" }
            #expect(modelLines.count == logLines.count)
            let byKey = Dictionary(uniqueKeysWithValues: logLines.map { (key($0), $0) })
            for line in modelLines {
                let other = try #require(byKey[key(line)])
                let left = try JSONSerialization.data(withJSONObject: line, options: .sortedKeys)
                let right = try JSONSerialization.data(withJSONObject: other, options: .sortedKeys)
                #expect(left == right, "\(key(line)): \(String(decoding: left, as: UTF8.self)) vs \(String(decoding: right, as: UTF8.self))")
            }
            #expect(models.json?["confirmedWeeks"] as? [String] == log.json?["confirmedWeeks"] as? [String])
        }
        let edited = try #require((fromModels[0].json?["lines"] as? [[String: Any]])?.first { $0["cpliID"] as? String == "cpli-oasis-1" })
        #expect(edited["actual"] as? String == "4.2500")
        #expect(fromModels[0].json?["confirmedWeeks"] as? [String] == [week])
    }
}

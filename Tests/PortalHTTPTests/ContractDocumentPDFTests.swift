import ChildProcess
import Foundation
import HTTPTypes
import PortalHTTP
import Testing

@Suite("R-ISO: contract document PDFs print every name as written on as many pages as needed; the CPLI export has the cost breakdown")
struct ContractDocumentPDFTests {
    /// A poppler-utils program (installed by tools/test) run on `pdf`; its standard output.
    static func poppler(_ program: String, _ arguments: [String], pdf: Data) throws -> String {
        let path = "/usr/bin/\(program)"
        try #require(FileManager.default.isExecutableFile(atPath: path), "\(path) is missing: run tools/test, which installs poppler-utils")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("iso-\(UUID().uuidString).pdf")
        try pdf.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments + [file.path] + (program == "pdftotext" ? ["-"] : [])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(program) failed: \(text)")
        return text
    }

    /// The page count pdfinfo reads.
    static func pages(_ pdf: Data) throws -> Int {
        let line = try poppler("pdfinfo", [], pdf: pdf).split(separator: "\n").first { $0.hasPrefix("Pages:") }
        return try #require(line.flatMap { $0.split(separator: " ").last }.flatMap { Int($0) }, "no page count from pdfinfo")
    }

    static func publication(_ iso: String, client: String, reference: String, lines: Int) -> String {
        let cplis = (1...lines).map { index in
            #"{"cpliID":"\#(iso)-\#(index)","serviceType":"\#(index % 7 == 0 ? "night-sits" : "home-support-contract-rate")","unit":"\#(index % 7 == 0 ? "nights" : "hours")","plannedPerWeek":"\#(index % 7 == 0 ? "3" : "\(index % 9 + 1).5")","rate":"18.50","startDate":"2026-11-16"\#(index % 5 == 0 ? #","endDate":"2027-03-28""# : "")}"#
        }.joined(separator: ",")
        return #"{"isoID":"\#(iso)","organisationID":"oasis","serviceID":"oasis-hs","clientReference":"\#(reference)","clientName":"\#(client)","cplis":[\#(cplis)]}"#
    }

    @Test("Zoë Ødegård's 60-CPLI order and Seán Ó Briain's: pdftotext reads the names as written, the provider's and service's names, every CPLI, and the page count the footers give")
    func namesAndPages() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let brokerage = try await client.token("team:service-brokerage")
            let provider = try await client.token("read-only@oasis")
            for (iso, client_, reference, lines) in [("iso-zoe", "Zoë Ødegård", "ZO-0060", 60), ("iso-sean", "Seán Ó Briain", "SO-0001", 1)] {
                let published = try await client.send(.post, "/contract-documents", token: brokerage,
                                                       json: Self.publication(iso, client: client_, reference: reference, lines: lines))
                try #require(published.status == 201, "\(published.text)")
            }
            let organisation = try #require((try await client.send(.get, "/organisations/oasis", token: provider)).json?["details"] as? [String: any Sendable])
            let providerName = try #require(organisation["name"] as? String)
            let service = try #require((try await client.send(.get, "/services/oasis-hs", token: provider)).json?["details"] as? [String: any Sendable])
            let serviceName = try #require(service["name"] as? String)

            let zoe = try await client.send(.get, "/contract-documents/iso-zoe/pdf", token: provider)
            try #require(zoe.status == 200, "\(zoe.text.prefix(300))")
            #expect(zoe.headers[.contentType] == "application/pdf")
            let text = try Self.poppler("pdftotext", ["-enc", "UTF-8"], pdf: zoe.body)
            let pages = try Self.pages(zoe.body)
            #expect(pages >= 3, "60 CPLIs do not fit one page")
            #expect(text.components(separatedBy: "\u{0C}").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.count == pages)
            #expect(text.contains("Zoë Ødegård"), "\(text.prefix(400))")
            #expect(!text.contains("Zo?"))
            #expect(text.contains("Provider: \(providerName)"))
            #expect(text.contains("Service: \(serviceName)"))
            #expect(!text.contains("Provider: oasis\n"), "the provider's name, not its id")
            #expect(text.contains("Care Package Line Items (60)"))
            for index in [1, 30, 59, 60] { #expect(text.contains("CPLI iso-zoe-\(index)"), "CPLI \(index)") }
            #expect(text.contains("Home Support Contract Rate"))
            #expect(text.contains("Night Sits"))
            #expect(text.contains("£18.50 an hour"))
            #expect(text.contains("From 16 November 2026 to 28 March 2027"))
            #expect(text.contains("page 1 of \(pages)"))
            #expect(text.contains("page \(pages) of \(pages)"))
            #expect(text.contains("Total: £"))

            let sean = try await client.send(.get, "/contract-documents/iso-sean/pdf", token: provider)
            let seanText = try Self.poppler("pdftotext", ["-enc", "UTF-8"], pdf: sean.body)
            #expect(seanText.contains("Client: Seán Ó Briain (reference SO-0001)"), "\(seanText)")
            #expect(seanText.contains("page 1 of 1"))
            #expect(try Self.pages(sean.body) == 1)
            // The same document renders to the same bytes.
            #expect(try await client.send(.get, "/contract-documents/iso-sean/pdf", token: provider).body == sean.body)
            // Another organisation's document is not found.
            #expect(try await client.send(.get, "/contract-documents/iso-zoe/pdf", token: try await client.token("super-user-actuals@riverside")).status == 404)
        }
    }

    @Test("R-ISO-3: the CPLI list, as JSON and as CSV, gives each CPLI's weekly cost and its four-week period's cost (four weekly amounts)")
    func cpliCostBreakdown() async throws {
        let test = try await HTTPTestPortal.demo()
        try await test.run { client in
            let brokerage = try await client.token("team:service-brokerage")
            let published = try await client.send(.post, "/contract-documents", token: brokerage, json: #"""
                {"isoID":"iso-cost","organisationID":"oasis","serviceID":"oasis-hs","clientReference":"C-COST","clientName":"Dora Cost","cplis":[{"cpliID":"cpli-cost","serviceType":"home-support-contract-rate","unit":"hours","plannedPerWeek":"4.2857","rate":"18.5025","startDate":"2026-04-06"}]}
                """#)
            try #require(published.status == 201, "\(published.text)")
            let token = try await client.token("read-only@oasis")
            let json = try #require(try await client.send(.get, "/cplis?serviceID=oasis-hs", token: token).array)
            let cost = try #require(json.first { $0["cpliID"] as? String == "cpli-cost" })
            // 4.2857 h × £18.5025 = £79.2962… → £79.30 a week; a period is four weekly amounts: £317.20.
            #expect(cost["weeklyCost"] as? String == "79.30")
            #expect(cost["periodCost"] as? String == "317.20")
            let csv = try await client.send(.get, "/cplis?format=csv&serviceID=oasis-hs", token: token)
            let rows = csv.text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let header = try #require(rows.first)
            let row = try #require(rows.first { $0.contains("cpli-cost") }, "\(csv.text)")
            let weekly = try #require(header.firstIndex(of: "weekly_cost")), period = try #require(header.firstIndex(of: "period_cost"))
            #expect(row[weekly] == "79.30")
            #expect(row[period] == "317.20")
            #expect(rows.dropFirst().allSatisfy { $0.count == header.count })
        }
    }
}

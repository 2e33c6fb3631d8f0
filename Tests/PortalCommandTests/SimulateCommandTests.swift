import ChildProcess
import Foundation
import Testing

/// `portal simulate` at the documented scales, all or nothing.
@Suite("portal simulate (real processes)")
struct SimulateCommandTests {
    /// Every event of a data folder as JSON objects (`portal log read-all --format json`).
    static func events(_ data: URL) throws -> [[String: Any]] {
        let read = try PortalBinary.run(["log", "read-all", "--data", data.path, "--format", "json"])
        #expect(read.status == 0, "\(read.standardError)")
        return read.standardOutput.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test("R-PER-2: a county simulation invoices each period as it ends, so the next opens; every period is invoiced, approved and paid (also under lancashire, whose imported lines balance with Missed and Extra, R-ACT-7)", arguments: [
        ["--scale", "county:0.01", "--weeks", "12"], ["--scale", "demo", "--weeks", "8"],
        ["--scale", "county:0.01", "--weeks", "8", "--policy", "lancashire"],
    ])
    func simulates(arguments: [String]) throws {
        let work = TemporaryFolder()
        let data = work.url.appendingPathComponent("county")
        let result = try PortalBinary.run(["simulate", "--data", data.path, "--bcrypt-cost", "4"] + arguments)
        #expect(result.status == 0, "\(result.standardError.suffix(2000))")
        let types = try Self.events(data).compactMap { $0["type"] as? String }
        let weeks = Int(arguments[arguments.firstIndex(of: "--weeks")! + 1])!
        #expect(types.filter { $0 == "PaymentRunCompleted" }.count == weeks / 4, "one payment run a period")
        #expect(types.contains("InvoiceSubmitted") && types.contains("InvoiceApproved") && types.contains("NextPeriodOpened"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: work.url.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test("a simulation into a folder that holds anything is refused; one killed half-way leaves no data folder (only its hidden working folder)")
    func noHalfFilledFolder() async throws {
        let work = TemporaryFolder()
        let occupied = work.url.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: occupied, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: occupied.appendingPathComponent("file"))
        let refused = try PortalBinary.run(["simulate", "--data", occupied.path, "--scale", "demo", "--weeks", "1"])
        #expect(refused.status != 0 && refused.standardError.contains("is not empty"), "\(refused.standardError)")

        let data = work.url.appendingPathComponent("demo")
        let process = ChildProcess()
        process.executableURL = PortalBinary.url
        process.arguments = ["simulate", "--data", data.path, "--scale", "demo", "--bcrypt-cost", "4"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var seen = ""
        while !seen.contains("week 2/") {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(seen.contains("week 2/"), "\(seen)")
        #expect(!FileManager.default.fileExists(atPath: data.path), "a killed simulation left a half-filled data folder")
    }

    static func instant(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }
}

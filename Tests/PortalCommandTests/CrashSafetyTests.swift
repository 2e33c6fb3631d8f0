import EventLog
import Foundation
import Testing

@Suite("Crash safety of the log (real process, SIGKILL)")
struct CrashSafetyTests {
    /// One acknowledged append as printed by `portal log append-loop`.
    struct Acknowledgement: Hashable {
        let position: UInt64
        let eventID: UUID
    }

    @Test("every acknowledged append survives SIGKILL at random moments, whole, and the chain verifies (25 kills)")
    func killedWhileAppending() async throws {
        let data = TemporaryFolder()
        var acknowledged: [Acknowledgement] = []
        var generator = SystemRandomNumberGenerator()
        for round in 0..<25 {
            let process = Process()
            process.executableURL = PortalBinary.url
            process.arguments = ["log", "append-loop", "--data", data.url.path, "--writers", "4"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            let reader = ReadAll(output.fileHandleForReading)
            try process.run()
            // Let it get going (open, recover, append) and kill it at a random moment.
            try await Task.sleep(for: .milliseconds(Int.random(in: 40...220, using: &generator)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal, "round \(round): the child should have been killed")
            let lines = String(decoding: reader.wait(), as: UTF8.self).split(separator: "\n")
            for line in lines {
                // A line cut short by the kill is not an acknowledgement.
                let fields = line.split(separator: " ")
                guard fields.count == 3, fields[0] == "ack", let position = UInt64(fields[1]),
                      let id = UUID(uuidString: String(fields[2])) else { continue }
                acknowledged.append(Acknowledgement(position: position, eventID: id))
            }

            // After each kill: every acknowledged event is present and whole, and the chain verifies.
            var options = EventLog.Options()
            options.readOnly = true
            let log = try EventLog(directory: data.url.appendingPathComponent("log"), options: options)
            for ack in acknowledged {
                let stored = try #require(try log.event(at: ack.position), "round \(round): acknowledged position \(ack.position) is missing")
                #expect(stored.id == ack.eventID, "round \(round): position \(ack.position) holds another event")
                let payload = try JSONSerialization.jsonObject(with: stored.payload) as? [String: Any]
                #expect(payload?["writer"] != nil, "round \(round): payload at \(ack.position) is not whole")
            }
            let verification = try log.verify()
            #expect(verification.isIntact, "round \(round): \(verification)")
            #expect(UInt64(verification.verifiedCount) >= acknowledged.map(\.position).max() ?? 0)
            log.close()
        }
        // The test is only meaningful if the child really was acknowledging appends when killed.
        #expect(acknowledged.count > 100)
        #expect(Set(acknowledged.map(\.position)).count == acknowledged.count)
    }
}

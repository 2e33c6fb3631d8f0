import ChildProcess
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

    @Test("every acknowledged append survives SIGKILL at random moments after the first acknowledgement, whole, and the chain verifies (25 kills)")
    func killedWhileAppending() async throws {
        let data = TemporaryFolder()
        var acknowledged: [Acknowledgement] = []
        var roundsWithAcknowledgements = 0
        var generator = SystemRandomNumberGenerator()
        for round in 0..<25 {
            let process = ChildProcess()
            process.executableURL = PortalBinary.url
            process.arguments = ["log", "append-loop", "--data", data.url.path, "--writers", "4"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            let reader = LineWatcher(output.fileHandleForReading)
            try process.run()
            // The child is appending once it has acknowledged one append (opening and recovering are behind it);
            // only then does the random moment of the kill start.
            let sawFirst = await reader.waitForFirstLine(prefix: "ack ", timeout: .seconds(180))
            #expect(sawFirst, "round \(round): no acknowledgement within 180 s (a liveness bound, not a speed: the machine may be loaded)")
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...150, using: &generator)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal, "round \(round): the child should have been killed")
            let lines = String(decoding: reader.wait(), as: UTF8.self).split(separator: "\n")
            var thisRound = 0
            for line in lines {
                // A line cut short by the kill is not an acknowledgement.
                let fields = line.split(separator: " ")
                guard fields.count == 3, fields[0] == "ack", let position = UInt64(fields[1]),
                      let id = UUID(uuidString: String(fields[2])) else { continue }
                acknowledged.append(Acknowledgement(position: position, eventID: id))
                thisRound += 1
            }
            if thisRound > 0 { roundsWithAcknowledgements += 1 }

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
        // The test is only meaningful if the child really was acknowledging appends when killed, round after round.
        #expect(roundsWithAcknowledgements >= 20, "only \(roundsWithAcknowledgements) of 25 rounds acknowledged an append before the kill")
        #expect(Set(acknowledged.map(\.position)).count == acknowledged.count)
    }
}

/// Reads a child's standard output on a background thread as it arrives, so a test can wait for its first
/// complete line and still get everything once the child has ended.
final class LineWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.withLock { data.append(chunk) }
            }
            done.signal()
        }.start()
    }

    /// True once the first complete line starts with `prefix`; false if none came within `timeout`.
    func waitForFirstLine(prefix: String, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let first: Substring? = lock.withLock {
                guard let newline = data.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
                return Substring(String(decoding: data[data.startIndex..<newline], as: UTF8.self))
            }
            if let first { return first.hasPrefix(prefix) }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return false
    }

    /// Everything the child wrote, once its output has closed.
    func wait() -> Data {
        done.wait()
        return lock.withLock { data }
    }
}

import ChildProcess
import EventLog
import Foundation
import Testing

@Suite("Stale readers")
struct StaleReaderTests {
    /// The package's root folder, from this file's path.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("opening the log clears the reader slot left by a crashed process")
    func clearedAtOpen() async throws {
        let data = TemporaryFolder()
        let logFolder = data.url.appendingPathComponent("log")
        do {
            let log = try EventLog(directory: logFolder)
            try await log.append(to: "a-1", events: [ProposedEvent(type: "A", payload: Data("{}".utf8), actor: .system)])
            log.close()
        }
        // Build the fixture with the toolchain's C compiler.
        let binary = data.url.appendingPathComponent("stale-reader")
        let compiler = ChildProcess()
        compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        compiler.arguments = ["clang", Self.packageRoot.appendingPathComponent("tools/testing/stale-reader.c").path, "-llmdb", "-o", binary.path]
        try compiler.run()
        compiler.waitUntilExit()
        try #require(compiler.terminationStatus == 0, "clang could not build tools/testing/stale-reader.c")

        // LMDB resets its reader table when the first process opens a folder, so a stale slot matters while
        // another process keeps the folder open: a long-lived reader stays, a second one crashes.
        let survivor = try startReader(binary, logFolder)
        defer {
            kill(survivor.processIdentifier, SIGKILL)
            survivor.waitUntilExit()
        }
        let crashed = try startReader(binary, logFolder)
        kill(crashed.processIdentifier, SIGKILL)
        crashed.waitUntilExit()

        let log = try EventLog(directory: logFolder)
        #expect(try log.statistics().staleReadersCleared == 1)
        try await log.append(to: "a-1", events: [ProposedEvent(type: "A", payload: Data("{}".utf8), actor: .system)])
        #expect(try log.verify().verifiedCount == 2)
    }

    /// Starts the fixture and waits until it holds its read transaction.
    private func startReader(_ binary: URL, _ folder: URL) throws -> ChildProcess {
        let reader = ChildProcess()
        reader.executableURL = binary
        reader.arguments = [folder.path]
        let output = Pipe()
        reader.standardOutput = output
        try reader.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        #expect(line.hasPrefix("reading"))
        return reader
    }
}

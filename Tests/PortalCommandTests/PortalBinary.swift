import ChildProcess
import Foundation

/// Runs the real `portal` executable built beside the test bundle.
struct PortalBinary {
    static var url: URL {
        // The test bundle (…/debug/provider-portalPackageTests.xctest) sits in the products folder.
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        if folder.lastPathComponent.hasSuffix(".xctest") { folder = folder.deletingLastPathComponent() }
        var candidate = folder.appendingPathComponent("portal")
        while !FileManager.default.isExecutableFile(atPath: candidate.path), folder.path != "/" {
            folder = folder.deletingLastPathComponent()
            candidate = folder.appendingPathComponent("portal")
        }
        return candidate
    }

    struct Output {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs `portal ARGUMENTS` to completion.
    @discardableResult
    static func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> Output {
        try runExecutable(url, arguments, input: input, environment: environment)
    }

    /// Runs any executable to completion (e.g. `script`, to give `portal` a pseudo-terminal).
    @discardableResult
    static func runExecutable(_ executable: URL, _ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> Output {
        let process = ChildProcess()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let inputPipe = Pipe()
        process.standardInput = inputPipe
        try process.run()
        if let input { inputPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inputPipe.fileHandleForWriting.close()
        // Read both pipes concurrently so a chatty process never blocks on a full pipe.
        let errData = ReadAll(err.fileHandleForReading)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
                      standardError: String(decoding: errData.wait(), as: UTF8.self))
    }
}

/// Reads a file handle to its end on a background thread.
final class ReadAll: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }.start()
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

/// A new empty folder, removed when released.
final class TemporaryFolder: Sendable {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("portal-cli-tests-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

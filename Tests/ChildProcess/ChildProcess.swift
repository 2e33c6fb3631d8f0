import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process for the tests, started with `posix_spawn`, with the part of `Foundation.Process`'s interface
/// the tests use.
///
/// Why not `Foundation.Process`: on Linux with Swift 6.3.1 its `run()` crashes now and then (SIGSEGV in a
/// memcpy) while it lists `/proc/self/fd` to close the child's inherited descriptors — a buffer over-read in
/// `findMaximumOpenFromProcSelfFD()`, fixed upstream in swift-corelibs-foundation #5472 but not in this
/// toolchain. It struck the suite in a full run, where many tests spawn processes at once. This closes the
/// child's descriptors above 2 with glibc's `posix_spawn_file_actions_addclosefrom_np`, looked up at run time as
/// swift-subprocess does.
public final class ChildProcess: @unchecked Sendable {
    public enum TerminationReason: Sendable { case exit, uncaughtSignal }

    public var executableURL: URL?
    public var arguments: [String] = []
    /// Nil: the test process's own environment.
    public var environment: [String: String]?
    /// A `Pipe` or a `FileHandle` each; nil inherits the test process's.
    public var standardInput: Any?
    public var standardOutput: Any?
    public var standardError: Any?

    public private(set) var processIdentifier: pid_t = 0
    private let lock = NSLock()
    private var status: Int32?

    public init() {}

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    public func run() throws {
        guard let executable = executableURL?.path else { throw ChildProcessError("no executable") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (stream, target, reading) in [(standardInput, Int32(0), true), (standardOutput, 1, false), (standardError, 2, false)] {
            if let descriptor = Self.descriptor(stream, childReads: reading) {
                posix_spawn_file_actions_adddup2(&actions, descriptor, target)
            }
        }
        guard let addCloseFrom = Self.addCloseFrom else { throw ChildProcessError("this glibc has no posix_spawn_file_actions_addclosefrom_np") }
        _ = addCloseFrom(&actions, 3)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in variables { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, variables)
        guard result == 0 else { throw ChildProcessError("cannot start \(executable): \(String(cString: strerror(result)))") }
        processIdentifier = pid
        // The child holds its own copies now; the parent keeps only its ends of the pipes.
        if let pipe = standardInput as? Pipe { try? pipe.fileHandleForReading.close() }
        for stream in [standardOutput, standardError] {
            if let pipe = stream as? Pipe { try? pipe.fileHandleForWriting.close() }
        }
    }

    private static func descriptor(_ stream: Any?, childReads: Bool) -> Int32? {
        switch stream {
        case let pipe as Pipe: childReads ? pipe.fileHandleForReading.fileDescriptor : pipe.fileHandleForWriting.fileDescriptor
        case let handle as FileHandle: handle.fileDescriptor
        default: nil
        }
    }

    /// Waits for the child to end.
    public func waitUntilExit() {
        lock.lock()
        defer { lock.unlock() }
        guard status == nil, processIdentifier > 0 else { return }
        var value: Int32 = 0
        while waitpid(processIdentifier, &value, 0) == -1 && errno == EINTR {}
        status = value
    }

    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        guard status == nil, processIdentifier > 0 else { return false }
        var value: Int32 = 0
        if waitpid(processIdentifier, &value, WNOHANG) == processIdentifier {
            status = value
            return false
        }
        return true
    }

    /// SIGTERM, as `Foundation.Process.terminate()`.
    public func terminate() {
        if processIdentifier > 0 { kill(processIdentifier, SIGTERM) }
    }

    private var waited: Int32 {
        waitUntilExit()
        return lock.withLock { status ?? 0 }
    }

    /// The exit status, or the signal that ended it.
    public var terminationStatus: Int32 {
        let value = waited
        return value & 0x7f == 0 ? (value >> 8) & 0xff : value & 0x7f
    }

    public var terminationReason: TerminationReason {
        waited & 0x7f == 0 ? .exit : .uncaughtSignal
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

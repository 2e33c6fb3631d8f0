import ArgumentParser
import EventLog
import Foundation
import PortalAudit
import PortalDomain

/// How `portal audit …` ends when it fails, so that a script can tell the cases apart: exit status 1 when a
/// check found a difference (a broken chain or tree, a bad signature, a checkpoint the log no longer holds, a
/// remittance that differs, an event this build cannot read), 2 for a usage or lookup error (a bad option, a
/// subject with no events, a file that cannot be read). With `--format json` the error is a JSON object on
/// standard output, `{"error": "…", "exitStatus": N}`; otherwise the message goes to standard error.
enum AuditExit {
    static func status(for error: any Error) -> Int32 {
        switch error {
        case let error as AuditError: return error.isVerificationFailure ? 1 : 2
        case let error as EventLogError: return error.isCorrupt ? 1 : 2
        case is EventDecodingError: return 1
        default: return Portal.exitCode(for: error) == .validationFailure ? 2 : 1
        }
    }

    /// Ends the process for `error` raised by an audit command run with `arguments`. Help and `ExitCode`s
    /// (a verification that ran and failed) end as ArgumentParser ends them.
    static func exit(_ error: any Error, arguments: [String]) -> Never {
        if error is ExitCode || Portal.exitCode(for: error) == .success { Portal.exit(withError: error) }
        let status = status(for: error)
        let wantsJSON = zip(arguments, arguments.dropFirst()).contains { $0 == "--format" && $1 == "json" } || arguments.contains("--format=json")
        if wantsJSON {
            struct Failure: Encodable { var error: String; var exitStatus: Int32 }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let message = error is AuditError || error is EventLogError || error is EventDecodingError ? "\(error)" : Portal.message(for: error)
            let line = (try? encoder.encode(Failure(error: message, exitStatus: status))) ?? Data()
            FileHandle.standardOutput.write(line + Data("\n".utf8))
        } else {
            let text = error is AuditError || error is EventLogError || error is EventDecodingError ? "Error: \(error)" : Portal.fullMessage(for: error)
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
        Foundation.exit(status)
    }
}

import ArgumentParser
import Foundation

/// The `portal` command: the Provider Portal's server, log tools, audits and benchmarks.
@main
struct Portal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portal",
        abstract: "The council Provider Portal backend: an event-sourced log of care orders, actuals, invoices and payments.",
        discussion: """
            Every change is an immutable event in an append-only log stored in LMDB under the data folder
            (--data, default ./portal-data, or $PORTAL_DATA). A new deployment starts with portal init.
            """,
        version: "0.1.0",
        subcommands: [Serve.self, Init.self, Staff.self, Config.self, Import.self, Backup.self, Restore.self, Log.self, Audit.self,
                      Projections.self, Simulate.self, Bench.self]
    )

    /// ArgumentParser's `main`, except that `portal audit …` ends with its own exit statuses (``AuditExit``).
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try await asyncParseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if arguments.first == "audit" { AuditExit.exit(error, arguments: arguments) }
            exit(withError: error)
        }
    }
}

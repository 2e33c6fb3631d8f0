import ArgumentParser

/// The `portal` command: the Provider Portal's server, log tools, audits and benchmarks.
@main
struct Portal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portal",
        abstract: "The council Provider Portal backend: an event-sourced log of care orders, actuals, invoices and payments.",
        discussion: """
            Every change is an immutable event in an append-only log stored in LMDB under the data folder
            (--data, default ./portal-data, or $PORTAL_DATA).
            """,
        version: "0.1.0",
        subcommands: [Serve.self, Import.self, Backup.self, Restore.self, Log.self, Audit.self, Projections.self, Simulate.self, Bench.self]
    )
}

import ArgumentParser

extension Portal {
    /// `portal log …`: the event log itself.
    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "log",
            abstract: "Append to, read, verify and inspect the event log.",
            subcommands: [Append.self, Read.self, ReadAll.self, Verify.self, Stats.self, AppendLoop.self]
        )
    }
}

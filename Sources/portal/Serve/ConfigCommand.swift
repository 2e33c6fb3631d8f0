import ArgumentParser
import Foundation

extension Portal {
    /// `portal config`: the settings `portal serve` would run with.
    struct Config: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the settings portal serve would run with.",
            subcommands: [Check.self])
    }
}

extension Portal.Config {
    /// `portal config check`.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective serve settings and where each came from (flag, environment, file or default).",
            discussion: """
                Takes the same flags as portal serve and reads the same environment variables (PORTAL_PORT, …) and \
                configuration file (--config FILE or $PORTAL_CONFIG). Exit status 1, naming the key, for an unknown \
                key in the file or a value of the wrong type or out of range. Secrets are never printed.
                """)

        @OptionGroup var settings: ServeSettingOptions

        @Option(help: "table (default) or json (one object per line).")
        var format: OutputFormat = .table

        func run() async throws {
            let settings = try await settings.resolve()
            let rows = settings.report()
            switch format {
            case .table:
                if let file = settings.configFile { print("configuration file: \(file)") }
                for row in rows {
                    print("\(row.key.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(row.value.padding(toLength: 48, withPad: " ", startingAt: 0)) \(row.source)")
                }
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for row in rows {
                    let line = try encoder.encode(["key": row.key.name, "value": row.value, "source": row.source.description,
                                                   "environment": row.key.environmentVariable, "flag": row.key.flag])
                    print(String(decoding: line, as: UTF8.self))
                }
            }
            for name in settings.unknownEnvironment {
                FileHandle.standardError.write(Data("warning: environment variable \(name) names no setting and is ignored\n".utf8))
            }
        }
    }
}

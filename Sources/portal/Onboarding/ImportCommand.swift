import ArgumentParser
import Foundation
import PortalApplication
import PortalDomain

extension Portal {
    /// `portal import …`: bringing a council's existing data into the portal.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Bring a council's existing records into the portal (onboarding).",
            subcommands: [ReferenceDataImport.self])
    }
}

extension Portal.Import {
    /// `portal import reference-data FILE…`: organisations, contracts, services and current care orders from CSV.
    struct ReferenceDataImport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reference-data",
            abstract: "Import organisations, contracts, services and clients' current care orders from CSV files, all or nothing.",
            discussion: """
                Each file's header names its kind in its first column: organisation, contract, service or iso (care \
                orders, one row per CPLI). The README's "Running it for real" section documents every column; \
                tools/onboarding/examples/ holds example files. Every record is checked against the log: new ones \
                are decided by the portal's own rules and appended together in one atomic append; records already \
                in the portal exactly as the files have them are left alone (unchanged); a record in the portal with \
                other content, or any problem, refuses the whole import, listing every problem by file, row and \
                column. Care orders come in agreed, recorded as agreed on the provider's behalf by you (the \
                operator, system:operator:<os user>) with --reason. Run it with the server stopped; while the \
                server runs, procurement and brokerage import over HTTP (POST /reference-data/imports).
                """)

        @OptionGroup var dataFolder: DataFolderOptions

        @Argument(help: "The CSV files (UTF-8), in any order.")
        var files: [String]

        @Flag(help: "Check everything and print the counts (new, unchanged, refused); write nothing.")
        var dryRun = false

        @Option(help: "Why the care orders are recorded as agreed on the providers' behalf.")
        var reason: String = PortalApplication.Portal.defaultOnboardingReason

        @Option(help: "Output: table or json (the report as one JSON object).")
        var format: OutputFormat = .table

        func validate() throws {
            if files.isEmpty { throw ValidationError("name at least one CSV file") }
        }

        func run() async throws {
            var contents: [(name: String, content: Data)] = []
            for path in files {
                guard let handle = FileHandle(forReadingAtPath: path) else {
                    throw ValidationError("cannot read \(path): no such file, or not readable")
                }
                // One byte over the limit is enough to refuse the file, naming it.
                contents.append((path, try handle.read(upToCount: ReferenceData.maximumFileBytes + 1) ?? Data()))
                try handle.close()
            }
            let folder = dataFolder.folder
            guard FileManager.default.fileExists(atPath: dataFolder.logFolder.appendingPathComponent("data.mdb").path) else {
                throw ValidationError("there is no data folder at \(folder.path) (no log); create it with portal init first, or check --data")
            }
            let portal = try await PortalApplication.Portal.open(
                dataDirectory: folder, deployment: .init(policy: nil), defaults: Portal.Serve.defaultSettings, bcryptCost: 4)
            defer { portal.close() }
            let data = ReferenceData.parse(files: contents, today: portal.context(for: ShellOperator.actor).today)
            let report = try await portal.importReferenceData(data, reason: reason, dryRun: dryRun, CommandRequest(actor: ShellOperator.actor))
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            case .table:
                print(Self.table(report, kinds: data.kinds))
            }
            if !report.problems.isEmpty { throw ExitCode(1) }
        }

        static func table(_ report: ReferenceDataReport, kinds: Set<ReferenceDataKind>) -> String {
            var lines = ["kind            new  unchanged  refused"]
            for kind in ReferenceDataKind.allCases where kinds.contains(kind) {
                let counts = report.counts(of: kind)
                lines.append(kind.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
                    + String(format: "%6d %10d %8d", counts.new, counts.unchanged, counts.refused))
            }
            if !report.problems.isEmpty {
                lines.append("")
                lines.append("nothing was imported; \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s"):")
                for problem in report.problems {
                    lines.append("- \(problem)")
                }
            } else if report.isAlreadyImported {
                lines.append("already imported: every record is in the portal exactly as the files have it; nothing written")
            } else if report.dryRun {
                lines.append("dry run: \(report.events) events (\(report.newCPLIs) CPLIs of new care orders) would be written; nothing written")
            } else if report.written {
                lines.append("imported: \(report.events) events (\(report.newCPLIs) CPLIs of new care orders) in one atomic append")
            }
            return lines.joined(separator: "\n")
        }
    }
}

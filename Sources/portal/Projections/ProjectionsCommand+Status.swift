import ArgumentParser
import EventLog
import Foundation
import PortalProjections

extension Portal.Projections {
    /// `portal projections status`.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each read model's checkpoint, lag behind the log, generation and phase.",
            discussion: "Opens everything read-only: safe beside a running server.")

        @OptionGroup var options: ProjectionOptions

        @Option(help: "Output format: table or json (one object per line).")
        var format: OutputFormat = .table

        func run() throws {
            let (log, readModels) = try options.open(readOnly: true)
            defer {
                readModels.close()
                log.close()
            }
            let head = try log.head().position
            let statuses = Dictionary(uniqueKeysWithValues: try readModels.engine.status().map { ($0.name, $0) })
            if format == .table {
                print("log head: \(head)")
                print(row("projection", "checkpoint", "lag", "generation", "phase"))
            }
            for projection in PortalReadModels.all {
                let status = statuses[projection.name]
                switch format {
                case .table:
                    if let status {
                        print(row(status.name, String(status.checkpoint), String(status.lag), status.generation, status.phase.text))
                    } else {
                        print(row(projection.name, "-", String(head), "-", "not built"))
                    }
                case .json:
                    let object: [String: Any] = [
                        "projection": projection.name, "checkpoint": status?.checkpoint ?? 0, "lag": status?.lag ?? head,
                        "generation": status?.generation ?? NSNull(), "phase": status?.phase.text ?? "not built",
                    ]
                    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                    print(String(decoding: data, as: UTF8.self))
                }
            }
        }

        private func row(_ cells: String...) -> String {
            let widths = [20, 12, 10, 24]
            return cells.enumerated().map { index, cell in
                index < widths.count ? cell.padding(toLength: max(widths[index], cell.count), withPad: " ", startingAt: 0) : cell
            }.joined(separator: " ")
        }
    }

    /// `portal projections digest`.
    struct Digest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The SHA-256 of each read model's tables (keys and values) with its checkpoint.",
            discussion: """
                Equal digests mean byte-identical read models: compare a read model built incrementally with one \
                rebuilt from the log (same checkpoint). Opens everything read-only.
                """)

        @OptionGroup var options: ProjectionOptions

        func run() throws {
            let (log, readModels) = try options.open(readOnly: true)
            defer {
                readModels.close()
                log.close()
            }
            let digests = try readModels.engine.digests()
            let checkpoints = Dictionary(uniqueKeysWithValues: try readModels.engine.status().map { ($0.name, $0.checkpoint) })
            for projection in PortalReadModels.all {
                let name = projection.name.padding(toLength: 20, withPad: " ", startingAt: 0)
                if let digest = digests[projection.name] {
                    print("\(name) \(digest) \(checkpoints[projection.name] ?? 0)")
                } else {
                    print("\(name) not built")
                }
            }
        }
    }
}

import Foundation
import PortalDomain

/// Where regenerated remittances are written: `<folder>/<run>-<organisation>.csv` and `.txt` (ids hold only
/// letters, digits and `. _ : -`, so they are safe file names).
///
/// A file that exists with exactly the bytes to write is left as it is; one that exists with other bytes is
/// never replaced silently: unless `overwrite` is set, the whole write is refused before any file is touched,
/// naming every such file. Each file is written atomically (a temporary file renamed into place).
public enum RemittanceFiles {
    /// What happened to one file.
    public enum Outcome: String, Sendable {
        /// It did not exist and was written.
        case written
        /// It existed with the same bytes and was left alone.
        case unchanged
        /// It existed with other bytes and was replaced (`overwrite`).
        case replaced
    }

    /// The two files of one remittance.
    public struct Written: Sendable {
        public let csv: URL
        public let text: URL
        public let csvOutcome: Outcome
        public let textOutcome: Outcome
    }

    /// The file names of a remittance, without the folder.
    public static func names(_ remittance: RegeneratedRemittance) -> (csv: String, text: String) {
        let stem = "\(remittance.paymentRunID.rawValue)-\(remittance.organisationID.rawValue)"
        return ("\(stem).csv", "\(stem).txt")
    }

    /// Writes every remittance's CSV and printable text into `folder` (created when missing), in the order given.
    public static func write(_ remittances: [RegeneratedRemittance], to folder: URL, overwrite: Bool = false) throws -> [Written] {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw AuditError.invalid("--output \(folder.path): a file is there, not a folder") }
        } else {
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw AuditError.invalid("--output \(folder.path): the folder cannot be created: \(error.localizedDescription)")
            }
        }
        // Every target and its bytes, checked before anything is written.
        var plan: [(url: URL, bytes: Data, outcome: Outcome)] = []
        var conflicts: [String] = []
        for remittance in remittances {
            let names = names(remittance)
            for (name, bytes) in [(names.csv, remittance.csv), (names.text, Data(remittance.text.utf8))] {
                let url = folder.appendingPathComponent(name)
                var outcome = Outcome.written
                if let existing = FileManager.default.contents(atPath: url.path) {
                    outcome = existing == bytes ? .unchanged : .replaced
                    if outcome == .replaced && !overwrite { conflicts.append(url.path) }
                }
                plan.append((url, bytes, outcome))
            }
        }
        guard conflicts.isEmpty else {
            throw AuditError.invalid("--output: \(conflicts.joined(separator: ", ")) \(conflicts.count == 1 ? "exists" : "exist") with other content; "
                + "nothing was written. Choose another --output folder, remove \(conflicts.count == 1 ? "it" : "them"), or give --overwrite")
        }
        for entry in plan where entry.outcome != .unchanged {
            do {
                try entry.bytes.write(to: entry.url, options: .atomic)
            } catch {
                throw AuditError.invalid("--output: \(entry.url.path) cannot be written: \(error.localizedDescription)")
            }
        }
        return stride(from: 0, to: plan.count, by: 2).map { index in
            Written(csv: plan[index].url, text: plan[index + 1].url, csvOutcome: plan[index].outcome, textOutcome: plan[index + 1].outcome)
        }
    }
}

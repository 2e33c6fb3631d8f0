import Foundation
import Glibc
import Logging
import Synchronization

/// `--log-format json`: one JSON object per line on standard error, with `time` (UTC, ISO 8601 with
/// milliseconds), `level`, `label`, `message`, and each metadata value as a string field (the request line's
/// `method`, `route`, `status`, `duration_ms`, `client`, `scheme`, and `hb.request.id`). Nothing is added that
/// the code did not log: the portal logs no secret, header or body.
struct JSONLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    let label: String

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in metadata { fields[key] = Self.text(value) }
        for (key, value) in event.metadata ?? [:] { fields[key] = Self.text(value) }
        fields["time"] = Self.timestamp()
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = event.message.description
        Self.write(fields)
    }

    private static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let value): value.description
        default: value.description
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static let output = Mutex<Void>(())

    private static func write(_ fields: [String: String]) {
        guard var line = try? encoder.encode(fields) else { return }
        line.append(0x0A)
        output.withLock { _ in FileHandle.standardError.write(line) }
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(now.tv_nsec / 1_000_000))
    }
}

import ArgumentParser
import Configuration
import Foundation
import Synchronization
import SystemPackage

/// Every setting of `portal serve`, and where each came from: a flag, an environment variable (`PORTAL_…`), the
/// JSON configuration file (`--config FILE` or `$PORTAL_CONFIG`), or the default, in that order of precedence.
/// Read with apple/swift-configuration: the flags given are an in-memory provider in front of the
/// environment's and the file's providers.
///
/// An unknown key in the file, or a value of the wrong type or out of range anywhere, is refused naming the
/// key and where it came from. An unknown `PORTAL_…` environment variable is reported as a warning, not
/// refused: tools beside the portal use the prefix too (`PORTAL_PYTHON`, `PORTAL_PROGRESS_INTERVAL_MS`).
struct ServeSettings: Sendable {
    /// One setting: its key in the file, its environment variable and flag, and whether it is a secret (never
    /// printed; no serve setting is one today, but the check honours the flag).
    struct Key: Sendable {
        enum Kind: Sendable { case string, int, bool }
        var name: String
        var kind: Kind
        var help: String
        var isSecret = false
        var environmentVariable: String {
            "PORTAL_" + name.reduce(into: "") { text, character in
                if character.isUppercase { text.append("_") }
                text.append(contentsOf: character.uppercased())
            }
        }
        var flag: String {
            "--" + name.reduce(into: "") { text, character in
                if character.isUppercase { text.append("-") }
                text.append(contentsOf: character.lowercased())
            }
        }
    }

    static let keys: [Key] = [
        Key(name: "data", kind: .string, help: "the data folder"),
        Key(name: "bind", kind: .string, help: "the address to listen on"),
        Key(name: "port", kind: .int, help: "the TCP port (0 picks a free one)"),
        Key(name: "policy", kind: .string, help: "policy profile recorded at the first start"),
        Key(name: "periodAnchor", kind: .string, help: "the Monday that starts period 1, recorded at the first start"),
        Key(name: "maximumBodySize", kind: .int, help: "largest request body in bytes"),
        Key(name: "logFormat", kind: .string, help: "text or json"),
        Key(name: "logLevel", kind: .string, help: "trace, debug, info, notice, warning, error or critical"),
        Key(name: "trustProxy", kind: .bool, help: "take the client's address and scheme from X-Forwarded-For/-Proto"),
        Key(name: "bcryptCost", kind: .int, help: "bcrypt cost of new password hashes"),
    ]

    /// Where a value came from.
    enum Source: Sendable, Equatable, CustomStringConvertible {
        case flag(String)
        case environment(String)
        case file(String)
        case `default`

        var description: String {
            switch self {
            case .flag(let flag): "flag \(flag)"
            case .environment(let name): "environment \(name)"
            case .file(let path): "file \(path)"
            case .default: "default"
            }
        }
    }

    enum LogFormat: String, Sendable, CaseIterable { case text, json }

    var data: String = "portal-data"
    var bind: String = "127.0.0.1"
    var port: Int = 8080
    var policy: String?
    var periodAnchor: String?
    var maximumBodySize: Int = 1 << 20
    var logFormat: LogFormat = .text
    var logLevel: String = "info"
    var trustProxy = false
    var bcryptCost: Int = 12
    /// The configuration file read, if any.
    var configFile: String?
    /// Where each setting came from, by key name.
    var sources: [String: Source] = [:]
    /// `PORTAL_…` environment variables that name no setting.
    var unknownEnvironment: [String] = []

    /// The data folder as an absolute URL.
    var folder: URL { URL(fileURLWithPath: data, isDirectory: true).standardizedFileURL }

    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
    /// Variables of the prefix that are not settings but are read by tools beside the portal.
    static let otherVariables: Set<String> = ["PORTAL_CONFIG", "PORTAL_PYTHON", "PORTAL_PROGRESS_INTERVAL_MS"]

    /// The settings from `flags` (the values given on the command line, by key name), `environment` and the
    /// configuration file (`configFile`, else `$PORTAL_CONFIG`). Throws `ValidationError` naming the key.
    static func resolve(
        flags: [String: ConfigContent], configFile: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> ServeSettings {
        var settings = ServeSettings()
        let known = Set(keys.map(\.name))
        var flagValues: [AbsoluteConfigKey: ConfigValue] = [:]
        for (name, content) in flags {
            precondition(known.contains(name), "flag for unknown setting \(name)")
            flagValues[AbsoluteConfigKey([name])] = ConfigValue(content, isSecret: keys.first { $0.name == name }!.isSecret)
        }
        var providers: [any ConfigProvider] = [InMemoryProvider(name: "flags", values: flagValues)]
        let settingVariables = Set(keys.map(\.environmentVariable))
        settings.unknownEnvironment = environment.keys
            .filter { $0.hasPrefix("PORTAL_") && !settingVariables.contains($0) && !otherVariables.contains($0) }.sorted()
        providers.append(EnvironmentVariablesProvider(
            environmentVariables: environment.filter { settingVariables.contains($0.key) },
            secretsSpecifier: .specific(Set(keys.filter(\.isSecret).map(\.environmentVariable))))
            .prefixKeys(with: ConfigKey(["portal"])))
        if let path = configFile ?? environment["PORTAL_CONFIG"] {
            let file = URL(fileURLWithPath: path).standardizedFileURL.path
            settings.configFile = file
            try checkFileKeys(file)
            do {
                providers.append(try await FileProvider<JSONSnapshot>(
                    parsingOptions: .init(secretsSpecifier: .specific(Set(keys.filter(\.isSecret).map(\.name)))),
                    filePath: FilePath(file)))
            } catch {
                throw ValidationError("the configuration file \(file) cannot be read: \(error)")
            }
        }
        let reporter = AccessRecorder()
        let reader = ConfigReader(providers: providers, accessReporter: reporter)
        for key in keys {
            let configKey = ConfigKey([key.name])
            let found: ConfigContent?
            switch key.kind {
            case .string: found = reader.string(forKey: configKey, isSecret: key.isSecret).map { .string($0) }
            case .int: found = reader.int(forKey: configKey, isSecret: key.isSecret).map { .int($0) }
            case .bool: found = reader.bool(forKey: configKey, isSecret: key.isSecret).map { .bool($0) }
            }
            let event = reporter.event(for: key.name)
            let answering = event?.providerResults.firstIndex { result in
                switch result.result {
                case .success(let lookup): lookup.value != nil
                case .failure: true
                }
            }
            // The providers in order: the flags, the environment, the file.
            let source: Source = switch answering {
            case 0?: .flag(key.flag)
            case 1?: .environment(key.environmentVariable)
            case .some: .file(settings.configFile ?? "")
            case nil: .default
            }
            var failed = false
            if case .failure? = event?.result { failed = true }
            if event?.conversionError != nil { failed = true }
            if let answering, case .failure = event!.providerResults[answering].result { failed = true }
            if failed || (found == nil && source != .default) {
                throw ValidationError("setting \(key.name) from \(source) is not \(key.kind == .int ? "a whole number" : key.kind == .bool ? "true or false" : "text")")
            }
            guard let found else { continue }
            settings.sources[key.name] = source
            try settings.apply(key, found, from: source)
        }
        return settings
    }

    /// Sets one value, checking its range; refused naming the key and its source.
    private mutating func apply(_ key: Key, _ value: ConfigContent, from source: Source) throws {
        func refuse(_ reason: String) -> ValidationError { ValidationError("setting \(key.name) from \(source) \(reason)") }
        switch (key.name, value) {
        case ("data", .string(let text)):
            guard !text.isEmpty else { throw refuse("is empty") }
            data = text
        case ("bind", .string(let text)):
            guard !text.isEmpty else { throw refuse("is empty") }
            bind = text
        case ("port", .int(let number)):
            guard (0...65535).contains(number) else { throw refuse("is \(number), not a TCP port from 0 to 65535") }
            port = number
        case ("policy", .string(let text)): policy = text
        case ("periodAnchor", .string(let text)): periodAnchor = text
        case ("maximumBodySize", .int(let number)):
            guard (1024...(256 << 20)).contains(number) else { throw refuse("is \(number); give 1024 to 268435456 bytes") }
            maximumBodySize = number
        case ("logFormat", .string(let text)):
            guard let format = LogFormat(rawValue: text) else { throw refuse("is '\(text)'; use text or json") }
            logFormat = format
        case ("logLevel", .string(let text)):
            guard Self.logLevels.contains(text) else { throw refuse("is '\(text)'; use one of \(Self.logLevels.joined(separator: ", "))") }
            logLevel = text
        case ("trustProxy", .bool(let flag)): trustProxy = flag
        case ("bcryptCost", .int(let number)):
            guard (4...31).contains(number) else { throw refuse("is \(number); bcrypt costs run from 4 to 31") }
            bcryptCost = number
        default:
            throw refuse("has an unexpected value")
        }
    }

    /// Refuses a configuration file that is not a JSON object of known keys with plain values, naming the key.
    private static func checkFileKeys(_ path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("the configuration file \(path) cannot be read (does it exist?)")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ValidationError("the configuration file \(path) is not valid JSON: \(error.localizedDescription)")
        }
        guard let settings = object as? [String: Any] else {
            throw ValidationError("the configuration file \(path) must hold one JSON object of settings, such as {\"port\": 8080}")
        }
        let known = Set(keys.map(\.name))
        for name in settings.keys.sorted() where !known.contains(name) {
            throw ValidationError("the configuration file \(path) has an unknown key '\(name)'; the settings are \(keys.map(\.name).joined(separator: ", "))")
        }
        for (name, value) in settings where value is [String: Any] || value is [Any] || value is NSNull {
            throw ValidationError("setting \(name) in the configuration file \(path) must be a plain value, not an object, array or null")
        }
    }

    /// The effective settings, one line each: key, value (secrets never shown), and where it came from.
    func report() -> [(key: Key, value: String, source: Source)] {
        Self.keys.map { key in
            let value: String
            switch key.name {
            case "data": value = folder.path
            case "bind": value = bind
            case "port": value = String(port)
            case "policy": value = policy ?? "(the recorded one; norfolk at a first start)"
            case "periodAnchor": value = periodAnchor ?? "(the recorded one; 2026-04-06 at a first start)"
            case "maximumBodySize": value = String(maximumBodySize)
            case "logFormat": value = logFormat.rawValue
            case "logLevel": value = logLevel
            case "trustProxy": value = String(trustProxy)
            case "bcryptCost": value = String(bcryptCost)
            default: value = "?"
            }
            return (key, key.isSecret ? "(secret, not shown)" : value, sources[key.name] ?? .default)
        }
    }
}

/// Keeps the last access event of each key, to tell which provider answered.
private final class AccessRecorder: AccessReporter, Sendable {
    private let events = Mutex<[String: AccessEvent]>([:])

    func report(_ event: AccessEvent) {
        events.withLock { $0[event.metadata.key.components.joined(separator: ".")] = event }
    }

    func event(for name: String) -> AccessEvent? {
        events.withLock { $0[name] }
    }
}

/// The flags that every `serve` setting has; all optional, so that an environment variable or the file can
/// give the value when the flag is absent (a flag's default would always win).
struct ServeSettingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A JSON configuration file of serve settings (also $PORTAL_CONFIG).", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("The data folder. Default: $PORTAL_DATA, or ./portal-data under the working folder.", valueName: "dir"))
    var data: String?

    @Option(help: "TCP port; 0 picks a free one (the line 'listening on …' says which). Default 8080.")
    var port: Int?

    @Option(help: "Address to bind; the default is loopback only (127.0.0.1).")
    var bind: String?

    @Option(help: "Policy profile: norfolk or lancashire (default norfolk). Recorded at a data folder's first start; later starts use the recorded one.")
    var policy: String?

    @Option(help: "The Monday that starts period 1, R-PER-1 (default 2026-04-06). Recorded like --policy.")
    var periodAnchor: String?

    @Option(help: "Largest request body in bytes (413 beyond it). Default 1048576.")
    var maximumBodySize: Int?

    @Option(help: "Log lines on standard error as text (default) or json (one object per line).")
    var logFormat: String?

    @Option(help: "Lowest level logged: trace, debug, info (default), notice, warning, error, critical.")
    var logLevel: String?

    @Flag(inversion: .prefixedNo, help: "Take the client's address and scheme from the reverse proxy's X-Forwarded-For and X-Forwarded-Proto (only behind a proxy, bound to loopback).")
    var trustProxy: Bool?

    @Option(help: ArgumentHelp("bcrypt cost of new password and passcode hashes.", visibility: .hidden))
    var bcryptCost: Int?

    /// The flags given, by setting name.
    var given: [String: ConfigContent] {
        var values: [String: ConfigContent] = [:]
        if let data { values["data"] = .string(data) }
        if let port { values["port"] = .int(port) }
        if let bind { values["bind"] = .string(bind) }
        if let policy { values["policy"] = .string(policy) }
        if let periodAnchor { values["periodAnchor"] = .string(periodAnchor) }
        if let maximumBodySize { values["maximumBodySize"] = .int(maximumBodySize) }
        if let logFormat { values["logFormat"] = .string(logFormat) }
        if let logLevel { values["logLevel"] = .string(logLevel) }
        if let trustProxy { values["trustProxy"] = .bool(trustProxy) }
        if let bcryptCost { values["bcryptCost"] = .int(bcryptCost) }
        return values
    }

    func resolve() async throws -> ServeSettings {
        try await ServeSettings.resolve(flags: given, configFile: config)
    }
}

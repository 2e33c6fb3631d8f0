// swift-tools-version:6.2
// The Provider Portal backend: an event-sourced council portal on an LMDB log.

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "provider-portal",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "portal", targets: ["portal"]),
        .library(name: "EventLog", targets: ["EventLog"]),
        .library(name: "Chronology", targets: ["Chronology"]),
        .library(name: "PortalDomain", targets: ["PortalDomain"]),
        .library(name: "PortalApplication", targets: ["PortalApplication"]),
        .library(name: "PortalProjections", targets: ["PortalProjections"]),
        .library(name: "PortalHTTP", targets: ["PortalHTTP"]),
        .library(name: "PortalWeb", targets: ["PortalWeb"]),
        .library(name: "PortalAudit", targets: ["PortalAudit"]),
        .library(name: "PortalSimulation", targets: ["PortalSimulation"]),
        // For the benchmark peers' package in tools/bench/peers.
        .library(name: "StoreComparison", targets: ["StoreComparison"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // liblmdb from Debian's liblmdb-dev, found through pkg-config `lmdb`.
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        // A Swift wrapper of liblmdb: environments, transactions, cursors, and a writer thread per environment.
        .target(name: "LMDB", dependencies: ["CLMDB"], swiftSettings: swiftSettings),
        // Instants (UTC, microseconds) and calendar dates, shared by the log and the domain.
        .target(name: "Chronology", swiftSettings: swiftSettings),
        // The append-only event log: envelopes, hash chain, group commit, subscriptions. No domain words.
        .target(
            name: "EventLog",
            dependencies: [
                "LMDB",
                "Chronology",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The portal's domain: value types, commands, events, decide/evolve, policies. Pure: no I/O, no clock.
        .target(name: "PortalDomain", dependencies: ["Chronology"], swiftSettings: swiftSettings),
        // Loads streams, authorises, decides and appends; the credential store beside the log.
        .target(
            name: "PortalApplication",
            dependencies: [
                "PortalDomain",
                "EventLog",
                "LMDB",
                "Chronology",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
        // Read models rebuilt from the log: the engine (checkpoints, generations, rebuild) and the models.
        .target(
            name: "PortalProjections",
            dependencies: [
                "PortalDomain",
                "EventLog",
                "LMDB",
                "Chronology",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // A deterministic county made through the application layer: the demo, tests and benchmarks.
        .target(
            name: "PortalSimulation",
            dependencies: ["PortalApplication", "PortalDomain", "EventLog", "Chronology"],
            swiftSettings: swiftSettings
        ),
        // Benchmark support, kept beside the tools that run it (tools/bench/compare): the workload file format,
        // the phases every store under comparison runs, and the SQL peers' read models; no store of its own.
        .target(
            name: "StoreComparison",
            dependencies: ["PortalDomain", "Chronology", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "tools/bench/StoreComparison",
            swiftSettings: swiftSettings
        ),
        // The county workload generator: ten years of a county through the domain's own decide/evolve.
        .target(
            name: "CountyWorkload",
            dependencies: ["StoreComparison", "PortalDomain", "Chronology", .product(name: "Crypto", package: "swift-crypto")],
            path: "tools/bench/CountyWorkload",
            swiftSettings: swiftSettings
        ),
        // The audit tool: histories with field-level diffs, as-of, who, trace, digests, remittance regeneration.
        .target(
            name: "PortalAudit",
            dependencies: [
                "PortalDomain",
                "EventLog",
                "Chronology",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP API (Hummingbird 2): sessions, routes per portal function, problem+json errors, metrics.
        .target(
            name: "PortalHTTP",
            dependencies: [
                "PortalApplication",
                "PortalProjections",
                "PortalAudit",
                "PortalDomain",
                "EventLog",
                "LMDB",
                "Chronology",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            // The OpenAPI description is served at /openapi.yaml from the binary (a link to Schemas/openapi.yaml).
            resources: [.embedInCode("Contract/openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        // The web pages: server-rendered HTML (swift-mustache templates and a stylesheet, compiled into the binary)
        // on the same application, read models, sessions and authorisation as the HTTP API.
        .target(
            name: "PortalWeb",
            dependencies: [
                "PortalHTTP",
                "PortalApplication",
                "PortalProjections",
                "PortalAudit",
                "PortalDomain",
                "Chronology",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [
                .embedInCode("Assets/portal.css"),
                .embedInCode("Templates"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `portal` command.
        .executableTarget(
            name: "portal",
            dependencies: [
                "EventLog",
                "PortalAudit",
                "PortalHTTP",
                "PortalWeb",
                "PortalProjections",
                "PortalSimulation",
                "PortalApplication",
                "PortalDomain",
                "Chronology",
                "CountyWorkload",
                "StoreComparison",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        // Child processes for the tests, without Foundation.Process's crash on Linux (see its documentation).
        .target(name: "ChildProcess", path: "Tests/ChildProcess", swiftSettings: swiftSettings),
        .testTarget(
            name: "ChronologyTests",
            dependencies: ["Chronology"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EventLogTests",
            dependencies: ["ChildProcess", "EventLog", "LMDB", "CLMDB"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PortalDomainTests",
            dependencies: ["ChildProcess", "PortalDomain", "Chronology"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PortalApplicationTests",
            dependencies: ["PortalApplication", "PortalDomain", "EventLog", "Chronology"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PortalProjectionsTests",
            dependencies: ["PortalProjections", "PortalApplication", "PortalDomain", "EventLog", "Chronology"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PortalAuditTests",
            dependencies: ["PortalAudit", "PortalApplication", "PortalDomain", "EventLog", "LMDB", "Chronology"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PortalHTTPTests",
            dependencies: [
                "ChildProcess",
                "PortalHTTP", "PortalWeb", "PortalApplication", "PortalProjections", "PortalDomain", "EventLog", "Chronology",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The benchmark's county workload: deterministic, a valid file, applied whole by every read model.
        .testTarget(
            name: "CountyWorkloadTests",
            dependencies: ["CountyWorkload", "StoreComparison", "PortalProjections", "PortalApplication", "PortalDomain", "EventLog", "Chronology"],
            swiftSettings: swiftSettings
        ),
        // Runs the real `portal` binary (crash safety, command line).
        .testTarget(
            name: "PortalCommandTests",
            dependencies: ["ChildProcess", "portal", "EventLog", "LMDB", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
    ]
)

// swift-tools-version:6.2
// The store comparison's peers: the usual event table in PostgreSQL (through libpq, Debian's libpq-dev) and
// in SQLite (through GRDB), running the same phases as the product's `portal bench store`. A package of its
// own so that the product never depends on a PostgreSQL or SQLite client. tools/bench/compare builds and
// runs it.

import Foundation
import PackageDescription

// The portal's package is this folder's grandparent's parent; SwiftPM names a path dependency after its
// folder, which is whatever the clone was called.
let portalPath = "../../.."
let portalPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent(portalPath).standardizedFileURL.lastPathComponent.lowercased()

let package = Package(
    name: "county-peers",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: portalPath),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // libpq from Debian's libpq-dev, found through pkg-config `libpq`.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .executableTarget(
            name: "county-peers",
            dependencies: [
                "CLibPQ",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "StoreComparison", package: portalPackage),
                .product(name: "PortalDomain", package: portalPackage),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
    ]
)

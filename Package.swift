// swift-tools-version:6.1
import PackageDescription

// Layering (enforced by the dependency lists below):
//   ClearanceCore   pure model + engine, no I/O, no clock, no SQLite
//   NoticeReader    notice text -> draft policy; depends on ClearanceCore only
//   ClearanceStore  the only target that imports GRDB
//   ClearanceCLI    the commands as a library; nothing imports it but executables and tests
let package = Package(
    name: "Clearance",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "clearance", targets: ["clearance"]),
        .executable(name: "clearance-bench", targets: ["clearance-bench"]),
        .library(name: "ClearanceCore", targets: ["ClearanceCore"]),
        .library(name: "NoticeReader", targets: ["NoticeReader"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // CPrefetch: a cache-line hint, no I/O (the audit's agreement book asks for a party's lines ahead).
        .target(name: "ClearanceCore", dependencies: ["CPrefetch"]),
        // The system zlib (gzip-compressed usage logs); `.ci/run` installs zlib1g-dev.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .target(
            name: "NoticeReader",
            dependencies: ["ClearanceCore"],
            resources: [.copy("LanguagePacks")]
        ),
        // Fixed-arity C wrappers for variadic SQLite calls (sqlite3_db_config); used by ClearanceStore only.
        .target(name: "CSQLiteConfig", linkerSettings: [.linkedLibrary("sqlite3")]),
        // OpenSSL's libcrypto SHA-256 (the hash chains, policy revisions); used by ClearanceStore only.
        // `.ci/run` installs libssl-dev.
        .systemLibrary(
            name: "CCryptoSHA",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        .target(
            name: "ClearanceStore",
            dependencies: [
                "ClearanceCore", "CSQLiteConfig", "CCryptoSHA", .product(name: "GRDB", package: "GRDB.swift"),
                // The raw SQLite C API, for the import insert loops (binding without GRDB's generic arguments):
                // usage events (Ledger) and agreements (RawInsert.swift).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        // A cache-line prefetch hint (`__builtin_prefetch`, which Swift cannot spell): the batch (ClearanceCLI) and the
        // audit's agreement book (ClearanceCore).
        .target(name: "CPrefetch"),
        // `O_DIRECT` and `statx`'s direct-I/O alignment (Swift's Glibc module has neither); used by ClearanceCLI's
        // DirectOutput only (big outputs to a regular file without the page cache).
        .target(name: "CDirectIO"),
        .target(
            name: "ClearanceCLI",
            dependencies: [
                "ClearanceCore", "NoticeReader", "ClearanceStore", "CZlib", "CPrefetch", "CDirectIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "clearance", dependencies: ["ClearanceCLI"]),
        // Fuzz targets for every input reader (issue 6); `fuzz/run.sh` builds `clearance-fuzz`
        // with `-sanitize=fuzzer,address -DFUZZING`; a normal build is a corpus replayer.
        .target(name: "ClearanceFuzzing", dependencies: ["ClearanceCore", "NoticeReader"]),
        .executableTarget(name: "clearance-fuzz", dependencies: ["ClearanceFuzzing"]),
        .executableTarget(
            name: "clearance-bench",
            dependencies: ["ClearanceCore", "NoticeReader", "ClearanceStore", "ClearanceCLI"]
        ),
        .testTarget(
            name: "ClearanceCoreTests",
            dependencies: ["ClearanceCore"],
            resources: [.copy("Fixtures"), .copy("Data")]
        ),
        // Test data these two read by path from the source tree (not bundled resources).
        .testTarget(name: "NoticeReaderTests", dependencies: ["NoticeReader", "ClearanceCore"], exclude: ["Data"]),
        .testTarget(name: "ClearanceStoreTests", dependencies: ["ClearanceStore", "ClearanceCore"]),
        .testTarget(
            name: "ClearanceCLITests",
            dependencies: ["ClearanceCLI", "ClearanceCore", "ClearanceStore", "NoticeReader"],
            exclude: ["Fixtures"]
        ),
        // The benchmark's workload generator (its default scale, determinism from the seed).
        .testTarget(name: "ClearanceBenchTests", dependencies: ["clearance-bench", "ClearanceCore"]),
        .testTarget(
            name: "ClearanceHardeningTests",
            dependencies: ["ClearanceFuzzing", "ClearanceCore", "ClearanceStore"],
            resources: [.copy("BadInput")]
        ),
    ]
)

// swift-tools-version:6.0
// KDNAS: knowledge-distillation-guided neural architecture search for small transformers.
//
// Modules, with one dependency direction (an arrow points at what a module imports):
//
//   kdnas -> KDNASCommand -> Search -> Distill -> Training -> Models -> NN -> TensorCore, CKernels; TensorCore -> CBLAS (OpenBLAS), COneDNN (oneDNN, loaded at run time), CKernels
//                            Search -> Latency -> Models;  Search -> GRDB (SQLite)
//                            KDNASCommand -> SearchStorage -> Search, PostgresNIO (PostgreSQL)
//                            Training -> Tasks -> Text;  Models -> Text
//   kdnas-fuzz -> FuzzTargets -> Search, Latency, Models, NN, Tasks, Text (libFuzzer targets, scripts/fuzz.sh)
//
// docs/ARCHITECTURE.md has the full map.
import PackageDescription

let package = Package(
    name: "KDNAS",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kdnas", targets: ["kdnas"]),
        .library(name: "TensorCore", targets: ["TensorCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
    ],
    targets: [
        // OpenBLAS from Debian's libopenblas-dev, found through pkg-config.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "pkg-config"])]
        ),
        // Element-wise, row and dropout kernels in C, compiled for AVX2+FMA (some for AVX-512 too) and
        // baseline x86-64 and chosen at load time (target_clones): no flag ties the binary to this processor.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]),
        // oneDNN's sgemm, loaded at run time when Debian's libdnnl2 is installed.
        .target(name: "COneDNN"),
        .target(
            name: "TensorCore",
            dependencies: ["CBLAS", "CKernels", "COneDNN"]
        ),
        .target(name: "NN", dependencies: ["CKernels", "TensorCore"]),
        .target(name: "Models", dependencies: ["NN", "TensorCore", "Text"]),
        .target(name: "Training", dependencies: ["Models", "NN", "Tasks", "TensorCore", "Text"]),
        .target(name: "Distill", dependencies: ["Models", "NN", "Tasks", "TensorCore", "Text", "Training"]),
        .target(name: "Latency", dependencies: ["CKernels", "Models", "NN", "TensorCore", "Text"]),
        .target(
            name: "Search",
            dependencies: ["Distill", "Latency", "Models", "NN", "Tasks", "TensorCore", "Training", .product(name: "GRDB", package: "GRDB.swift")]),
        // The stores by URL: SQLite files and PostgreSQL studies (postgres-nio), for several workers on one search.
        .target(
            name: "SearchStorage",
            dependencies: ["Search", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "KDNASCommand",
            dependencies: [
                "Distill", "Latency", "Models", "NN", "Search", "SearchStorage", "Tasks", "TensorCore", "Text", "Training",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "kdnas", dependencies: ["KDNASCommand", "TensorCore"]),
        // libFuzzer targets for the parsers of users' files (scripts/fuzz.sh); replays files otherwise.
        .target(name: "FuzzTargets", dependencies: ["Latency", "Models", "NN", "Search", "Tasks", "Text"]),
        .systemLibrary(name: "CLibFuzzer"),
        .executableTarget(name: "kdnas-fuzz", dependencies: ["CLibFuzzer", "FuzzTargets"]),
        // Timings for bench/*.py, which runs the reference side by side. Not a test.
        .executableTarget(name: "kdnas-bench", dependencies: ["Distill", "Latency", "Models", "NN", "Tasks", "TensorCore", "Text"], path: "bench/KDNASBench"),
        .target(name: "TestSupport", dependencies: ["TensorCore"], path: "Tests/TestSupport"),
        .target(name: "Text"),
        .testTarget(name: "TextTests", dependencies: ["Text", "TestSupport"], resources: [.copy("Fixtures")]),
        .target(name: "Tasks", dependencies: ["TensorCore", "Text"]),
        .testTarget(name: "TasksTests", dependencies: ["Tasks", "Text", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore", "TestSupport"]),
        .testTarget(name: "KDNASCommandTests", dependencies: ["kdnas", "Latency", "Models", "NN", "Search", "SearchStorage", "TensorCore", "TestSupport", "Text"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Models", "NN", "Tasks", "TensorCore", "Text", "TestSupport"]),
        .testTarget(
            name: "DistillTests", dependencies: ["Distill", "Models", "NN", "Tasks", "TensorCore", "TestSupport", "Text"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "LatencyTests", dependencies: ["Latency", "Models", "TensorCore", "TestSupport", "Text"]),
        .testTarget(name: "SearchTests", dependencies: ["Search", "Latency", "Models", "Tasks", "TensorCore", "TestSupport", "Text"]),
        .testTarget(name: "SearchStorageTests", dependencies: ["Search", "SearchStorage", "TestSupport"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "TensorCore", "TestSupport"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"]),
        .testTarget(
            name: "ModelsTests", dependencies: ["Models", "NN", "TensorCore", "TestSupport", "Text"],
            resources: [.copy("Fixtures")]),
    ]
)

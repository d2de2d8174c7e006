// swift-tools-version:6.1
// Benchmarks live in their own package so that the main build and CI never
// compile the benchmark harness. Run: see Benchmarks/README.md.
import Foundation
import PackageDescription

// `.package(path: "..")` takes its identity from the parent folder's name,
// which differs between clones and worktrees: derive it here.
let parentPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "KetaMapBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The clocks, order statistics and options every benchmark here measures with.
        .target(name: "BenchmarkSupport", path: "BenchmarkSupport"),
        // Throughput and latency of the processing chain, with ratios to scipy measured in the same run.
        .executableTarget(
            name: "ProcessingThroughput",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "KetaMapCore", package: parentPackage),
                .product(name: "KetaMapDSP", package: parentPackage),
            ],
            path: "ProcessingThroughput",
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
        // Session-file write speed, as a ratio to a raw sequential write of the same bytes.
        .executableTarget(
            name: "WriterThroughput",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "KetaMapCore", package: parentPackage),
                .product(name: "KetaMapDSP", package: parentPackage),
                .product(name: "KetaMapConfiguration", package: parentPackage),
                .product(name: "KetaMapStorage", package: parentPackage),
            ],
            path: "WriterThroughput"),
        // The simulator's generation speed (the default montage), as a real-time factor and a ratio to a plain noise fill.
        .executableTarget(
            name: "SimulatorThroughput",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "KetaMapCore", package: parentPackage),
                .product(name: "KetaMapConfiguration", package: parentPackage),
                .product(name: "KetaMapAcquisition", package: parentPackage),
            ],
            path: "SimulatorThroughput"),
        // Heap allocations per block in steady state (target: 0) for the hot-path types.
        .executableTarget(
            name: "HotPathAllocations",
            dependencies: [
                .product(name: "KetaMapCore", package: parentPackage),
                .product(name: "KetaMapDSP", package: parentPackage),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "HotPathAllocations",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)

// swift-tools-version:6.1
import PackageDescription

let strictSwift: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "KetaMap",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ketamapd", targets: ["ketamapd"]),
        .executable(name: "ketamapctl", targets: ["ketamapctl"]),
        .library(name: "KetaMapCore", targets: ["KetaMapCore"]),
        .library(name: "KetaMapDSP", targets: ["KetaMapDSP"]),
        .library(name: "KetaMapConfiguration", targets: ["KetaMapConfiguration"]),
        .library(name: "KetaMapAcquisition", targets: ["KetaMapAcquisition"]),
        .library(name: "KetaMapStorage", targets: ["KetaMapStorage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // C libraries, each wrapped once by the module named in its comment.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),  // KetaMapStorage
        .systemLibrary(name: "CComedi", pkgConfig: "comedilib", providers: [.apt(["libcomedi-dev"])]),  // KetaMapAcquisition
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),  // KetaMapDaemon
        .systemLibrary(name: "CLibcrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),  // KetaMapStorage (SHA256Digest)

        // The layers, lowest first; the compiler refuses an import against the arrows
        // (docs/architecture.md, "Modules").
        .target(name: "KetaMapCore", swiftSettings: strictSwift),
        .target(
            name: "KetaMapDSP",
            dependencies: ["KetaMapCore"],
            // Release builds use AVX2 (Haswell and any later x86 CPU, 2013 on): the biquad
            // cascades run across channels in SIMD and gain about 20 % from it.
            swiftSettings: strictSwift + [.unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release))]),
        .target(
            name: "KetaMapConfiguration",
            dependencies: ["KetaMapCore", "KetaMapDSP", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strictSwift),
        .target(
            name: "KetaMapAcquisition",
            dependencies: [
                "KetaMapCore", "KetaMapConfiguration", "CComedi",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strictSwift),
        .target(
            name: "KetaMapStorage",
            dependencies: [
                "KetaMapCore", "KetaMapDSP", "KetaMapConfiguration", "CHDF5",
                .product(name: "SystemPackage", package: "swift-system"),
                "CLibcrypto",  // the session manifest's SHA-256
            ],
            swiftSettings: strictSwift),
        .target(
            name: "KetaMapControl",
            dependencies: [
                "KetaMapCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSwift),
        .target(
            name: "KetaMapReport", dependencies: ["KetaMapCore", "KetaMapDSP", "KetaMapConfiguration", "KetaMapStorage", "KetaMapControl"],
            swiftSettings: strictSwift),
        .target(
            name: "KetaMapDaemon",
            dependencies: [
                "KetaMapCore", "KetaMapDSP", "KetaMapConfiguration", "KetaMapAcquisition", "KetaMapStorage",
                "KetaMapControl", "CSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strictSwift),
        .executableTarget(
            name: "ketamapd",
            dependencies: [
                "KetaMapDaemon", "KetaMapConfiguration", "KetaMapStorage", "KetaMapControl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift),
        // No KetaMapDaemon: `ketamapctl check` runs the pipeline in a `ketamapd --check` child.
        .executableTarget(
            name: "ketamapctl",
            dependencies: [
                "KetaMapCore", "KetaMapControl", "KetaMapReport", "KetaMapConfiguration", "KetaMapAcquisition", "KetaMapStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift),
        // The control request parser's fuzz target; as built by `swift build`, it replays the corpus (Fuzz/README.md).
        .executableTarget(name: "ketamap-fuzz-control-request", dependencies: ["KetaMapControl"], path: "Fuzz/ControlRequest", swiftSettings: strictSwift),

        // What the test targets share: the subprocess runner, temporary folders, the Source conformance suite.
        .target(
            name: "KetaMapTestSupport", dependencies: ["KetaMapCore", "KetaMapAcquisition"], path: "Tests/KetaMapTestSupport",
            swiftSettings: strictSwift),

        .testTarget(name: "KetaMapCoreTests", dependencies: ["KetaMapTestSupport", "KetaMapCore"], swiftSettings: strictSwift),
        .testTarget(name: "KetaMapDSPTests", dependencies: ["KetaMapTestSupport", "KetaMapCore", "KetaMapDSP"], swiftSettings: strictSwift),
        .testTarget(name: "KetaMapConfigurationTests", dependencies: ["KetaMapTestSupport", "KetaMapCore", "KetaMapDSP", "KetaMapConfiguration"], swiftSettings: strictSwift),
        .testTarget(name: "KetaMapAcquisitionTests", dependencies: ["KetaMapTestSupport", "KetaMapCore", "KetaMapConfiguration", "KetaMapAcquisition"], swiftSettings: strictSwift),
        .testTarget(
            name: "KetaMapStorageTests", dependencies: ["KetaMapTestSupport", "KetaMapCore", "KetaMapDSP", "KetaMapConfiguration", "KetaMapStorage"],
            swiftSettings: strictSwift),
        .testTarget(
            name: "KetaMapControlTests",
            dependencies: ["KetaMapTestSupport", "KetaMapCore", "KetaMapControl", .product(name: "NIOEmbedded", package: "swift-nio")],
            swiftSettings: strictSwift),
        .testTarget(name: "KetaMapReportTests", dependencies: ["KetaMapTestSupport", "KetaMapCore", "KetaMapDSP", "KetaMapControl", "KetaMapReport"], swiftSettings: strictSwift),
        .testTarget(
            name: "KetaMapDaemonTests",
            dependencies: [
                "KetaMapTestSupport",
                "KetaMapCore", "KetaMapDSP", "KetaMapConfiguration", "KetaMapAcquisition", "KetaMapStorage",
                "KetaMapControl", "KetaMapReport", "KetaMapDaemon",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift),
    ]
)

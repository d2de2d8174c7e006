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

        .target(
            name: "KetaMapCore",
            // Release builds use AVX2 (Haswell and any later x86 CPU, 2013 on): the biquad
            // cascades run across channels in SIMD and gain about 20 % from it.
            swiftSettings: strictSwift + [.unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release))]),
        .target(
            name: "KetaMapAcquisition",
            dependencies: [
                "KetaMapCore", "CComedi",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strictSwift),
        .target(name: "KetaMapStorage", dependencies: ["KetaMapCore", "CHDF5"], swiftSettings: strictSwift),
        .target(
            name: "KetaMapDaemon",
            dependencies: [
                "KetaMapCore", "KetaMapAcquisition", "KetaMapStorage", "CSystemd",
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
                "KetaMapDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift),
        .executableTarget(
            name: "ketamapctl",
            dependencies: [
                "KetaMapDaemon", "KetaMapAcquisition",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift),

        .testTarget(name: "KetaMapCoreTests", dependencies: ["KetaMapCore"], swiftSettings: strictSwift),
        .testTarget(name: "KetaMapAcquisitionTests", dependencies: ["KetaMapAcquisition"], swiftSettings: strictSwift),
        .testTarget(name: "KetaMapStorageTests", dependencies: ["KetaMapStorage"], swiftSettings: strictSwift),
        .testTarget(
            name: "KetaMapDaemonTests",
            dependencies: [
                "KetaMapDaemon", .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift),
    ]
)

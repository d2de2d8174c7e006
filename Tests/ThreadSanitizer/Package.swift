// swift-tools-version:6.1
// The ring stress tests under ThreadSanitizer (scripts/test.sh): a package of
// their own, so that `swift test --sanitize=thread` here builds KetaMapCore and
// these tests only, not the whole of KetaMap and every test target.
// Ring/ is a link to Tests/KetaMapCoreTests/Ring: the same files, which the
// root package's `swift test` also runs.
import PackageDescription

let package = Package(
    name: "KetaMapThreadSanitizer",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "KetaMap", path: "../..")],
    targets: [
        .testTarget(
            name: "RingStressTests",
            dependencies: [.product(name: "KetaMapCore", package: "KetaMap")],
            path: "Ring",
            swiftSettings: [.swiftLanguageMode(.v6)]),
    ]
)

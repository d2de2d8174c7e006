import Foundation

/// A fresh folder under the system's temporary directory, removed with
/// everything in it when the last reference goes. Every test that writes a
/// file, a socket or a lock writes it in one of these, so tests running at the
/// same moment (here or in another checkout) never share a path.
public final class TemporaryFolder: Sendable {
    /// The folder's absolute path.
    public let path: String

    /// Creates `<tmp>/ketamap-<label>-<UUID>`.
    public init(_ label: String = "test") throws {
        path = NSTemporaryDirectory() + "ketamap-\(label)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The folder as a file URL.
    public var url: URL { URL(fileURLWithPath: path, isDirectory: true) }

    /// The path of `name` inside the folder.
    public func path(_ name: String) -> String { "\(path)/\(name)" }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

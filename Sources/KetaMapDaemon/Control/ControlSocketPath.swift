import Foundation

/// A control socket path that cannot be bound, refused before anything is
/// created: binding finds it only once the session file exists, and would end
/// the new session on a fault (exit 71) for a mistyped path.
public struct ControlSocketPathRefusal: Error, Sendable, CustomStringConvertible {
    public let description: String

    /// A Unix socket's address holds 108 bytes, its terminating NUL among them.
    static let longestPathBytes = 107

    /// Throws unless `path` fits a socket address and nothing but a socket (a stale one, which binding replaces) is there.
    public static func check(_ path: String) throws(ControlSocketPathRefusal) {
        let bytes = path.utf8.count
        guard bytes <= longestPathBytes else {
            throw ControlSocketPathRefusal(description: "control socket \(path) is \(bytes) bytes long; a Unix socket's path holds at most \(longestPathBytes): give a shorter one")
        }
        guard let type = try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType, type != .typeSocket else { return }
        let what = type == .typeDirectory ? "a folder" : type == .typeRegular ? "a file" : "something other than a socket"
        throw ControlSocketPathRefusal(description: "control socket \(path) is \(what) already: remove it, or give another --control-socket")
    }
}

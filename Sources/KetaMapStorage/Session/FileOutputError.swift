import Foundation
import SystemPackage

/// A file or folder that could not be written, with the reason, not Foundation's
/// `NSCocoaErrorDomain error 512`: what a report, an export or a start that cannot
/// create its folder says.
public struct FileOutputError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot write \(path): \(reason)" }

    /// Runs `body`, which writes the file or folder `path`; a failure becomes a `FileOutputError`.
    public static func writing<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw FileOutputError(path: path, reason: reason(path, error))
        }
    }

    /// Foundation on Linux often gives no cause: it is read from the path where it can be.
    private static func reason(_ path: String, _ error: any Error) -> String {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue { return "it is a folder" }
        let parent = (path as NSString).deletingLastPathComponent
        var ancestor = parent
        while !ancestor.isEmpty && ancestor != "/" {
            if FileManager.default.fileExists(atPath: ancestor, isDirectory: &isFolder) {
                if !isFolder.boolValue { return "\(ancestor) is a file, not a folder" }
                if ancestor != parent && !FileManager.default.fileExists(atPath: parent) { return "the folder \(parent) does not exist" }
                break
            }
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
        return posixReason(error) ?? (error as NSError).localizedDescription
    }

    private static func posixReason(_ error: any Error) -> String? {
        guard let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain else { return nil }
        return Errno(rawValue: Int32(underlying.code)).description
    }
}

import Foundation
import KetaMapTestSupport
import Testing

@testable import KetaMapDaemon

/// A real, size-limited file system made for one test and mounted on a fresh
/// folder: a tmpfs, or an ext4 image on a loop device (which `fsfreeze` can
/// stall). Needs root, as CI has; unmounted and removed by `remove()`.
final class ScratchFilesystem {
    /// The mount point.
    let path: String
    /// Holds the mount point and the image, and removes them with itself.
    private let folder: TemporaryFolder
    private let image: String?
    private var mounted = false

    /// A fresh folder with an empty mount point (and the image's path when `imaged`).
    private init(imaged: Bool) throws {
        guard geteuid() == 0 else { throw Refused(reason: "mounting a scratch file system needs root (CI runs as root)") }
        folder = try TemporaryFolder("fs")
        path = folder.path("mnt")
        image = imaged ? folder.path("disk.img") : nil
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Runs a system tool; a failure is a test failure with the tool's words.
    @discardableResult
    static func tool(_ arguments: [String]) async throws -> ProcessRunner.Result {
        let result = try await ProcessRunner.run("/usr/bin/env", arguments, timeout: 60)
        if result.status != 0 { Issue.record("\(arguments.joined(separator: " ")) failed (\(result.status)): \(result.error)") }
        return result
    }

    struct Refused: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    /// A tmpfs of `megabytes` MiB.
    static func tmpfs(megabytes: Int) async throws -> ScratchFilesystem {
        let filesystem = try ScratchFilesystem(imaged: false)
        try await tool(["mount", "-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0755", "tmpfs", filesystem.path])
        filesystem.mounted = true
        return filesystem
    }

    /// An ext4 file system of `megabytes` MiB in an image file, loop-mounted.
    static func loopExt4(megabytes: Int) async throws -> ScratchFilesystem {
        let filesystem = try ScratchFilesystem(imaged: true)
        let image = filesystem.image!
        try await tool(["truncate", "-s", "\(megabytes)M", image])
        try await tool(["mkfs.ext4", "-q", "-F", image])
        try await tool(["mount", "-o", "loop", image, filesystem.path])
        filesystem.mounted = true
        return filesystem
    }

    /// Fills every free block with a ballast file at once, as another program
    /// allocating a large file does: one `fallocate` of all free space, then small
    /// writes for what a writer freed meanwhile; all done before the session reacts.
    func fill() async throws {
        let ballast = "\(path)/ballast"
        var free = DiskBudget.freeBytes(in: path).map { Int($0) } ?? 0
        while free > 0 {
            let result = try await ProcessRunner.run("/usr/bin/env", ["fallocate", "-l", "\(free)", ballast], timeout: 60)
            if result.status == 0 { break }
            free -= 256 << 10
        }
        _ = try await ProcessRunner.run("/usr/bin/env", ["dd", "if=/dev/zero", "of=\(ballast)", "bs=4k", "oflag=append", "conv=notrunc"], timeout: 120)
    }

    /// Stalls every write to the file system (`fsfreeze --freeze`) until `thaw()`.
    func freeze() async throws { try await Self.tool(["fsfreeze", "--freeze", path]) }
    func thaw() { ProcessRunner.runBlocking("/usr/bin/env", ["fsfreeze", "--unfreeze", path]) }

    /// Thaws (harmless if not frozen), unmounts and removes the image; the
    /// folder goes with the last reference.
    func remove() {
        guard mounted else { return }
        mounted = false
        if image != nil { ProcessRunner.runBlocking("/usr/bin/env", ["fsfreeze", "--unfreeze", path]) }
        ProcessRunner.runBlocking("/usr/bin/env", ["umount", "-l", path], timeout: 60)
        if let image { try? FileManager.default.removeItem(atPath: image) }
    }

    deinit { remove() }
}

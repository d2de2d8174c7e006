import Foundation
import Synchronization
import SystemPackage

/// Space held back on the session's disk for the end of the session: a hidden
/// file of allocated blocks, `.<stem>.reserve`, beside the session file. When
/// the session faults (the disk filled up, say), the reserve is deleted first,
/// so the file can still be closed with the fault in it and the event log can
/// still write `session-ended`. A clean end deletes it too; `ketamapctl
/// recover` deletes one a crash left.
public final class DiskReserve: Sendable {
    /// Enough for HDF5's metadata and cached chunks at close, the fault note and the last log lines.
    public static let defaultBytes = 8 << 20

    public let path: String
    private let held = Atomic<Bool>(false)

    /// The reserve's path for a session's files.
    public static func path(for files: SessionFiles) -> String { "\(files.directory)/.\(files.stem).reserve" }

    /// Allocates the reserve; a disk that cannot even hold it is a storage error before the session starts.
    public init(files: SessionFiles, bytes: Int = DiskReserve.defaultBytes) throws {
        path = Self.path(for: files)
        let descriptor = try FileDescriptor.open(
            FilePath(path), .writeOnly, options: [.create, .truncate], permissions: [.ownerReadWrite])
        do {
            try descriptor.closeAfter { try descriptor.allocate(bytes: bytes) }
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        held.store(true, ordering: .releasing)
    }

    /// Deletes the reserves that earlier parts of the session left when they
    /// were killed (a watchdog restart, a crash): the session lock is held, so
    /// no other process owns them. Returns the paths deleted.
    public static func removeLeftovers(before files: SessionFiles) -> [String] {
        files.earlierStems.map { "\(files.directory)/.\($0).reserve" }.filter { (try? POSIXCalls.unlink($0)) != nil }
    }

    /// Gives the space back (any thread, any number of times; only the first deletes).
    public func release() {
        guard held.exchange(false, ordering: .acquiringAndReleasing) else { return }
        try? POSIXCalls.unlink(path)
    }

    deinit { release() }
}

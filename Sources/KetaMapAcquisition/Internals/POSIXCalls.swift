#if canImport(Glibc)
import Glibc
#endif

import SystemPackage

/// The only file of KetaMapAcquisition that calls the C library directly
/// (comedilib aside, which `ComediCalls.swift` calls; file reads go through
/// swift-system's `FileDescriptor` and `FilePath.stat`). Each function names
/// the C call it makes.
enum POSIXCalls {
    /// The names in `directory` (without `.` and `..`), in the order the file
    /// system gives them; empty when the folder cannot be listed.
    /// The C functions are `opendir`, `readdir` and `closedir`.
    static func directoryNames(in directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Whether this process may read the file at `path`. The C function is `access` with `R_OK`.
    static func isReadable(_ path: UnsafePointer<CChar>) -> Bool {
        access(path, R_OK) == 0
    }

    /// What `poll` saw on one descriptor.
    enum PollResult: Equatable {
        /// Data, an error or a hang-up is there: the next read tells which.
        case ready
        /// The descriptor is not open (`POLLNVAL`).
        case invalidDescriptor
        /// Nothing came within the timeout.
        case timedOut
    }

    /// Waits up to `timeoutMilliseconds` for `descriptor` to become readable (`POLLIN`).
    /// The C function is `poll`; an interrupted wait is resumed with the whole timeout.
    static func pollReadable(_ descriptor: Int32, timeoutMilliseconds: Int) throws(Errno) -> PollResult {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let rc = poll(&entry, 1, Int32(clamping: timeoutMilliseconds))
            if rc > 0 { return entry.revents & Int16(POLLNVAL) != 0 ? .invalidDescriptor : .ready }
            if rc == 0 { return .timedOut }
            let error = Errno(rawValue: errno)
            guard error == .interrupted else { throw error }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

import SystemPackage

/// The only file of KetaMapStorage that calls the C library directly (libhdf5
/// aside, which `HDF5Calls.swift` calls): naming, protecting, syncing and
/// locking the session's files. Each function names the C call it makes and
/// throws the `Errno`.
enum POSIXCalls {
    /// Sets the permission bits of the file at `path`. The C function is `chmod`.
    static func setPermissions(_ path: String, _ mode: mode_t) throws(Errno) {
        guard chmod(path, mode) == 0 else { throw Errno(rawValue: errno) }
    }

    /// Gives the file at `existing` a second name, `new`; fails with
    /// `Errno.fileExists` when `new` exists, so it never replaces a file.
    /// The C function is `link`.
    static func link(_ existing: String, _ new: String) throws(Errno) {
        guard Glibc.link(existing, new) == 0 else { throw Errno(rawValue: errno) }
    }

    /// Renames `old` to `new`, replacing `new` if it exists. The C function is `rename`.
    static func rename(_ old: String, _ new: String) throws(Errno) {
        guard Glibc.rename(old, new) == 0 else { throw Errno(rawValue: errno) }
    }

    /// Removes the name `path`. The C function is `unlink`.
    static func unlink(_ path: String) throws(Errno) {
        guard Glibc.unlink(path) == 0 else { throw Errno(rawValue: errno) }
    }

    /// Sets `FD_CLOEXEC` on `descriptor`, so no child process inherits it.
    /// The C function is `fcntl` (`F_GETFD`, `F_SETFD`).
    static func setCloseOnExec(_ descriptor: Int32) {
        let flags = fcntl(descriptor, F_GETFD)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
    }

    /// Whether `path` names a folder, a pipe, a device or a socket: anything there but
    /// a regular file (nothing there is false). The C function is `stat`.
    static func isNotARegularFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return info.st_mode & S_IFMT != S_IFREG
    }

    /// This process's id. The C function is `getpid`.
    static func processID() -> Int32 { getpid() }
}

extension FileDescriptor {
    /// Writes the file's data and metadata through to the storage device, so
    /// that what was written survives a crash or power loss.
    ///
    /// - Parameter retryOnInterrupt: Whether to retry when the call is
    ///   interrupted by a signal. The default is `true`.
    ///
    /// The corresponding C function is `fsync`.
    func sync(retryOnInterrupt: Bool = true) throws(Errno) {
        while fsync(rawValue) != 0 {
            let error = Errno(rawValue: errno)
            guard retryOnInterrupt, error == .interrupted else { throw error }
        }
    }

    /// Allocates the file's first `bytes` on the storage device, so that later
    /// writes within them cannot fail for want of space.
    ///
    /// The corresponding C function is `posix_fallocate`.
    func allocate(bytes: Int) throws(Errno) {
        let result = posix_fallocate(rawValue, 0, off_t(bytes))
        guard result == 0 else { throw Errno(rawValue: result) }
    }

    /// Takes an exclusive advisory lock on the open file, or throws
    /// `Errno.wouldBlock` at once when another descriptor holds one.
    ///
    /// The corresponding C function is `flock` with `LOCK_EX | LOCK_NB`.
    func lockExclusivelyWithoutWaiting() throws(Errno) {
        guard flock(rawValue, LOCK_EX | LOCK_NB) == 0 else { throw Errno(rawValue: errno) }
    }
}

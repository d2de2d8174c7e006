#if canImport(Glibc)
import Glibc
#endif

import SystemPackage

/// The only file of KetaMapStorage that calls the C library directly (libhdf5
/// aside, which `HDF5Calls.swift` calls): naming and protecting the session
/// file. Each function names the C call it makes and throws the `Errno`.
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
}

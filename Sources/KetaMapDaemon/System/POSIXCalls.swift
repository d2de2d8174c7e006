import Glibc
import SystemPackage

/// The only file of KetaMapDaemon that calls the C library directly (libsystemd
/// aside, which `SystemdCalls.swift` calls; descriptors are swift-system's
/// `FileDescriptor`). Each function names the C call it makes and turns a
/// failure into an `Errno`.
enum POSIXCalls {
    // MARK: - Files

    /// Blocks and fragment size of the file system holding `directory`, as an
    /// unprivileged writer sees them. The C function is `statvfs`.
    static func fileSystemSpace(_ directory: String) throws(Errno) -> (blocks: UInt64, availableBlocks: UInt64, fragmentBytes: UInt64) {
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else { throw Errno(rawValue: errno) }
        return (UInt64(info.f_blocks), UInt64(info.f_bavail), UInt64(info.f_frsize))
    }

    /// Sets the permission bits of the file at `path`. The C function is `chmod`.
    static func setPermissions(_ path: String, _ mode: mode_t) throws(Errno) {
        guard chmod(path, mode) == 0 else { throw Errno(rawValue: errno) }
    }

    /// Gives the file at `path` to group `group`, keeping its owner. The C function is `chown`.
    static func setGroup(_ path: String, _ group: gid_t) throws(Errno) {
        guard chown(path, uid_t.max, group) == 0 else { throw Errno(rawValue: errno) }
    }

    // MARK: - Users, groups, process

    /// The id of the group named `name`, nil if there is none. The C function is `getgrnam_r`.
    static func groupID(named name: String) -> gid_t? {
        var group = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        guard getgrnam_r(name, &group, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return group.gr_gid
    }

    /// The user this process runs as. The C function is `geteuid`.
    static func effectiveUserID() -> UInt32 { UInt32(geteuid()) }

    /// The value of the environment variable `name`, nil when unset. The C function is `getenv`.
    static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

    // MARK: - Signals

    /// A pipe whose ends no child process inherits (`FD_CLOEXEC`).
    /// The C functions are `pipe` and `fcntl`.
    static func closeOnExecPipe() throws(Errno) -> (readEnd: Int32, writeEnd: Int32) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw Errno(rawValue: errno) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    /// Installs `handler` for `signal`, process-wide, with `SA_RESTART` so that
    /// other threads' system calls carry on. The C function is `sigaction`.
    static func installHandler(_ signal: Int32, _ handler: @convention(c) (Int32) -> Void) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(signal, &action, nil)
    }

    /// Writes one byte to `descriptor`, ignoring failure: safe in a signal handler
    /// (no allocation, no lock). The C function is `write`.
    static func writeByteFromSignalHandler(_ descriptor: Int32, _ byte: UInt8) {
        var byte = byte
        _ = write(descriptor, &byte, 1)
    }

    /// Reads one byte from `descriptor`, resuming an interrupted read; nil at
    /// the end of the stream. The C function is `read`.
    static func readByte(_ descriptor: Int32) throws(Errno) -> UInt8? {
        var byte: UInt8 = 0
        while true {
            let count = read(descriptor, &byte, 1)
            if count == 1 { return byte }
            if count == 0 { return nil }
            let error = Errno(rawValue: errno)
            guard error == .interrupted else { throw error }
        }
    }

    // MARK: - Real time

    /// Puts the calling thread under `SCHED_FIFO` at `priority`.
    /// The C function is `pthread_setschedparam`.
    static func scheduleCurrentThreadFIFO(priority: Int32) throws(Errno) {
        var parameters = sched_param(sched_priority: priority)
        let result = pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters)
        if result != 0 { throw Errno(rawValue: result) }
    }

    /// `RLIMIT_MEMLOCK` in bytes, nil when unlimited (`RLIM_INFINITY`) or unreadable.
    /// The C function is `getrlimit`.
    static func memoryLockLimitBytes() -> UInt64? {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return UInt64(limit.rlim_cur)
    }

    /// Locks every current and future page of the process in RAM.
    /// The C function is `mlockall` with `MCL_CURRENT | MCL_FUTURE`.
    static func lockAllMemory() throws(Errno) {
        guard mlockall(MCL_CURRENT | MCL_FUTURE) == 0 else { throw Errno(rawValue: errno) }
    }
}

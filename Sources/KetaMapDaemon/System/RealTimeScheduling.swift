import SystemPackage

/// Real-time priority and locked memory: asked for, never required. Under the
/// unit both are allowed without a capability (`LimitRTPRIO=`,
/// `LimitMEMLOCK=infinity`); when refused the session records all the same.
enum RealTimeScheduling {
    /// SCHED_FIFO priority of the acquisition thread: above every normal
    /// thread, below the kernel's interrupt threads (50).
    static let acquisitionPriority: Int32 = 20

    /// Puts the calling thread under `SCHED_FIFO` at `priority`.
    ///
    /// The corresponding C function is `pthread_setschedparam`.
    static func raiseCurrentThread(priority: Int32) throws(Errno) {
        try POSIXCalls.scheduleCurrentThreadFIFO(priority: priority)
    }

    /// Why memory was not locked, or nil when it was.
    enum MemoryLock: Equatable {
        case locked
        /// `RLIMIT_MEMLOCK` is finite: locking future allocations could then make
        /// a later allocation fail, so nothing is locked (the unit sets it to infinity).
        case limited(bytes: UInt64)
        case refused(Errno)
    }

    /// Locks every current and future page in RAM, so no page fault on the
    /// hot path waits for the disk; only when `RLIMIT_MEMLOCK` is unlimited.
    ///
    /// The corresponding C functions are `getrlimit` and `mlockall`.
    static func lockMemory() -> MemoryLock {
        if let limit = POSIXCalls.memoryLockLimitBytes() { return .limited(bytes: limit) }
        do { try POSIXCalls.lockAllMemory() } catch { return .refused(error) }
        return .locked
    }
}

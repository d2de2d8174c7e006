#if canImport(Glibc)
import Glibc
#endif

/// The only file of KetaMapCore that calls the C library: the clock, sleeps and
/// the calling thread's id. Each function names the C call it makes.
enum POSIXCalls {
    /// `CLOCK_MONOTONIC` now, in nanoseconds. The C function is `clock_gettime`,
    /// which cannot fail for this clock.
    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Sleeps until `CLOCK_MONOTONIC` reaches `nanoseconds` (returns at once if it
    /// has). The C function is `clock_nanosleep` with `TIMER_ABSTIME`; an
    /// interrupted sleep is resumed, so a signal never shortens it.
    static func sleep(untilMonotonicNanoseconds nanoseconds: UInt64) {
        var deadline = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil) == EINTR {}
    }

    /// Sleeps the calling thread for about `microseconds`. The C function is
    /// `usleep`; a signal may end the sleep early, which callers that poll accept.
    static func sleep(microseconds: UInt32) {
        usleep(microseconds)
    }

    /// The calling thread's id. The C function is `pthread_self`.
    static func currentThread() -> UInt {
        UInt(pthread_self())
    }
}

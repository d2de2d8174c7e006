/// `CLOCK_MONOTONIC`: never jumps with the wall clock. What pacing, overrun
/// gap estimates, the flush cadence and the clock table use.
public enum MonotonicClock {
    /// Now, in nanoseconds. The C function is `clock_gettime`.
    public static func nanoseconds() -> UInt64 { POSIXCalls.monotonicNanoseconds() }

    /// Now, in seconds.
    public static func seconds() -> Double { Double(nanoseconds()) / 1e9 }

    /// Sleeps the calling thread until the clock reads `nanoseconds` (at once if
    /// it has); a signal never shortens the sleep. The C function is
    /// `clock_nanosleep` with `TIMER_ABSTIME`.
    public static func sleep(untilNanoseconds nanoseconds: UInt64) {
        POSIXCalls.sleep(untilMonotonicNanoseconds: nanoseconds)
    }

    /// Sleeps the calling thread for about `microseconds`: how the hot-path
    /// threads wait when there is nothing to do (they never block on a lock).
    /// The C function is `usleep`.
    public static func sleep(microseconds: UInt32) {
        POSIXCalls.sleep(microseconds: microseconds)
    }
}

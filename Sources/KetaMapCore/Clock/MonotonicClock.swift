import Glibc

/// `CLOCK_MONOTONIC`: never jumps with the wall clock. What pacing, overrun
/// gap estimates, the flush cadence and the clock table use.
public enum MonotonicClock {
    /// Now, in nanoseconds. The C function is `clock_gettime`.
    public static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Now, in seconds.
    public static func seconds() -> Double { Double(nanoseconds()) / 1e9 }
}

import Glibc

/// Seconds on `CLOCK_MONOTONIC`: never jumps with the wall clock; what
/// pacing, flush cadence and the clock table use.
public enum MonotonicClock {
    public static func seconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }
}

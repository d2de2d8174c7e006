// What every benchmark here measures with: the two clocks, the order statistics
// it reports, and its integer options.
#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock seconds (latency, and the disk's speed).
public func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// CPU seconds of this thread (throughput per core: the machine is shared, so
/// wall time would charge other people's work to the benchmark).
public func cpuNow() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

public func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }

public func percentile(_ x: [Double], _ q: Double) -> Double {
    let s = x.sorted()
    return s[min(s.count - 1, Int(Double(s.count) * q))]
}

/// The integer after `name` on the command line, or `fallback`.
public func option(_ name: String, _ fallback: Int) -> Int {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) { return v }
    return fallback
}

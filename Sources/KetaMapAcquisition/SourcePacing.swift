import KetaMapCore

/// How a file-less or file-backed source (simulator, replay) hands out blocks.
public enum SourcePacing: String, Sendable, Equatable, CaseIterable {
    /// Each block is returned when the monotonic clock reaches its last
    /// sample's time, as a DAQ card would deliver it (`--realtime`, the default).
    case realTime = "realtime"
    /// Blocks are returned as fast as they are made (`--as-fast-as-possible`, tests).
    case asFastAsPossible = "as-fast-as-possible"
}

/// Sleeps the calling thread until sample times on the monotonic clock
/// (`CLOCK_MONOTONIC`), so that a source delivers `rate` frames per second.
public struct RealTimePacer: Sendable {
    private var startNanoseconds: UInt64 = 0
    private let rateHz: Double

    public init(rateHz: Double) {
        self.rateHz = rateHz
    }

    /// Sample 0 is now.
    public mutating func start() {
        startNanoseconds = MonotonicClock.nanoseconds()
    }

    /// Sleeps until `sampleCount` samples have been due since `start()` (returns
    /// at once if that time has passed). The C function is `clock_nanosleep`
    /// with `TIMER_ABSTIME`; an interrupted sleep is resumed.
    public func wait(untilSample sampleCount: UInt64) {
        let due = startNanoseconds + UInt64((Double(sampleCount) / rateHz * 1e9).rounded())
        MonotonicClock.sleep(untilNanoseconds: due)
    }
}

import KetaMapCore
import Synchronization

/// The session clock every stream's samples are placed on: CLOCK_MONOTONIC
/// seconds since the first stream's source started. Each stream's clock
/// table maps its sample index to it (`NWBStreamWriter.addClockSample`).
///
/// Any acquisition thread starts it (the first one wins); the recorder reads it.
final class SessionClock: Sendable {
    /// Bit pattern of the origin in monotonic seconds; 0 until started.
    private let origin = Atomic<UInt64>(0)

    init() {}

    /// Acquisition thread, just before its source starts: the first call sets the origin.
    func start(atMonotonic seconds: Double = MonotonicClock.seconds()) {
        // Pairs with the `.acquiring` load in `seconds(atMonotonic:)`.
        _ = origin.compareExchange(expected: 0, desired: max(seconds, .leastNormalMagnitude).bitPattern, ordering: .releasing)
    }

    /// Session-clock time of a monotonic time, or nil before any stream started.
    func seconds(atMonotonic seconds: Double) -> Double? {
        let bits = origin.load(ordering: .acquiring)
        guard bits != 0 else { return nil }
        return seconds - Double(bitPattern: bits)
    }
}

/// A range of the sample clock with no real samples: stored as zeros and listed
/// in `/intervals/acquisition_gaps`.
public struct AcquisitionGap: Sendable, Equatable, Codable {
    /// Why samples are missing.
    public enum Cause: String, Sendable, Codable, CaseIterable {
        /// The DAQ's kernel buffer overflowed (Comedi `read` failed with `EPIPE`).
        case deviceOverrun = "device-overrun"
        /// A consumer fell a whole ring behind the acquisition thread.
        case ringOverrun = "ring-overrun"
        /// The acquisition command was restarted.
        case commandRestart = "command-restart"
        /// The replayed recording had a gap.
        case replayGap = "replay-gap"
        /// A stream of a session of several stopped on a fault (`on_fault = "continue"`)
        /// while the others recorded on: its series ends there (no zeros are stored),
        /// and the count is estimated from the session clock.
        case streamStopped = "stream-stopped"
    }

    /// First missing sample index.
    public var firstSample: UInt64
    /// Number of missing frames.
    public var sampleCount: UInt64
    public var cause: Cause
    /// `false` when `sampleCount` was estimated from the monotonic clock.
    public var isExact: Bool

    public init(firstSample: UInt64, sampleCount: UInt64, cause: Cause, isExact: Bool) {
        self.firstSample = firstSample
        self.sampleCount = sampleCount
        self.cause = cause
        self.isExact = isExact
    }

    /// One past the last missing sample.
    public var endSample: UInt64 { firstSample + sampleCount }
}

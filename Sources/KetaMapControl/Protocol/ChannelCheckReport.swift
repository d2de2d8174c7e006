/// What `ketamapctl check` prints (and `--json` encodes): the channels after
/// a few seconds of the source without recording, and what was lost.
public struct ChannelCheckReport: Sendable, Codable {
    public var channels: [ChannelStatus]
    /// Names of the bands in each channel's `bandPowerDecibels`.
    public var bands: [String]
    public var seconds: Double
    /// Frames the source lost during the check (device overruns).
    public var lostFrames: UInt64
    /// Each stream of a session of several (nil for one source): its rate, channels and losses.
    public var streams: [StreamStatus]?

    public init(channels: [ChannelStatus], bands: [String], seconds: Double, lostFrames: UInt64, streams: [StreamStatus]? = nil) {
        self.channels = channels
        self.bands = bands
        self.seconds = seconds
        self.lostFrames = lostFrames
        self.streams = streams
    }

    public var verdict: StatusVerdict { ChannelHealth.verdict(lostFrames: lostFrames, channels: channels) }
}

/// What `ketamapd --check` prints on standard output, one JSON document, and
/// `ketamapctl check` reads back: the pipeline runs in the daemon's binary, so
/// `ketamapctl` links no pipeline.
public enum ChannelCheckOutcome: Sendable, Codable {
    /// The check ran; its verdict is the report's.
    case measured(report: ChannelCheckReport)
    /// The configuration was refused, by the loader or at session start (exit 78).
    case configurationRefused(error: String)
    /// The source could not be opened or read (exit 3, `StatusVerdict.notReachable`).
    case sourceUnreadable(error: String)
}

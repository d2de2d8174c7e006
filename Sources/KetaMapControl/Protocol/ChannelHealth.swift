/// A reason to look at a contact.
public enum ChannelFlag: String, Sendable, Equatable, Codable, CaseIterable {
    /// The signal spans at most one converter count: a broken lead or a wrong hardware channel.
    case flat = "FLAT"
    /// The signal reaches the converter's limits: a wrong input range.
    case saturated = "SATURATED"
    /// Much line noise, or an RMS far above the shaft's other contacts: a
    /// reference, grounding or contact problem.
    case noisy = "NOISY"
}

/// Flags the contacts a technician should look at, the same way for
/// `ketamapctl status` and `check`.
public enum ChannelHealth {
    /// NOISY from this share of the power at the mains frequency and harmonics (0–1).
    public static let noisyLineShare = 0.3
    /// NOISY from this many times the median RMS of the shaft's other contacts.
    public static let noisyRMSRatio = 4.0
    /// The RMS comparison needs at least this many other live contacts on the shaft.
    public static let minimumPeers = 2

    /// Sets every channel's `flags` from its figures and its shaft's.
    public static func flag(_ channels: inout [ChannelStatus]) {
        var liveRMSByShaft: [String: [Double]] = [:]
        for channel in channels where !channel.isFlat && channel.rmsMicrovolts > 0 {
            liveRMSByShaft[channel.shaft, default: []].append(channel.rmsMicrovolts)
        }
        for index in channels.indices {
            let channel = channels[index]
            var flags: [ChannelFlag] = []
            if channel.isFlat { flags.append(.flat) }
            if channel.isSaturated { flags.append(.saturated) }
            if !channel.isFlat, isNoisy(channel, shaftRMS: liveRMSByShaft[channel.shaft] ?? []) { flags.append(.noisy) }
            channels[index].flags = flags
        }
    }

    /// Line-noise share at or above `noisyLineShare`, or RMS at least
    /// `noisyRMSRatio` × the median of the shaft's other live contacts.
    static func isNoisy(_ channel: ChannelStatus, shaftRMS: [Double]) -> Bool {
        if channel.lineNoiseShare >= noisyLineShare { return true }
        var others = shaftRMS
        if let own = others.firstIndex(of: channel.rmsMicrovolts) { others.remove(at: own) }
        guard others.count >= minimumPeers, let median = median(others) else { return false }
        return median > 0 && channel.rmsMicrovolts >= noisyRMSRatio * median
    }

    /// The middle value (the mean of the two middle ones for an even count); nil for none.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The verdict a script reads from `ketamapctl status` and `check`.
    public static func verdict(lostFrames: UInt64, channels: [ChannelStatus]) -> StatusVerdict {
        if lostFrames > 0 { return .samplesLost }
        if channels.contains(where: { !$0.flags.isEmpty }) { return .channelFlagged }
        return .allGood
    }
}

/// `ketamapctl status` and `check` exit with these codes (the monitoring
/// plugins' convention: 0 OK, 1 warning, 2 critical, 3 unknown).
public enum StatusVerdict: Int32, Sendable, Codable, CaseIterable {
    /// Every channel unflagged and nothing lost.
    case allGood = 0
    /// At least one channel FLAT, SATURATED or NOISY; nothing lost.
    case channelFlagged = 1
    /// Samples were lost (gaps in the file), whatever the channels show.
    case samplesLost = 2
    /// No answer: no such session, socket refused or timed out, or (check) the source could not be read.
    case notReachable = 3
}

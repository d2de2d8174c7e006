/// What a source delivers: how many channels, at what rate, and how raw
/// integers become volts. Fixed before the source starts.
///
/// Samples travel as interleaved signed `Int16` frames `[frame][channel]`,
/// re-centred from the card's offset binary (raw − 32768).
public struct SampleFormat: Sendable, Equatable, Codable {
    /// Number of channels in every frame.
    public var channelCount: Int
    /// Frames per second the source really delivers, in Hz.
    public var sampleRateHz: Double
    /// How stored integers become volts.
    public var calibration: Calibration

    public init(channelCount: Int, sampleRateHz: Double, calibration: Calibration) {
        precondition(channelCount > 0, "a source has at least one channel")
        precondition(calibration.channelGains.count == channelCount, "one gain per channel")
        self.channelCount = channelCount
        self.sampleRateHz = sampleRateHz
        self.calibration = calibration
    }

    /// The number of frames of the sample clock in `seconds`, rounded to the nearest frame.
    public func frames(inSeconds seconds: Double) -> UInt64 {
        UInt64((seconds * sampleRateHz).rounded())
    }

    /// The time of sample `index` since session start, in seconds.
    public func seconds(atSample index: UInt64) -> Double {
        Double(index) / sampleRateHz
    }
}

/// Raw integer → volts, as NWB writes it:
/// `volts = data × voltsPerCount × channelGains[ch] + offsetVolts`.
public struct Calibration: Sendable, Equatable, Codable {
    /// Volts per count shared by every channel (NWB `conversion`).
    public var voltsPerCount: Double
    /// Per-channel multiplier (NWB `channel_conversion`); 1 where channels share a gain.
    public var channelGains: [Double]
    /// Volts added after scaling (NWB `offset`).
    public var offsetVolts: Double
    /// Per-channel polynomial `volts = Σ cᵢ·rawⁱ` (raw = card count, before re-centring)
    /// when the board has a non-linear calibration; stored for analysts, applied nowhere
    /// in the data path. Empty when the calibration is linear.
    public var polynomials: [[Double]]

    public init(voltsPerCount: Double, channelGains: [Double], offsetVolts: Double = 0, polynomials: [[Double]] = []) {
        self.voltsPerCount = voltsPerCount
        self.channelGains = channelGains
        self.offsetVolts = offsetVolts
        self.polynomials = polynomials
    }

    /// Microvolts per count for each channel (`voltsPerCount × gain × 1e6`).
    public var microvoltsPerCount: [Double] {
        channelGains.map { $0 * voltsPerCount * 1e6 }
    }
}

import Foundation

/// The rows the signal processor publishes through its `FeatureRing`s, and
/// how to read them. All values are in µV, µV² or per second as named.

/// Vector types of the hot path: `Float` lanes for full-rate stages, `Double`
/// lanes for the line canceller and the slow (LFP-rate) stages. Rows are padded to
/// `processingLanes` channels.
typealias FloatVector = SIMD16<Float>
typealias DoubleVector = SIMD8<Double>
let processingLanes = 16

/// Rounds `n` channels up to whole vectors.
func paddedChannelCount(_ n: Int) -> Int { max(1, (n + processingLanes - 1) / processingLanes) * processingLanes }

/// Header of an LFP row. Row `[processedChannel]` is in µV; LFP row `k` is the
/// filtered signal at sample index `k × decimationFactor`, i.e. at
/// `k / lfpRateHz` seconds.
public struct LFPRowHeader: Sendable, Equatable, BitwiseCopyable {
    /// LFP row index since session start.
    public var row: UInt64
    public init(row: UInt64) { self.row = row }
}

/// Header of a band-power row. Row `[processedChannel][band]` is in µV²; row
/// `r` is the estimate at `r / bandPowerRateHz` seconds (sample index
/// `r × samplesPerBandPowerRow`), from samples up to and including that time.
public struct BandPowerRowHeader: Sendable, Equatable, BitwiseCopyable {
    /// Band-power row index since session start.
    public var row: UInt64
    public init(row: UInt64) { self.row = row }
}

/// Header of a threshold crossing. Its row is the spike-band waveform in µV,
/// `snippetBeforeFrames + snippetAfterFrames` samples, the peak at index
/// `snippetBeforeFrames`.
public struct ThresholdCrossing: Sendable, Equatable, BitwiseCopyable {
    /// Sample index of the peak (the aligned spike time).
    public var sampleIndex: UInt64
    /// Index into `SignalProcessor.channels`.
    public var processedChannel: Int32
    /// Spike-band value at the peak, in µV (negative for a negative spike).
    public var amplitudeMicrovolts: Float
    public init(sampleIndex: UInt64, processedChannel: Int32, amplitudeMicrovolts: Float) {
        self.sampleIndex = sampleIndex
        self.processedChannel = processedChannel
        self.amplitudeMicrovolts = amplitudeMicrovolts
    }
}

/// Header of a channel-figures row (about 2 per second, for the status board).
/// The row is `[rawChannel][ChannelFigure]`: `ChannelFigure.allCases.count`
/// floats per raw (recorded) channel, in frame-column order.
public struct ChannelFiguresHeader: Sendable, Equatable, BitwiseCopyable {
    /// First sample index of the period the figures describe.
    public var firstSample: UInt64
    /// One past the last sample index of the period.
    public var endSample: UInt64
    public init(firstSample: UInt64, endSample: UInt64) {
        self.firstSample = firstSample
        self.endSample = endSample
    }
}

/// The figures per raw channel in a channel-figures row, in this order.
public enum ChannelFigure: Int, CaseIterable, Sendable {
    /// RMS of the monopolar signal with its mean removed, in µV, over the
    /// first ~0.1 s (a whole number of mains cycles) of the period.
    case rmsMicrovolts
    /// Share (0…1) of that signal's power at the mains frequency and its
    /// configured harmonics; NaN when line removal is off.
    case lineNoiseShare
    /// 1 when the raw integers moved by at most one count over the whole period, else 0.
    case flat
    /// 1 when any sample of the period sat at the converter's limit (−32768 or 32767), else 0.
    case saturated
    /// Threshold crossings per second over the period on processed channels
    /// whose anode is this channel; NaN where spikes are not detected.
    case spikeRatePerSecond
}

/// Band power for display: `10·log10(P / 1 µV²)`, in dB re 1 µV².
public func decibels(microvoltsSquared power: Double) -> Double {
    10 * log10(power)
}

/// One raw channel's figures, read out of a channel-figures row (for the status board).
public struct ChannelFigures: Sendable, Equatable {
    /// Mean-removed RMS of the monopolar signal, in µV.
    public var rmsMicrovolts: Float
    /// Share (0…1) of the power at the mains frequency and harmonics; nil when line removal is off.
    public var lineNoiseShare: Float?
    /// The raw integers moved by at most one count over the period.
    public var isFlat: Bool
    /// A sample sat at the converter's limit during the period.
    public var isSaturated: Bool
    /// Threshold crossings per second; nil where spikes are not detected.
    public var spikeRatePerSecond: Float?

    /// Reads raw channel `channel` from a `channelFigures` row.
    public init(row: UnsafeBufferPointer<Float>, channel: Int) {
        let base = channel * ChannelFigure.allCases.count
        func value(_ f: ChannelFigure) -> Float { row[base + f.rawValue] }
        rmsMicrovolts = value(.rmsMicrovolts)
        lineNoiseShare = value(.lineNoiseShare).isNaN ? nil : value(.lineNoiseShare)
        isFlat = value(.flat) != 0
        isSaturated = value(.saturated) != 0
        spikeRatePerSecond = value(.spikeRatePerSecond).isNaN ? nil : value(.spikeRatePerSecond)
    }
}

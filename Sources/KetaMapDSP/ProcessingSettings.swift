/// `[processing]`: the real-time signal processing, every parameter in one
/// place (this is what the session file's processing metadata is written from).
public struct ProcessingSettings: Sendable, Equatable, Codable {
    /// How channels are re-referenced before processing (the raw file keeps monopolar samples).
    public enum Reference: String, Sendable, Codable, CaseIterable {
        case monopolar
        /// Each pair of neighbouring contacts on a shaft: the deeper contact minus
        /// its shallower neighbour (`LA1-LA2`). Microwires stay monopolar.
        case bipolar
        case commonAveragePerShaft = "car-shaft"
        case commonAverageAll = "car-all"
    }
    public enum Polarity: String, Sendable, Codable, CaseIterable { case negative, positive, both }

    /// A frequency band for band power, in Hz.
    public struct Band: Sendable, Equatable, Codable {
        public var name: String
        public var lowHz: Double
        public var highHz: Double
        public init(name: String, lowHz: Double, highHz: Double) {
            self.name = name
            self.lowHz = lowHz
            self.highHz = highHz
        }

        /// The band power's averaging window, in seconds: 1 s, or 3 cycles of the
        /// low edge when that is longer (the band power's autocorrelation spans it).
        public var powerWindowSeconds: Double { max(1, 3 / lowHz) }
    }

    public var enabled: Bool
    public var reference: Reference
    /// Mains frequency (50 or 60 Hz); nil turns line-noise removal off.
    public var lineFrequencyHz: Double?
    /// Harmonics cancelled, counting the fundamental (8 = 50 … 400 Hz), those below the LFP Nyquist.
    public var lineHarmonics: Int
    /// Width of the line canceller's null around each harmonic, in Hz (at 0.05 a sine 1 Hz away keeps 99.94 % of its power).
    public var lineBandwidthHz: Double
    /// Rate of the decimated LFP, in Hz.
    public var lfpRateHz: Double
    public var bands: [Band]
    /// Band-power rows per second, in Hz.
    public var bandPowerRateHz: Double
    /// Spike band edges, in Hz.
    public var spikeLowHz: Double
    public var spikeHighHz: Double
    /// Threshold = k × noise, noise = median(|x|)/0.6745.
    public var spikeThresholdK: Double
    public var spikePolarity: Polarity
    public var spikeRefractoryMilliseconds: Double
    public var snippetBeforeMilliseconds: Double
    public var snippetAfterMilliseconds: Double
    /// Seconds of spike-band signal the noise estimate looks back over.
    public var noiseWindowSeconds: Double
    /// Butterworth order per edge of the spike band-pass (scipy `butter(N, [low, high], 'band')`: N sections).
    public var spikeFilterOrder: Int
    /// Butterworth order per edge of each band-power band-pass.
    public var bandFilterOrder: Int
    /// Butterworth order of the LFP anti-alias low-pass (cut-off 0.4 × `lfpRateHz`).
    public var lfpAntiAliasOrder: Int
    /// Rows of per-channel figures (RMS, line noise, flat, saturated, spike rate) per second, in Hz.
    public var channelFiguresRateHz: Double

    public init(
        enabled: Bool = true, reference: Reference = .bipolar, lineFrequencyHz: Double? = 50, lineHarmonics: Int = 8,
        lineBandwidthHz: Double = 0.05, lfpRateHz: Double = 1000, bands: [Band] = ProcessingSettings.defaultBands,
        bandPowerRateHz: Double = 10, spikeLowHz: Double = 300, spikeHighHz: Double = 6000, spikeThresholdK: Double = 5,
        spikePolarity: Polarity = .negative, spikeRefractoryMilliseconds: Double = 0.5,
        snippetBeforeMilliseconds: Double = 0.5, snippetAfterMilliseconds: Double = 1, noiseWindowSeconds: Double = 2,
        spikeFilterOrder: Int = 1, bandFilterOrder: Int = 6, lfpAntiAliasOrder: Int = 6, channelFiguresRateHz: Double = 2
    ) {
        self.enabled = enabled
        self.reference = reference
        self.lineFrequencyHz = lineFrequencyHz
        self.lineHarmonics = lineHarmonics
        self.lineBandwidthHz = lineBandwidthHz
        self.lfpRateHz = lfpRateHz
        self.bands = bands
        self.bandPowerRateHz = bandPowerRateHz
        self.spikeLowHz = spikeLowHz
        self.spikeHighHz = spikeHighHz
        self.spikeThresholdK = spikeThresholdK
        self.spikePolarity = spikePolarity
        self.spikeRefractoryMilliseconds = spikeRefractoryMilliseconds
        self.snippetBeforeMilliseconds = snippetBeforeMilliseconds
        self.snippetAfterMilliseconds = snippetAfterMilliseconds
        self.noiseWindowSeconds = noiseWindowSeconds
        self.spikeFilterOrder = spikeFilterOrder
        self.bandFilterOrder = bandFilterOrder
        self.lfpAntiAliasOrder = lfpAntiAliasOrder
        self.channelFiguresRateHz = channelFiguresRateHz
    }

    /// delta 1–4, theta 4–8, alpha 8–13, beta 13–30, gamma 30–80, high gamma 80–150 Hz.
    public static let defaultBands: [Band] = [
        Band(name: "delta", lowHz: 1, highHz: 4), Band(name: "theta", lowHz: 4, highHz: 8),
        Band(name: "alpha", lowHz: 8, highHz: 13), Band(name: "beta", lowHz: 13, highHz: 30),
        Band(name: "gamma", lowHz: 30, highHz: 80), Band(name: "high_gamma", lowHz: 80, highHz: 150),
    ]
}

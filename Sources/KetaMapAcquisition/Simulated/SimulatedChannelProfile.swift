import KetaMapCore

/// How loud each band is on one simulated channel, before any drug effect:
/// a 1/f² background (varied per channel and band), plus a spectral peak in
/// the bands where the region has a rhythm, through the amplifier's high-pass.
struct SimulatedChannelProfile: Sendable {
    /// The bands, in Hz.
    var bands: [ProcessingSettings.Band]
    /// Per band: the channel's factor on the background's amplitude (0.8–1.25).
    var bandVariation: [Double]
    /// Background RMS per band, in µV.
    var bandMicrovolts: [Double]
    /// RMS of the rhythm (a Gaussian peak at the band's geometric centre, σ = width/5) added in each band, in µV (0 for most).
    var rhythmMicrovolts: [Double]
    /// Broadband (amplifier and multi-unit) noise RMS, in µV.
    var thermalMicrovolts: Double
    /// Line-noise amplitude, in µV.
    var lineMicrovolts: Double
    /// Summed configured effect at the peak, per band, in dB.
    var peakEffectDecibels: [Double]
    /// The amplifier's hardware high-pass corner, in Hz: the montage's `low_cutoff`, 0.5 Hz when it gives none.
    var highPassHz: Double

    /// Regions with a characteristic rhythm: keyword (as `DoseEffect` matches it), band name, factor on that band's RMS.
    static let rhythms: [(region: String, band: String, factor: Double)] = [
        ("hippocampus", "theta", 2.5), ("amygdala", "theta", 1.8), ("cingulate", "theta", 1.6),
        ("temporal", "alpha", 2.0), ("insula|operculum", "alpha", 1.6),
        ("prefrontal", "beta", 1.5), ("striatum", "beta", 2.0),
        ("prefrontal", "gamma", 1.3), ("hippocampus", "gamma", 1.2),
    ]

    /// Background constant: 1–4 Hz carries 40 µV RMS under `k / f²`.
    static let backgroundConstant = 1600.0 / 0.75

    /// One-sided power spectral density at `hz`, in µV²/Hz, before any drug effect.
    func density(atHz hz: Double) -> Double {
        var variation = 1.0
        if let b = bands.firstIndex(where: { hz >= $0.lowHz && hz < $0.highHz }) { variation = bandVariation[b] }
        let f = max(hz, 0.5)
        var density = Self.backgroundConstant / (f * f) * variation * variation
        for (b, band) in bands.enumerated() where rhythmMicrovolts[b] > 0 {
            let centre = (max(band.lowHz, 0.5) * band.highHz).squareRoot()
            let sigma = max(0.5, (band.highHz - band.lowHz) / 5)
            let z = (hz - centre) / sigma
            density += rhythmMicrovolts[b] * rhythmMicrovolts[b] * exp(-z * z / 2) / (sigma * 2.506_628_274_631)
        }
        // The amplifier's first-order high-pass (|H|² = f²/(f² + fc²)): the 8 s segments'
        // bins reach 0.12 Hz, and below its corner no amplifier passes the background whole.
        return density * hz * hz / (hz * hz + highPassHz * highPassHz)
    }

    /// Background RMS of a band under a 1/f² spectrum scaled so that 1–4 Hz carries 40 µV.
    static func backgroundMicrovolts(lowHz: Double, highHz: Double) -> Double {
        (backgroundConstant * (1 / max(lowHz, 0.5) - 1 / max(highHz, 0.6))).squareRoot()
    }

    init(channel: MontageChannel, index: Int, bands: [ProcessingSettings.Band], settings: SimulatorSettings) {
        let seed = settings.seed
        self.bands = bands
        highPassHz = channel.lowCutoffHz ?? 0.5
        bandVariation = []
        bandMicrovolts = []
        rhythmMicrovolts = []
        peakEffectDecibels = []
        for (b, band) in bands.enumerated() {
            let variation = 0.8 + 0.45 * SimulationRandom.unit(seed, 0xBA4D, UInt64(index * 64 + b))
            let base = Self.backgroundMicrovolts(lowHz: band.lowHz, highHz: band.highHz) * variation
            var factor = 1.0
            for rhythm in Self.rhythms where rhythm.band == band.name {
                if DoseEffect(region: rhythm.region, band: rhythm.band, decibels: 0).matches(region: channel.region) {
                    factor = max(factor, rhythm.factor)
                }
            }
            bandVariation.append(variation)
            bandMicrovolts.append(base)
            rhythmMicrovolts.append(base * max(0, factor * factor - 1).squareRoot())
            var decibels = 0.0
            for effect in settings.effects where effect.band == band.name && effect.matches(region: channel.region) {
                decibels += effect.decibels
            }
            peakEffectDecibels.append(decibels)
        }
        let lineVariation = 0.5 + SimulationRandom.unit(seed, 0x11E0, UInt64(index))
        thermalMicrovolts = channel.kind == .micro ? 10 : 2.5
        lineMicrovolts = settings.lineNoiseMicrovolts * lineVariation
        if !channel.isGood {
            // A contact marked bad: high impedance, so much more noise and mains pickup.
            thermalMicrovolts *= 4
            lineMicrovolts *= 6
        }
    }
}

#if canImport(Glibc)
import Glibc
import KetaMapDSP
import KetaMapConfiguration
#endif

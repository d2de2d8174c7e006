import KetaMapCore

/// One simulated neuron seen by one microwire.
public struct SimulatedUnit: Sendable, Equatable {
    /// Unit number, 0… over the whole montage.
    public let id: Int
    /// Frame column (channel index) of its microwire.
    public let channel: Int
    /// Mean firing rate, in Hz (Poisson-like, with at least 1.5 ms between spikes).
    public let rateHz: Double
    /// The template's extreme value, in µV (negative: extracellular spikes are negative).
    public let peakMicrovolts: Double
    /// The waveform added at each spike, in µV, one value per sample.
    public let template: [Float]
    /// Index of the extreme value in `template`: the spike's sample index is where this lands.
    public let peakOffset: Int
}

/// One spike the simulator put into the signal (ground truth for spike detection tests).
public struct GroundTruthSpike: Sendable, Equatable {
    /// Sample index of the spike's extreme value.
    public let sampleIndex: UInt64
    /// Frame column of the microwire.
    public let channel: Int
    /// `SimulatedUnit.id`.
    public let unit: Int
    /// The template's extreme value, in µV.
    public let peakMicrovolts: Double
}

/// One simulated artifact (a movement or electrode pop): a jump of
/// `peakMicrovolts` at `onsetSample` decaying exponentially, on every contact of one shaft
/// (the k-th contact gets `1 − 0.04·k` of it).
public struct SimulatedArtifact: Sendable, Equatable {
    /// Sample index of the jump.
    public let onsetSample: UInt64
    /// Frame columns of the contacts it is on, deepest first.
    public let channels: [Int]
    /// Size of the jump on the first contact, in µV (either sign).
    public let peakMicrovolts: Double
    /// Decay time constant, in seconds (the artifact lasts 6 of them).
    public let decaySeconds: Double
}

/// Spike trains of all simulated units: each time window of 3 ms may hold one
/// spike of a unit, decided by a hash of (seed, unit, window), so the spikes
/// of any time range are known without generating what came before.
struct SpikeTrains: Sendable {
    let units: [SimulatedUnit]
    /// Frames per decision window.
    let windowFrames: Int
    /// Spikes fall in the first half of their window: at least `windowFrames/2` apart.
    private let offsetRange: UInt64
    private let probabilities: [Double]
    private let seed: UInt64
    /// Samples before and after the peak that a template covers (maximum over units).
    let framesBefore: Int
    let framesAfter: Int

    init(montage: Montage, sampleRateHz: Double, settings: SimulatorSettings) {
        seed = settings.seed
        windowFrames = max(2, Int((0.003 * sampleRateHz).rounded()))
        offsetRange = UInt64(max(1, windowFrames / 2))
        let before = max(1, Int((0.0006 * sampleRateHz).rounded()))
        let after = max(2, Int((0.0016 * sampleRateHz).rounded()))
        var units: [SimulatedUnit] = []
        for (channel, contact) in montage.channels.enumerated() where contact.kind == .micro {
            for _ in 0..<settings.unitsPerMicrowire {
                let id = units.count
                let rate = 2 + 10 * SimulationRandom.unit(seed, 0x5B1C, UInt64(id))
                let amplitude = 30 + 120 * SimulationRandom.unit(seed, 0xA3B1, UInt64(id))
                let width = 1 + 0.5 * SimulationRandom.unit(seed, 0x3D7E, UInt64(id))
                let template = Self.template(amplitude: amplitude, widthScale: width, before: before, after: after, rateHz: sampleRateHz)
                var peak = 0
                for i in template.indices where template[i] < template[peak] { peak = i }
                units.append(
                    SimulatedUnit(
                        id: id, channel: channel, rateHz: rate, peakMicrovolts: Double(template[peak]), template: template, peakOffset: peak))
            }
        }
        self.units = units
        framesBefore = units.map(\.peakOffset).max() ?? before
        framesAfter = units.map { $0.template.count - 1 - $0.peakOffset }.max() ?? after
        probabilities = units.map { min(1, $0.rateHz * Double(max(2, Int((0.003 * sampleRateHz).rounded()))) / sampleRateHz) }
    }

    /// A biphasic extracellular waveform: a narrow negative trough, then a wider positive hump.
    static func template(amplitude: Double, widthScale: Double, before: Int, after: Int, rateHz: Double) -> [Float] {
        let sigma1 = 0.00012 * widthScale, sigma2 = 0.0003 * widthScale, delay = 0.0005 * widthScale
        func shape(_ t: Double) -> Double {
            -exp(-t * t / (2 * sigma1 * sigma1)) + 0.35 * exp(-(t - delay) * (t - delay) / (2 * sigma2 * sigma2))
        }
        let scale = amplitude / abs(shape(0))
        return (-before...after).map { Float(scale * shape(Double($0) / rateHz)) }
    }

    /// The peak sample of `unit`'s spike in `window`, if it fires there.
    @inline(__always)
    func spike(unit: Int, window: UInt64) -> UInt64? {
        let bits = SimulationRandom.hash(seed, UInt64(unit) &+ 0x5_0000, window)
        guard Double(bits >> 11) * 0x1p-53 < probabilities[unit] else { return nil }
        let offset = SimulationRandom.hash(seed, UInt64(unit) &+ 0x6_0000, window) % offsetRange
        return window * UInt64(windowFrames) + offset
    }

    /// Every spike whose peak lies in `range`, ordered by sample index.
    func spikes(in range: Range<UInt64>) -> [GroundTruthSpike] {
        guard !range.isEmpty else { return [] }
        var result: [GroundTruthSpike] = []
        let firstWindow = range.lowerBound / UInt64(windowFrames)
        let lastWindow = (range.upperBound - 1) / UInt64(windowFrames)
        for unit in units {
            for window in firstWindow...lastWindow {
                if let peak = spike(unit: unit.id, window: window), range.contains(peak) {
                    result.append(GroundTruthSpike(sampleIndex: peak, channel: unit.channel, unit: unit.id, peakMicrovolts: unit.peakMicrovolts))
                }
            }
        }
        result.sort { ($0.sampleIndex, $0.unit) < ($1.sampleIndex, $1.unit) }
        return result
    }

    /// Adds the templates of every spike that overlaps frames `[first, first + frames)` into `scratch` (µV, interleaved).
    func add(into scratch: UnsafeMutablePointer<Float>, channelCount: Int, first: UInt64, frames: Int) {
        let end = first + UInt64(frames)
        let lowPeak = first > UInt64(framesAfter) ? first - UInt64(framesAfter) : 0
        let highPeak = end + UInt64(framesBefore)  // exclusive
        let firstWindow = lowPeak / UInt64(windowFrames)
        let lastWindow = (highPeak - 1) / UInt64(windowFrames)
        for unit in units {
            unit.template.withUnsafeBufferPointer { template in
                for window in firstWindow...lastWindow {
                    guard let peak = spike(unit: unit.id, window: window) else { continue }
                    // Template sample i lands on frame peak − peakOffset + i.
                    let start = Int64(peak) - Int64(unit.peakOffset)
                    let from = max(Int64(first), start)
                    let to = min(Int64(end), start + Int64(template.count))
                    guard from < to else { continue }
                    for frame in from..<to {
                        scratch[Int(frame - Int64(first)) * channelCount + unit.channel] += template[Int(frame - start)]
                    }
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
import KetaMapConfiguration
#endif

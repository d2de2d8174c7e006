/// The simulated LFP of every channel, made at a low rate (about 2 kHz) by
/// spectral synthesis: each segment of `size` samples is a sum of sines at the
/// FFT bins with Gaussian random coefficients scaled by the channel's spectrum
/// (√(PSD·Δf)), windowed by a sine window and overlap-added at half a segment,
/// so the result is a stationary Gaussian process with that spectrum, smoothed
/// by the window's kernel (±1.5 bins). Segments are ≥ 8 s long, so bins are
/// ≤ 0.125 Hz apart and a band's edges are sharp to about 0.2 Hz.
///
/// A drug effect must change a band and nothing else, while it rises within
/// seconds. So each channel's spectrum is split into layers: one for each band
/// the drug changes on that channel (its bins only) and one for all other
/// bins. Each layer is synthesized on its own (two per complex inverse FFT: one
/// in the real part, one in the imaginary part, from Hermitian spectra), and a
/// band's layer is multiplied in time by `10^(dB × effect / 20)`, the effect
/// taken every `effectStride` samples (about 0.25 s) and the gain interpolated
/// linearly between: the band's power changes by `dB × effect`, its
/// neighbours' not at all.
final class SpectralLFP {
    let channelCount: Int
    /// Samples per segment (a power of two) and per hop (half of it).
    let size: Int
    let hop: Int
    /// Low-rate samples between two effect points.
    let effectStride: Int
    /// Low-rate samples per second, in Hz.
    let rateHz: Double
    private let bins: Int
    private let transform: FourierTransform
    /// √(PSD·Δf) per channel and bin, in µV.
    private let amplitude: UnsafeMutablePointer<Double>
    /// Per layer: its channel, its band's bins (nil: every bin of no changed band) and the band's effect at peak, in dB.
    private let layers: [(channel: Int, bins: Range<Int>?, decibels: Double)]
    /// Per channel: the bins of its changed bands (left out of its other layer).
    private let changedBins: [[Range<Int>]]
    /// Per channel: its layers (consecutive).
    private let channelLayers: [Range<Int>]
    private let window: UnsafeMutablePointer<Double>
    private let real: UnsafeMutablePointer<Double>
    private let imaginary: UnsafeMutablePointer<Double>
    private let scaleA: UnsafeMutablePointer<Double>
    private let scaleB: UnsafeMutablePointer<Double>
    /// Per layer: the second half of the last segment, and the samples now being handed out.
    private let tail: UnsafeMutablePointer<Float>
    private let ready: UnsafeMutablePointer<Float>
    /// Per layer: its gain now and its change per sample.
    private let gain: UnsafeMutablePointer<Float>
    private let gainStep: UnsafeMutablePointer<Float>
    private var position: Int
    private var produced: UInt64 = 0
    private var effectCountdown = 0
    private var random: SimulationRandom

    /// `profiles` in channel order; `bands` as the profiles were made with.
    init(profiles: [SimulatedChannelProfile], bands: [(lowHz: Double, highHz: Double)], rateHz: Double, seed: UInt64) {
        channelCount = profiles.count
        self.rateHz = rateHz
        var size = 16
        while Double(size) < 8 * rateHz { size *= 2 }  // ≥ 8 s per segment: bins ≤ 0.125 Hz apart
        self.size = size
        hop = size / 2
        bins = size / 2
        effectStride = max(1, Int((rateHz / 4).rounded()))
        transform = FourierTransform(size: size)
        let binHz = rateHz / Double(size)
        amplitude = .allocate(capacity: channelCount * bins)
        for (c, profile) in profiles.enumerated() {
            amplitude[c * bins] = 0  // no DC
            for k in 1..<bins {
                amplitude[c * bins + k] = (profile.density(atHz: Double(k) * binHz) * binHz).squareRoot()
            }
        }
        let bandBins = bands.map { band in
            let low = max(1, Int((band.lowHz / binHz).rounded(.up)))
            let high = min(size / 2, Int((band.highHz / binHz).rounded(.up)))
            return low..<max(low, high)
        }
        var layers: [(channel: Int, bins: Range<Int>?, decibels: Double)] = []
        var channelLayers: [Range<Int>] = []
        var changedBins: [[Range<Int>]] = []
        for (c, profile) in profiles.enumerated() {
            let first = layers.count
            layers.append((c, nil, 0))
            var changed: [Range<Int>] = []
            for (b, range) in bandBins.enumerated() where profile.peakEffectDecibels[b] != 0 && !range.isEmpty {
                layers.append((c, range, profile.peakEffectDecibels[b]))
                changed.append(range)
            }
            changedBins.append(changed)
            channelLayers.append(first..<layers.count)
        }
        self.layers = layers
        self.channelLayers = channelLayers
        self.changedBins = changedBins
        window = .allocate(capacity: size)
        for n in 0..<size { window[n] = sin(Double.pi * (Double(n) + 0.5) / Double(size)) }
        real = .allocate(capacity: size)
        imaginary = .allocate(capacity: size)
        scaleA = .allocate(capacity: bins)
        scaleB = .allocate(capacity: bins)
        tail = .allocate(capacity: layers.count * hop)
        tail.initialize(repeating: 0, count: layers.count * hop)
        ready = .allocate(capacity: layers.count * hop)
        ready.initialize(repeating: 0, count: layers.count * hop)
        gain = .allocate(capacity: layers.count)
        gain.initialize(repeating: 1, count: layers.count)
        gainStep = .allocate(capacity: layers.count)
        gainStep.initialize(repeating: 0, count: layers.count)
        position = hop
        random = SimulationRandom(seed: seed, stream: 1)
        // A first segment whose second half overlaps sample 0, so the output is steady from the start.
        synthesize()
        position = hop
    }

    deinit {
        amplitude.deallocate()
        window.deallocate()
        real.deallocate()
        imaginary.deallocate()
        scaleA.deallocate()
        scaleB.deallocate()
        tail.deallocate()
        ready.deallocate()
        gain.deallocate()
        gainStep.deallocate()
    }

    /// The next segment must be made before the next sample.
    var needsSegment: Bool { position == hop }

    /// The next effect must be given (`aim`) before the next sample.
    var needsEffect: Bool { effectCountdown == 0 }

    /// Low-rate index of the sample the next `aim` is for.
    var nextEffectSample: UInt64 { produced + UInt64(effectStride) }

    /// Sets the drug effect (0 none, 1 peak) `effectStride` samples from now: each changed band's gain moves to it linearly.
    func aim(effect: Double) {
        let steps = Float(effectStride)
        for (l, layer) in layers.enumerated() where layer.bins != nil {
            let target = Float(pow(10, layer.decibels * effect / 20))
            gainStep[l] = (target - gain[l]) / steps
        }
        effectCountdown = effectStride
    }

    /// Makes the next segment of every layer.
    func synthesize() {
        var l = 0
        while l < layers.count {
            fill(scaleA, layer: l)
            if l + 1 < layers.count { fill(scaleB, layer: l + 1) } else { scaleB.update(repeating: 0, count: bins) }
            transformPair()
            overlapAdd(real, layer: l)
            if l + 1 < layers.count { overlapAdd(imaginary, layer: l + 1) }
            l += 2
        }
        position = 0
    }

    /// The amplitude of each bin in `layer` (0 outside it).
    private func fill(_ scale: UnsafeMutablePointer<Double>, layer l: Int) {
        let layer = layers[l]
        let amplitude = self.amplitude + layer.channel * bins
        if let range = layer.bins {
            scale.update(repeating: 0, count: bins)
            for k in range { scale[k] = amplitude[k] }
        } else {
            for k in 0..<bins { scale[k] = amplitude[k] }
            for range in changedBins[layer.channel] { for k in range { scale[k] = 0 } }
        }
    }

    /// Two independent real segments with the spectra `scaleA` and `scaleB`, in `real` and `imaginary`:
    /// with coefficients c = s·(x − i·y) (variance s² per bin), `Z[k] = (c_A + i·c_B)/2` and
    /// `Z[N−k] = (c̄_A + i·c̄_B)/2`, whose inverse transform is `Re(Σ c_A e^{iθ}) + i·Re(Σ c_B e^{iθ})`.
    private func transformPair() {
        let size = size
        for k in 0..<size {
            real[k] = 0
            imaginary[k] = 0
        }
        var random = self.random
        defer { self.random = random }
        for k in 1..<bins {
            let a = scaleA[k], b = scaleB[k]
            guard a != 0 || b != 0 else { continue }
            var xa = 0.0, ya = 0.0, xb = 0.0, yb = 0.0
            if a != 0 { (xa, ya) = (a * Double(random.normal()), a * Double(random.normal())) }
            if b != 0 { (xb, yb) = (b * Double(random.normal()), b * Double(random.normal())) }
            real[k] = (xa + yb) / 2
            imaginary[k] = (xb - ya) / 2
            real[size - k] = (xa - yb) / 2
            imaginary[size - k] = (ya + xb) / 2
        }
        transform.inverse(real: real, imaginary: imaginary)
    }

    private func overlapAdd(_ segment: UnsafeMutablePointer<Double>, layer l: Int) {
        let tail = self.tail + l * hop, ready = self.ready + l * hop
        for n in 0..<hop {
            ready[n] = tail[n] + Float(segment[n] * window[n])
            tail[n] = Float(segment[hop + n] * window[hop + n])
        }
    }

    /// Writes the next low-rate sample of every channel (µV) to `out`. Call `synthesize` first when
    /// `needsSegment`, `aim` when `needsEffect`.
    @inline(__always)
    func next(into out: UnsafeMutablePointer<Float>) {
        let ready = self.ready, hop = hop, p = position, gain = gain, gainStep = gainStep
        for c in 0..<channelCount {
            var sum: Float = 0
            for l in channelLayers[c] {
                sum += ready[l * hop + p] * gain[l]
                gain[l] += gainStep[l]
            }
            out[c] = sum
        }
        position = p + 1
        produced += 1
        effectCountdown -= 1
    }
}

#if canImport(Glibc)
import Glibc
#endif
import KetaMapDSP

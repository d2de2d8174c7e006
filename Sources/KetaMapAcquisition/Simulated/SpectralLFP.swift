/// The simulated LFP of every channel, made at a low rate (about 2 kHz) by
/// spectral synthesis: each segment of `size` samples is a sum of sines at the
/// FFT bins with Gaussian random coefficients scaled by the channel's spectrum
/// (√(PSD·Δf)), windowed by a sine window and overlap-added at half a segment,
/// so the result is a stationary Gaussian process with exactly that spectrum.
///
/// A dose multiplies the amplitude of every bin inside a band by
/// `10^(dB × effect / 20)`: the band's power changes by exactly `dB × effect`,
/// and its neighbours not at all (up to the ~1 Hz window smoothing at the edge).
/// The effect is evaluated once per segment, at its centre (every `hop` low-rate
/// samples, about 0.5 s).
final class SpectralLFP {
    let channelCount: Int
    /// Samples per segment (a power of two) and per hop (half of it).
    let size: Int
    let hop: Int
    /// Low-rate samples per second, in Hz.
    let rateHz: Double
    private let bins: Int
    private let bandCount: Int
    private let transform: FourierTransform
    /// √(PSD·Δf) per channel and bin, in µV.
    private let amplitude: UnsafeMutablePointer<Double>
    /// Configured effect at peak per channel and band, in dB.
    private let peakDecibels: UnsafeMutablePointer<Double>
    /// First and one-past-last bin of each band.
    private let bandBins: [(Int, Int)]
    private let window: UnsafeMutablePointer<Double>
    private let real: UnsafeMutablePointer<Double>
    private let imaginary: UnsafeMutablePointer<Double>
    private let scale: UnsafeMutablePointer<Double>
    /// Per channel: the second half of the last segment, and the samples now being handed out.
    private let tail: UnsafeMutablePointer<Float>
    private let ready: UnsafeMutablePointer<Float>
    private var position: Int
    private var segments: UInt64 = 0
    private var random: SimulationRandom

    /// `profiles` in channel order; `bands` as the profiles were made with.
    init(profiles: [SimulatedChannelProfile], bands: [(lowHz: Double, highHz: Double)], rateHz: Double, seed: UInt64) {
        channelCount = profiles.count
        bandCount = bands.count
        self.rateHz = rateHz
        var size = 16
        while Double(size) < rateHz { size *= 2 }  // ≥ 1 s per segment: bins ≤ 1 Hz apart
        self.size = size
        hop = size / 2
        bins = size / 2
        transform = FourierTransform(size: size)
        let binHz = rateHz / Double(size)
        amplitude = .allocate(capacity: channelCount * bins)
        for (c, profile) in profiles.enumerated() {
            amplitude[c * bins] = 0  // no DC
            for k in 1..<bins {
                amplitude[c * bins + k] = (profile.density(atHz: Double(k) * binHz) * binHz).squareRoot()
            }
        }
        peakDecibels = .allocate(capacity: max(1, channelCount * bandCount))
        for (c, profile) in profiles.enumerated() {
            for b in 0..<bandCount { peakDecibels[c * bandCount + b] = profile.peakEffectDecibels[b] }
        }
        bandBins = bands.map { band in
            let low = max(1, Int((band.lowHz / binHz).rounded(.up)))
            let high = min(size / 2, Int((band.highHz / binHz).rounded(.up)))
            return (low, max(low, high))
        }
        window = .allocate(capacity: size)
        for n in 0..<size { window[n] = sin(Double.pi * (Double(n) + 0.5) / Double(size)) }
        real = .allocate(capacity: size)
        imaginary = .allocate(capacity: size)
        scale = .allocate(capacity: bins)
        tail = .allocate(capacity: channelCount * hop)
        tail.initialize(repeating: 0, count: channelCount * hop)
        ready = .allocate(capacity: channelCount * hop)
        ready.initialize(repeating: 0, count: channelCount * hop)
        position = hop
        random = SimulationRandom(seed: seed, stream: 1)
        // A first segment whose second half overlaps sample 0, so the output is steady from the start.
        synthesize(effect: 0)
        position = hop
    }

    deinit {
        amplitude.deallocate()
        peakDecibels.deallocate()
        window.deallocate()
        real.deallocate()
        imaginary.deallocate()
        scale.deallocate()
        tail.deallocate()
        ready.deallocate()
    }

    /// The next segment must be made before the next sample.
    var needsSegment: Bool { position == hop }

    /// Low-rate index of the centre of the next segment (where its effect is evaluated).
    var nextSegmentCentre: UInt64 { segments * UInt64(hop) }

    /// Makes the next segment of every channel with the drug effect `effect` (0 none, 1 peak).
    func synthesize(effect: Double) {
        let bins = bins, size = size, hop = hop
        var random = self.random
        defer { self.random = random }
        for c in 0..<channelCount {
            let amplitude = self.amplitude + c * bins
            for k in 0..<bins { scale[k] = amplitude[k] }
            if effect != 0 {
                for b in 0..<bandCount {
                    let decibels = peakDecibels[c * bandCount + b]
                    guard decibels != 0 else { continue }
                    let gain = pow(10, decibels * effect / 20)
                    let (low, high) = bandBins[b]
                    for k in low..<high { scale[k] *= gain }
                }
            }
            for k in 0..<size {
                real[k] = 0
                imaginary[k] = 0
            }
            for k in 1..<bins {
                // Re(C·e^{iθ}) with C = s·(a − i·b) is s·(a cosθ + b sinθ): variance s² per bin.
                real[k] = scale[k] * Double(random.normal())
                imaginary[k] = -scale[k] * Double(random.normal())
            }
            transform.inverse(real: real, imaginary: imaginary)
            let tail = self.tail + c * hop
            let ready = self.ready + c * hop
            for n in 0..<hop {
                ready[n] = tail[n] + Float(real[n] * window[n])
                tail[n] = Float(real[hop + n] * window[hop + n])
            }
        }
        segments += 1
        position = 0
    }

    /// Writes the next low-rate sample of every channel (µV) to `out`. Call `synthesize` first when `needsSegment`.
    @inline(__always)
    func next(into out: UnsafeMutablePointer<Float>) {
        let ready = self.ready, hop = hop, p = position
        for c in 0..<channelCount { out[c] = ready[c * hop + p] }
        position = p + 1
    }
}

#if canImport(Glibc)
import Glibc
#endif

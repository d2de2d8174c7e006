import Foundation

/// Line-noise removal that spares the neighbouring frequencies: the mains
/// sinusoid and its harmonics are estimated on each channel and subtracted,
/// rather than a band being notched out. Runs in `Double` at the LFP rate.
///
/// Each LFP row, per channel and harmonic `h`, the line is modelled as
/// `a·cos(h·θ) + b·sin(h·θ)` with `θ` the phase of a reference oscillator; the
/// model is subtracted and `(a, b)` follow the residual `e` by
/// `a += 2μ·e·cos(h·θ)`, `b += 2μ·e·sin(h·θ)`. With `μ = π·B / rate` this is the
/// adaptive canceller of Widrow et al. (1975): an exact null at the line, of
/// width `B` (`lineBandwidthHz`, default 0.1 Hz), so a sine 1 Hz away keeps
/// 99.75 % of its power and broadband power loses `B·π/2` per harmonic (0.3 % of gamma).
/// After a start or a gap `μ` starts at `1/(n + 2H)` (the running mean) and
/// shrinks to its floor, so the line is cancelled within a second or two.
///
/// The oscillator follows the mains' own frequency: the input is demodulated
/// at the fundamental and averaged over each second (which nulls anything
/// 1, 2, 3 … Hz away, such as a neural rhythm next to the line); from one second
/// to the next, that average turns by the offset between the line and the
/// oscillator (summed over the channels whose line exceeds 5 µV, weighted by
/// their line power; without such a line the frequency stays), and half of
/// the offset is added to the oscillator's frequency, within ±0.2 Hz of the
/// nominal one; while it moves by more than a tenth of the null's width, the
/// estimates forget as if they had started half a second ago. The harmonics
/// follow as multiples of the same phase.
final class LineCanceller {
    /// Cancelled frequencies at the nominal mains frequency, in Hz.
    let frequenciesHz: [Double]
    /// Width of the null, in Hz.
    let bandwidthHz: Double
    /// The oscillator's fundamental now, in Hz (the tracked mains frequency).
    private(set) var trackedFrequencyHz: Double
    /// Largest departure of the tracked frequency from the nominal one, in Hz.
    static let maximumDeviationHz = 0.2
    /// Rows between frequency updates: 1 s.
    private let trackingRows: Int
    private let nominalHz: Double
    private let harmonics: Int
    private let rate: Double
    private let stride: Int
    private let vectors: Int
    /// [harmonic][vector] cosine weights, then the same for sines.
    private let cosineWeights: UnsafeMutablePointer<DoubleVector>
    private let sineWeights: UnsafeMutablePointer<DoubleVector>
    /// Per vector, the input demodulated at the fundamental (x·cos, x·sin):
    /// [0, 1] summed over the current second, [2, 3] over the second before.
    private let demodulated: UnsafeMutablePointer<DoubleVector>
    private static let demodulatedSums = 4
    /// Seconds demodulated since the reset (tracking needs two).
    private var secondsSinceReset = 0
    /// cos(h·θ), sin(h·θ) of the current row.
    private let basis: UnsafeMutablePointer<Double>
    private let floorStep: Double
    /// A channel steers the frequency when its line is above `steeringMicrovolts`:
    /// `|Σx·cos − i·Σx·sin|²` over a second above this.
    private let steeringPower: Double
    /// Smallest line amplitude that steers the frequency, in µV (a neural rhythm
    /// of 100 µV 1.01 Hz from the line leaks 1 µV into the second's average).
    static let steeringMicrovolts = 5.0
    /// Fundamental phase, in cycles, in [0, 1).
    private var phase = 0.0
    private var rowsSinceReset = 0
    private var rowsSinceTracking = 0

    init(lineFrequencyHz: Double?, harmonics: Int, bandwidthHz: Double, sampleRateHz: Double, stride: Int)
        throws(FilterDesign.DesignError)
    {
        var frequencies: [Double] = []
        if let f0 = lineFrequencyHz, harmonics > 0 {
            guard f0 > 0, f0 < sampleRateHz / 2 else {
                throw FilterDesign.DesignError(
                    description: "line frequency \(f0) Hz must lie between 0 and Nyquist (\(sampleRateHz / 2) Hz)")
            }
            for h in 1...harmonics where Double(h) * (f0 + Self.maximumDeviationHz) < sampleRateHz / 2 {
                frequencies.append(Double(h) * f0)
            }
        }
        guard bandwidthHz > 0, bandwidthHz < 0.05 * sampleRateHz else {
            throw FilterDesign.DesignError(
                description: "line bandwidth \(bandwidthHz) Hz must be positive and below \(0.05 * sampleRateHz) Hz")
        }
        frequenciesHz = frequencies
        self.bandwidthHz = bandwidthHz
        nominalHz = lineFrequencyHz ?? 0
        trackedFrequencyHz = nominalHz
        self.harmonics = frequencies.count
        rate = sampleRateHz
        self.stride = stride
        vectors = stride / DoubleVector.scalarCount
        floorStep = Double.pi * bandwidthHz / sampleRateHz
        trackingRows = max(1, Int(sampleRateHz.rounded()))
        // A line of amplitude A sums to A·N/2 over N rows.
        steeringPower = pow(Self.steeringMicrovolts * Double(trackingRows) / 2, 2)
        let count = max(1, frequencies.count * vectors)
        cosineWeights = .allocate(capacity: count)
        sineWeights = .allocate(capacity: count)
        cosineWeights.initialize(repeating: DoubleVector(), count: count)
        sineWeights.initialize(repeating: DoubleVector(), count: count)
        demodulated = .allocate(capacity: max(1, vectors) * Self.demodulatedSums)
        demodulated.initialize(repeating: DoubleVector(), count: max(1, vectors) * Self.demodulatedSums)
        basis = .allocate(capacity: max(1, 2 * frequencies.count))
        basis.initialize(repeating: 0, count: max(1, 2 * frequencies.count))
    }

    deinit {
        cosineWeights.deallocate()
        sineWeights.deallocate()
        demodulated.deallocate()
        basis.deallocate()
    }

    /// Forgets the line estimates (after a gap); the tracked frequency is kept.
    func reset() {
        let count = max(1, harmonics * vectors)
        cosineWeights.update(repeating: DoubleVector(), count: count)
        sineWeights.update(repeating: DoubleVector(), count: count)
        demodulated.update(repeating: DoubleVector(), count: max(1, vectors) * Self.demodulatedSums)
        secondsSinceReset = 0
        phase = 0
        rowsSinceReset = 0
        rowsSinceTracking = 0
    }

    /// Removes the line from `rows` LFP rows in place. Processing thread only.
    func process(_ data: UnsafeMutablePointer<Double>, rows: Int) {
        guard harmonics > 0 else { return }
        let h = harmonics
        let v = vectors
        let vectorBytes = MemoryLayout<DoubleVector>.stride
        for r in 0..<rows {
            // cos(hθ), sin(hθ) by rotation from the fundamental (exact to rounding).
            let theta = 2 * Double.pi * phase
            let c1 = cos(theta)
            let s1 = sin(theta)
            var c = c1
            var s = s1
            for k in 0..<h {
                basis[2 * k] = c
                basis[2 * k + 1] = s
                (c, s) = (c * c1 - s * s1, s * c1 + c * s1)
            }
            rowsSinceReset += 1
            let step = max(floorStep, 1 / Double(rowsSinceReset + 2 * h))
            let row = UnsafeMutableRawPointer(data + r * stride)
            for j in 0..<v {
                let p = row + j * vectorBytes
                var x = p.loadUnaligned(as: DoubleVector.self)
                let d = demodulated + j * Self.demodulatedSums
                let xc = x * basis[0]
                let xs = x * basis[1]
                d[0] += xc
                d[1] += xs
                for k in 0..<h {
                    x -= cosineWeights[k * v + j] * basis[2 * k] + sineWeights[k * v + j] * basis[2 * k + 1]
                }
                p.storeBytes(of: x, as: DoubleVector.self)
                let g = (2 * step) * x
                for k in 0..<h {
                    cosineWeights[k * v + j] += g * basis[2 * k]
                    sineWeights[k * v + j] += g * basis[2 * k + 1]
                }
            }
            phase += trackedFrequencyHz / rate
            phase -= phase.rounded(.down)
            rowsSinceTracking += 1
            if rowsSinceTracking == trackingRows { track() }
        }
    }

    /// Moves the oscillator towards the line: the input's demodulated sum
    /// `Σx·cos − i·Σx·sin` turns from one second to the next by the offset
    /// between the line and the oscillator.
    private func track() {
        var re = 0.0
        var im = 0.0
        for j in 0..<vectors {
            let d = demodulated + j * Self.demodulatedSums
            let a = d[0]
            let b = d[1]
            // conj(a0 − i·b0) · (a − i·b), from channels that carry a line.
            let turn = d[2] * a + d[3] * b
            let cross = d[3] * a - d[2] * b
            let power = a * a + b * b
            for lane in 0..<DoubleVector.scalarCount where power[lane] > steeringPower {
                re += turn[lane]
                im += cross[lane]
            }
            d[2] = a
            d[3] = b
            d[0] = DoubleVector()
            d[1] = DoubleVector()
        }
        let seconds = Double(rowsSinceTracking) / rate
        rowsSinceTracking = 0
        secondsSinceReset += 1
        // Without a line nothing steers: a rhythm just off a whole number of Hz
        // from the line would alias onto a small offset.
        // A turn of more than a quarter cycle in a second is no mains line.
        guard secondsSinceReset >= 2, re > 0 else { return }
        let offsetHz = atan2(im, re) / (2 * Double.pi * seconds)
        let nominal = nominalHz
        let tracked = min(
            nominal + Self.maximumDeviationHz, max(nominal - Self.maximumDeviationHz, trackedFrequencyHz + 0.5 * offsetHz))
        // While the frequency is being pulled in, the estimates forget faster
        // (as if they had started half a second ago), so they follow the line at once.
        if abs(tracked - trackedFrequencyHz) > 0.1 * bandwidthHz { rowsSinceReset = min(rowsSinceReset, trackingRows / 2) }
        trackedFrequencyHz = tracked
    }
}

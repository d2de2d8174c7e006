import Foundation

/// Line-noise removal that spares the neighbouring frequencies: the mains
/// sinusoid and its harmonics are estimated on each channel and subtracted,
/// rather than a band being notched out. Runs in `Double` at the LFP rate.
///
/// Each LFP row, per channel and harmonic `h`, the line is modelled as
/// `a·cos(h·θ) + b·sin(h·θ)` with `θ` the phase of a reference oscillator; the
/// model is subtracted and `(a, b)` follow the residual `e` by
/// `a += 2μ·e·cos(h·θ)`, `b += 2μ·e·sin(h·θ)`. With `μ = π·B / rate` this is the
/// adaptive canceller of Widrow et al. (1975), a linear filter (Glover, 1977)
/// with an exact null at each harmonic of width `B` (`lineBandwidthHz`, default
/// 0.05 Hz): a sine at `Δf` from the line keeps `Δf² / (Δf² + B²/4)` of its
/// power (and the gain `1 + 2Hμ` that H harmonics give everywhere else); the
/// nulls take `π·B/2` Hz of broadband noise each. After a start, a gap or a new
/// frequency, `μ` starts at `1/(n + 2H)` (the running mean) and shrinks to its
/// floor, so the line is cancelled within a second or two.
///
/// The oscillator follows the mains' own frequency, estimated once a second
/// and averaged over seconds: the input is demodulated at the nominal mains
/// frequency (a phase that never jumps) through a 2 s triangular window (two
/// 1 s sums in a row, which null anything 1, 2, 3 … Hz away, such as a neural
/// rhythm next to the line, and keep a rhythm 1.06 Hz away below 0.3 % of its
/// amplitude); from one window to the next, 1 s later, the sum turns by the
/// offset between the line and the nominal frequency (summed over the channels
/// whose line exceeds 5 µV and stands `steeringRatio` above the channel's own
/// noise beside it, weighted by their line power; without such a line the
/// frequency stays). The noise beside the line is the power 3 Hz below and
/// above the nominal frequency in 1 s sums (which null a line up to 0.2 Hz off
/// to −23 dB), averaged over `noiseSeconds` but never below this second's. The
/// test is relative, so a louder brain (a drug raising gamma) does not make
/// noise steer: white noise passed it in none of 10⁶ simulated
/// channel-seconds, while with the 5 µV test alone, noise that loud steered
/// every second. Each second gives an estimate of the line's frequency
/// (nominal plus that offset); the oscillator runs at the mean of the last
/// `averagedSeconds` of them. The estimates are differences of the line's phase
/// one second apart, so their mean over n seconds is the phase's turn over n
/// seconds ÷ n: its error falls as 1/n, not 1/√n. A frequency error ε leaves
/// `2ε/B` of the line's amplitude; the tracker holds ε near 2·10⁻⁵ Hz. An
/// estimate more than `restartHz` from the mean starts the mean again (the
/// first estimate is already within the noise, so the line is pulled in 3 s
/// after a start). When the frequency moves by more than half the null's
/// width, the line estimates start again as running means: the weights could
/// not hold a line that far off. A smaller move keeps them, since they are the
/// line as it is now, and a restart's running mean would take a wide band of
/// broadband power for a second. The harmonics follow as multiples of the same
/// phase.
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
    /// [vector][harmonic] cosine weights, then the same for sines.
    private let cosineWeights: UnsafeMutablePointer<DoubleVector>
    private let sineWeights: UnsafeMutablePointer<DoubleVector>
    /// Per vector, the input demodulated at the fundamental (x·cos, x·sin), in
    /// pairs: [0, 1] summed over the current second, [2, 3] the same weighted by
    /// the row's place in the second (0 → 1), [4, 5] that weighted sum over the
    /// second before, [6, 7] the last triangular window's sum; [8, 9] and
    /// [10, 11] the current second's sums 3 Hz below and above the nominal
    /// frequency; [12] the mean power of those two, averaged over seconds.
    private let demodulated: UnsafeMutablePointer<DoubleVector>
    private static let demodulatedSums = 13
    /// Offset of the two frequencies whose power measures the noise beside the line, in Hz.
    static let besideOffsetHz = 3.0
    /// Power ratio, line over the noise beside it, that a channel needs to steer: 13 dB.
    static let steeringRatio = 20.0
    /// Seconds over which the noise beside the line is averaged.
    static let noiseSeconds = 16
    /// Seconds demodulated since the reset (a turn needs two windows: three).
    private var secondsSinceReset = 0
    /// Phase of the nominal mains frequency, in cycles, in [0, 1).
    private var nominalPhase = 0.0
    /// Mean of the last `averagedEstimates` frequency estimates, in Hz.
    private var meanEstimateHz = 0.0
    private var averagedEstimates = 0
    /// Estimates averaged at most: the mean follows a drifting mains
    /// `averagedSeconds / 2` s late.
    static let averagedSeconds = 8
    /// An estimate this far from the mean restarts the mean, in Hz.
    static let restartHz = 0.01
    /// Per row of a segment: cos(h·θ), sin(h·θ) per harmonic, 2μ, the nominal
    /// frequency's cos and sin, the row's place in the second, then cos and sin
    /// 3 Hz below and 3 Hz above the nominal frequency.
    private let rowTerms: UnsafeMutablePointer<Double>
    private let termsPerRow: Int
    /// Rows cancelled per pass over the channels.
    static let segmentRows = 16
    private let floorStep: Double
    /// A channel steers the frequency when its line is above `steeringMicrovolts`:
    /// `|Σx·cos − i·Σx·sin|²` over a second above this.
    private let steeringPower: Double
    /// Smallest line amplitude that steers the frequency, in µV (a neural rhythm
    /// of 100 µV 1.01 Hz from the line leaks 1 µV into the second's average).
    static let steeringMicrovolts = 5.0
    /// Fundamental phase, in cycles, in [0, 1).
    private var phase = 0.0
    /// Phase of `besideOffsetHz`, in cycles, in [0, 1).
    private var besidePhase = 0.0
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
        termsPerRow = 2 * frequencies.count + 8
        rowTerms = .allocate(capacity: Self.segmentRows * termsPerRow)
        rowTerms.initialize(repeating: 0, count: Self.segmentRows * termsPerRow)
    }

    deinit {
        cosineWeights.deallocate()
        sineWeights.deallocate()
        demodulated.deallocate()
        rowTerms.deallocate()
    }

    /// Forgets the line estimates (after a gap); the tracked frequency is kept.
    func reset() {
        let count = max(1, harmonics * vectors)
        cosineWeights.update(repeating: DoubleVector(), count: count)
        sineWeights.update(repeating: DoubleVector(), count: count)
        demodulated.update(repeating: DoubleVector(), count: max(1, vectors) * Self.demodulatedSums)
        secondsSinceReset = 0
        averagedEstimates = 0
        nominalPhase = 0
        phase = 0
        besidePhase = 0
        rowsSinceReset = 0
        rowsSinceTracking = 0
    }

    /// Removes the line from `rows` LFP rows in place. Processing thread only.
    ///
    /// In segments of at most `segmentRows` rows that end at a frequency
    /// update: each channel vector runs through the whole segment while its
    /// weights stay in the L1 cache (row by row, all the weights, 16 vectors
    /// per channel vector, were read and written once per row).
    func process(_ data: UnsafeMutablePointer<Double>, rows: Int) {
        guard harmonics > 0 else { return }
        var done = 0
        while done < rows {
            let n = min(rows - done, Self.segmentRows, trackingRows - rowsSinceTracking)
            prepareRows(n)
            cancel(data + done * stride, rows: n)
            done += n
            if rowsSinceTracking == trackingRows { track() }
        }
    }

    /// Fills `rowTerms` for the next `n` rows and advances the phases:
    /// per row cos(hθ), sin(hθ) for each harmonic, then 2μ, the nominal
    /// frequency's cos and sin, the row's place in the second (for the
    /// triangular window), and cos and sin 3 Hz below and above the nominal.
    private func prepareRows(_ n: Int) {
        let h = harmonics
        for r in 0..<n {
            let t = rowTerms + r * termsPerRow
            // cos(hθ), sin(hθ) by rotation from the fundamental (exact to rounding).
            let theta = 2 * Double.pi * phase
            let c1 = cos(theta)
            let s1 = sin(theta)
            var c = c1
            var s = s1
            for k in 0..<h {
                t[2 * k] = c
                t[2 * k + 1] = s
                (c, s) = (c * c1 - s * s1, s * c1 + c * s1)
            }
            rowsSinceReset += 1
            t[2 * h] = 2 * max(floorStep, 1 / Double(rowsSinceReset + 2 * h))
            let nominalTheta = 2 * Double.pi * nominalPhase
            let cn = cos(nominalTheta)
            let sn = sin(nominalTheta)
            t[2 * h + 1] = cn
            t[2 * h + 2] = sn
            t[2 * h + 3] = (Double(rowsSinceTracking) + 0.5) / Double(trackingRows)
            let besideTheta = 2 * Double.pi * besidePhase
            let cb = cos(besideTheta)
            let sb = sin(besideTheta)
            t[2 * h + 4] = cn * cb + sn * sb
            t[2 * h + 5] = sn * cb - cn * sb
            t[2 * h + 6] = cn * cb - sn * sb
            t[2 * h + 7] = sn * cb + cn * sb
            phase += trackedFrequencyHz / rate
            phase -= phase.rounded(.down)
            nominalPhase += nominalHz / rate
            nominalPhase -= nominalPhase.rounded(.down)
            besidePhase += Self.besideOffsetHz / rate
            besidePhase -= besidePhase.rounded(.down)
            rowsSinceTracking += 1
        }
    }

    /// Subtracts the line from `n` prepared rows and updates the weights and
    /// the demodulated sums, one channel vector at a time.
    private func cancel(_ data: UnsafeMutablePointer<Double>, rows n: Int) {
        let h = harmonics
        let vectorBytes = MemoryLayout<DoubleVector>.stride
        for j in 0..<vectors {
            let cw = cosineWeights + j * h
            let sw = sineWeights + j * h
            let d = demodulated + j * Self.demodulatedSums
            // The noise beside the line, from the input before it is cancelled; a
            // pass of its own keeps the cancelling loop's accumulators in registers.
            var belowCos = d[8]
            var belowSin = d[9]
            var aboveCos = d[10]
            var aboveSin = d[11]
            for r in 0..<n {
                let t = rowTerms + r * termsPerRow
                let x = (UnsafeRawPointer(data + r * stride) + j * vectorBytes).loadUnaligned(as: DoubleVector.self)
                belowCos += x * t[2 * h + 4]
                belowSin += x * t[2 * h + 5]
                aboveCos += x * t[2 * h + 6]
                aboveSin += x * t[2 * h + 7]
            }
            d[8] = belowCos
            d[9] = belowSin
            d[10] = aboveCos
            d[11] = aboveSin
            var sumCos = d[0]
            var sumSin = d[1]
            var placedCos = d[2]
            var placedSin = d[3]
            for r in 0..<n {
                let t = rowTerms + r * termsPerRow
                let p = UnsafeMutableRawPointer(data + r * stride) + j * vectorBytes
                var x = p.loadUnaligned(as: DoubleVector.self)
                let xc = x * t[2 * h + 1]
                let xs = x * t[2 * h + 2]
                sumCos += xc
                sumSin += xs
                placedCos += t[2 * h + 3] * xc
                placedSin += t[2 * h + 3] * xs
                for k in 0..<h { x -= cw[k] * t[2 * k] + sw[k] * t[2 * k + 1] }
                p.storeBytes(of: x, as: DoubleVector.self)
                let g = t[2 * h] * x
                for k in 0..<h {
                    cw[k] += g * t[2 * k]
                    sw[k] += g * t[2 * k + 1]
                }
            }
            d[0] = sumCos
            d[1] = sumSin
            d[2] = placedCos
            d[3] = placedSin
        }
    }

    /// Moves the oscillator to the mean of the line's frequency estimates. The
    /// triangular window centred on the start of the second that just ended,
    /// `Σx·cos − i·Σx·sin` at the nominal frequency, rising over the second
    /// before and falling over this one, turns from the window 1 s before by
    /// the offset between the line and the nominal frequency.
    private func track() {
        var re = 0.0
        var im = 0.0
        let noiseGain = 1 / Double(min(secondsSinceReset + 1, Self.noiseSeconds))
        for j in 0..<vectors {
            let d = demodulated + j * Self.demodulatedSums
            let a = d[4] + d[0] - d[2]
            let b = d[5] + d[1] - d[3]
            // conj(a0 − i·b0) · (a − i·b), from channels that carry a line.
            let turn = d[6] * a + d[7] * b
            let cross = d[7] * a - d[6] * b
            let power = a * a + b * b
            let before = d[6] * d[6] + d[7] * d[7]
            let beside = 0.5 * (d[8] * d[8] + d[9] * d[9] + d[10] * d[10] + d[11] * d[11])
            d[12] += noiseGain * (beside - d[12])
            // The noise floor rises at once with this second's (a louder brain) and
            // falls over `noiseSeconds`. Noise sums to 2/3 as much power through the
            // triangular window (Σw² = 2N/3) as through a 1 s sum (N); a line to the
            // same power through both.
            let noiseFloor = pointwiseMax(d[12], beside) * (Self.steeringRatio * 2 / 3)
            for lane in 0..<DoubleVector.scalarCount
            where power[lane] > steeringPower && before[lane] > steeringPower
                && power[lane] > noiseFloor[lane] && before[lane] > noiseFloor[lane]
            {
                re += turn[lane]
                im += cross[lane]
            }
            d[4] = d[2]
            d[5] = d[3]
            d[6] = a
            d[7] = b
            d.update(repeating: DoubleVector(), count: 4)
            (d + 8).update(repeating: DoubleVector(), count: 4)
        }
        let seconds = Double(rowsSinceTracking) / rate
        rowsSinceTracking = 0
        secondsSinceReset += 1
        // Without a line nothing steers: a rhythm just off a whole number of Hz
        // from the line would alias onto a small offset.
        // A turn of more than a quarter cycle in a second is no mains line.
        guard secondsSinceReset >= 3, re > 0 else { return }
        let estimateHz = nominalHz + atan2(im, re) / (2 * Double.pi * seconds)
        if averagedEstimates == 0 || abs(estimateHz - meanEstimateHz) > Self.restartHz {
            averagedEstimates = 0
            meanEstimateHz = estimateHz
        }
        averagedEstimates = min(averagedEstimates + 1, Self.averagedSeconds)
        meanEstimateHz += (estimateHz - meanEstimateHz) / Double(averagedEstimates)
        let nominal = nominalHz
        let tracked = min(nominal + Self.maximumDeviationHz, max(nominal - Self.maximumDeviationHz, meanEstimateHz))
        // A new frequency far from the last (the pull-in, or a jump of the mains)
        // restarts the line estimates as running means: the weights lost the line.
        if abs(tracked - trackedFrequencyHz) > 0.5 * bandwidthHz { rowsSinceReset = 0 }
        trackedFrequencyHz = tracked
    }
}

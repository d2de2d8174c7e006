import Foundation
import KetaMapCore

/// Per raw channel figures for the status board, about `channelFiguresRateHz`
/// rows per second, computed on the recorded (monopolar) signal.
///
/// Periods are aligned to multiples of `periodFrames` sample indices. Over the
/// whole period: the raw integer range (flat when it spans at most one count)
/// and the converter limits (saturated). Over `measureFrames` frames taken every
/// `measureStride`-th frame from the period's start (about 0.1 s of samples
/// spread over a whole number of mains cycles): the mean-removed RMS in µV and
/// the share of its power at the mains frequency and harmonics (quadrature sums
/// against precomputed cosines and sines). Spreading the measured frames over
/// the period gives every block the same small share of the work (measuring the
/// first 0.1 s in a row made those blocks the slowest of the chain); the stride
/// keeps the highest harmonic below the strided frames' Nyquist frequency. Spike
/// rates come from the detector's counts.
final class ChannelFiguresStage {
    let channelCount: Int
    let periodFrames: Int
    let measureFrames: Int
    /// Frames of the period between two measured frames.
    let measureStride: Int
    let harmonicCount: Int
    private let microvoltsPerCount: [Float]
    private let offsetMicrovolts: Float
    private let sampleRateHz: Double
    /// Per harmonic, cos and sin at each measured frame: [harmonic][frame].
    private let cosines: UnsafeMutablePointer<Float>
    private let sines: UnsafeMutablePointer<Float>
    private let minimum: UnsafeMutablePointer<Int16>
    private let maximum: UnsafeMutablePointer<Int16>
    private let sum: UnsafeMutablePointer<Double>
    private let sumSquares: UnsafeMutablePointer<Double>
    /// Per [harmonic][channel]: in-phase and quadrature sums.
    private let inPhase: UnsafeMutablePointer<Double>
    private let quadrature: UnsafeMutablePointer<Double>
    /// Float partial sums of one block (sum, sum of squares, then in-phase and
    /// quadrature per harmonic), added into the Double totals after the block.
    private let partial: UnsafeMutablePointer<Float>
    /// One measured frame in µV.
    private let microvolts: UnsafeMutablePointer<Float>
    /// Per raw channel: the spike channels (indices into the detector) whose anode it is.
    private let spikeChannelsOfRaw: [[Int]]
    private var periodStart: UInt64 = 0
    private var measured = 0
    private var seen = 0

    init(format: SampleFormat, settings: ProcessingSettings, spikeAnodes: [Int]) {
        channelCount = format.channelCount
        sampleRateHz = format.sampleRateHz
        let fs = format.sampleRateHz
        periodFrames = max(1, Int((fs / settings.channelFiguresRateHz).rounded()))
        var measure = Int((0.1 * fs).rounded())
        var harmonics: [Double] = []
        if let f0 = settings.lineFrequencyHz {
            let cycles = max(1, (0.1 * f0).rounded())
            measure = Int((cycles * fs / f0).rounded())
            for h in 1...max(1, settings.lineHarmonics) where Double(h) * f0 < fs / 2 { harmonics.append(Double(h) * f0) }
        }
        let highestHz = harmonics.last ?? 0
        let stride = highestHz > 0 ? min(periodFrames / max(1, measure), Int(fs / (2.5 * highestHz))) : periodFrames / max(1, measure)
        measureStride = max(1, stride)
        measureFrames = min(measure, periodFrames / measureStride)
        harmonicCount = harmonics.count
        microvoltsPerCount = format.calibration.microvoltsPerCount.map { Float($0) }
        offsetMicrovolts = Float(format.calibration.offsetVolts * 1e6)
        cosines = .allocate(capacity: max(1, harmonicCount * measureFrames))
        sines = .allocate(capacity: max(1, harmonicCount * measureFrames))
        for (h, f) in harmonics.enumerated() {
            for n in 0..<measureFrames {
                let phase = 2 * Double.pi * f * Double(n * measureStride) / fs
                cosines[h * measureFrames + n] = Float(cos(phase))
                sines[h * measureFrames + n] = Float(sin(phase))
            }
        }
        minimum = .allocate(capacity: channelCount)
        maximum = .allocate(capacity: channelCount)
        sum = .allocate(capacity: channelCount)
        sumSquares = .allocate(capacity: channelCount)
        inPhase = .allocate(capacity: max(1, harmonicCount * channelCount))
        quadrature = .allocate(capacity: max(1, harmonicCount * channelCount))
        partial = .allocate(capacity: (2 + 2 * harmonicCount) * channelCount)
        microvolts = .allocate(capacity: max(1, channelCount))
        microvolts.initialize(repeating: 0, count: max(1, channelCount))
        var map = [[Int]](repeating: [], count: channelCount)
        for (j, anode) in spikeAnodes.enumerated() { map[anode].append(j) }
        spikeChannelsOfRaw = map
        clear()
    }

    deinit {
        cosines.deallocate()
        sines.deallocate()
        minimum.deallocate()
        maximum.deallocate()
        sum.deallocate()
        sumSquares.deallocate()
        inPhase.deallocate()
        quadrature.deallocate()
        partial.deallocate()
        microvolts.deallocate()
    }

    private func clear() {
        minimum.update(repeating: .max, count: channelCount)
        maximum.update(repeating: .min, count: channelCount)
        sum.update(repeating: 0, count: channelCount)
        sumSquares.update(repeating: 0, count: channelCount)
        inPhase.update(repeating: 0, count: max(1, harmonicCount * channelCount))
        quadrature.update(repeating: 0, count: max(1, harmonicCount * channelCount))
        measured = 0
        seen = 0
    }

    /// Starts a new (possibly short) period at `sample`, after a start or a gap.
    func reset(atSample sample: UInt64, eventCounts: UnsafeMutablePointer<Int>, spikeChannelCount: Int) {
        clear()
        periodStart = sample
        eventCounts.update(repeating: 0, count: max(1, spikeChannelCount))
    }

    /// Accumulates `frames` raw frames starting at `firstSample`; pushes a row at
    /// each period boundary. Processing thread only.
    func process(
        _ input: UnsafePointer<Int16>, frames: Int, firstSample: UInt64, eventCounts: UnsafeMutablePointer<Int>,
        ring: FeatureRing<ChannelFiguresHeader>
    ) {
        var done = 0
        while done < frames {
            let sample = firstSample + UInt64(done)
            let periodEnd = (periodStart / UInt64(periodFrames) + 1) * UInt64(periodFrames)
            let n = min(frames - done, Int(periodEnd - sample))
            accumulate(input + done * channelCount, frames: n)
            done += n
            if sample + UInt64(n) == periodEnd {
                emit(endSample: periodEnd, eventCounts: eventCounts, ring: ring)
                clear()
                periodStart = periodEnd
            }
        }
    }

    private func accumulate(_ input: UnsafePointer<Int16>, frames: Int) {
        let c = channelCount
        for f in 0..<frames {
            let row = input + f * c
            for i in 0..<c {
                minimum[i] = min(minimum[i], row[i])
                maximum[i] = max(maximum[i], row[i])
            }
        }
        // The measured frames of this block: period frames seen + f that are multiples of the stride.
        let stride = measureStride
        var f = (stride - seen % stride) % stride
        let toMeasure = f < frames ? min((frames - 1 - f) / stride + 1, measureFrames - measured) : 0
        guard toMeasure > 0 else {
            seen += frames
            return
        }
        let offset = offsetMicrovolts
        let h = harmonicCount
        partial.update(repeating: 0, count: (2 + 2 * h) * c)
        let ps = partial
        let pss = partial + c
        let v = microvolts
        microvoltsPerCount.withUnsafeBufferPointer { gain in
            for k in 0..<toMeasure {
                let row = input + f * c
                // Converted once per frame, then read by every harmonic.
                for i in 0..<c {
                    v[i] = Float(row[i]) * gain[i] + offset
                    ps[i] += v[i]
                    pss[i] += v[i] * v[i]
                }
                for harmonic in 0..<h {
                    let cs = cosines[harmonic * measureFrames + measured + k]
                    let sn = sines[harmonic * measureFrames + measured + k]
                    let re = partial + (2 + 2 * harmonic) * c
                    let im = re + c
                    for i in 0..<c {
                        re[i] += v[i] * cs
                        im[i] += v[i] * sn
                    }
                }
                f += stride
            }
        }
        for i in 0..<c {
            sum[i] += Double(ps[i])
            sumSquares[i] += Double(pss[i])
        }
        for k in 0..<h {
            let re = partial + (2 + 2 * k) * c
            let im = re + c
            for i in 0..<c {
                inPhase[k * c + i] += Double(re[i])
                quadrature[k * c + i] += Double(im[i])
            }
        }
        measured += toMeasure
        seen += frames
    }

    private func emit(endSample: UInt64, eventCounts: UnsafeMutablePointer<Int>, ring: FeatureRing<ChannelFiguresHeader>) {
        let c = channelCount
        let width = ChannelFigure.allCases.count
        let m = Double(max(1, measured))
        let seconds = Double(seen) / sampleRateHz
        ring.push(ChannelFiguresHeader(firstSample: periodStart, endSample: endSample)) { out in
            for i in 0..<c {
                let mean = sum[i] / m
                let variance = max(0, sumSquares[i] / m - mean * mean)
                var line = 0.0
                for h in 0..<harmonicCount {
                    let re = inPhase[h * c + i]
                    let im = quadrature[h * c + i]
                    line += 2 * (re * re + im * im) / (m * m)
                }
                let row = out.baseAddress! + i * width
                row[ChannelFigure.rmsMicrovolts.rawValue] = Float(variance.squareRoot())
                row[ChannelFigure.lineNoiseShare.rawValue] =
                    harmonicCount == 0 ? .nan : Float(variance > 0 ? min(1, line / variance) : 0)
                row[ChannelFigure.flat.rawValue] = Int(maximum[i]) - Int(minimum[i]) <= 1 ? 1 : 0
                row[ChannelFigure.saturated.rawValue] = minimum[i] == .min || maximum[i] == .max ? 1 : 0
                let spikeChannels = spikeChannelsOfRaw[i]
                if spikeChannels.isEmpty {
                    row[ChannelFigure.spikeRatePerSecond.rawValue] = .nan
                } else {
                    var count = 0
                    for j in spikeChannels { count += eventCounts[j] }
                    row[ChannelFigure.spikeRatePerSecond.rawValue] = Float(Double(count) / max(seconds, 1e-9))
                }
            }
        }
        for i in 0..<c { for j in spikeChannelsOfRaw[i] { eventCounts[j] = 0 } }
    }
}

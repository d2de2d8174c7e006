/// LFP: causal anti-alias filtering and decimation by `factor`, keeping the
/// samples at indices that are multiples of `factor` (LFP row `k` is sample `k × factor`).
///
/// Two stages, so that almost nothing runs at the full rate:
/// 1. A triangular FIR (a second-order CIC: two boxcars of `firstFactor`
///    samples, `2·firstFactor − 1` taps, weights summing to 1), evaluated only
///    at every `firstFactor`-th sample. Each input frame adds into the two
///    outputs it belongs to: two multiply-adds per sample, no history.
///    Its nulls sit on the multiples of the intermediate rate, exactly where
///    the frequencies that would fold onto the LFP band are (≥ 42 dB down at
///    ±0.4 × LFP rate around them, ≥ 60 dB at ±150 Hz for 30 kHz → 5 kHz).
///    Passband droop: −0.15 % amplitude at 110 Hz, −0.3 % at 150 Hz.
/// 2. A Butterworth low-pass of `order` at `cutoffHz` (default 0.4 × LFP rate,
///    order 6) at the intermediate rate, in `Float`, then every
///    `factor / firstFactor`-th sample, converted to `Double` for the slow stages.
///
/// scipy equivalent: `lfilter(triangle, 1, x)[::D1]`, then
/// `sosfilt(butter(order, cutoff, fs=fs/D1), ·)[::D/D1]`.
final class Decimator {
    let factor: Int
    /// Decimation of stage 1 (1 when there is no stage 1).
    let firstFactor: Int
    let stride: Int
    /// Stage-1 weights, `2·firstFactor − 1` taps (index = delay in samples).
    let triangle: [Float]
    private let cascade: BiquadCascade<FloatVector>
    /// Stage-1 accumulators: the output being completed, then the next one.
    private let current: UnsafeMutablePointer<Float>
    private let next: UnsafeMutablePointer<Float>
    /// Intermediate-rate rows of one block.
    private let intermediate: UnsafeMutablePointer<Float>
    private let maxIntermediateRows: Int

    init(sampleRateHz: Double, factor: Int, cutoffHz: Double, order: Int, stride: Int, maxBlockFrames: Int)
        throws(FilterDesign.DesignError)
    {
        self.factor = factor
        self.stride = stride
        // Largest divisor of `factor` that keeps the intermediate rate ≥ 4 × the LFP rate.
        var d1 = 1
        if factor >= 4 { for d in 1...(factor / 4) where factor % d == 0 { d1 = d } }
        firstFactor = d1
        let taps = 2 * d1 - 1
        triangle = (0..<taps).map { j in Float(d1 - abs(j - (d1 - 1))) / Float(d1 * d1) }
        let sections = try FilterDesign.butterworth(
            order: order, .lowPass(cutoffHz: cutoffHz), sampleRateHz: sampleRateHz / Double(d1))
        cascade = BiquadCascade(sections: sections, stride: stride)
        current = .allocate(capacity: stride)
        next = .allocate(capacity: stride)
        current.initialize(repeating: 0, count: stride)
        next.initialize(repeating: 0, count: stride)
        maxIntermediateRows = maxBlockFrames / d1 + 1
        intermediate = .allocate(capacity: maxIntermediateRows * stride)
        intermediate.initialize(repeating: 0, count: maxIntermediateRows * stride)
    }

    deinit {
        current.deallocate()
        next.deallocate()
        intermediate.deallocate()
    }

    func reset() {
        cascade.reset()
        current.update(repeating: 0, count: stride)
        next.update(repeating: 0, count: stride)
    }

    /// Consumes `frames` rows of `data` (full rate, first row = sample `firstSample`)
    /// and writes the LFP rows they complete into `output` (same stride). Returns
    /// how many rows were written and the LFP row index of the first.
    func process(
        _ data: UnsafeMutablePointer<Float>, frames: Int, firstSample: UInt64, into output: UnsafeMutablePointer<Double>
    ) -> (rows: Int, firstRow: UInt64) {
        let d1 = UInt64(firstFactor)
        let n = stride
        // Stage 1: sample s adds to the output at the next multiple of d1 (delay j0 = that − s)
        // and to the one after (delay j0 + d1), when those delays are inside the triangle.
        var rows1 = 0
        let firstIntermediate = (firstSample + d1 - 1) / d1
        if firstFactor == 1 {
            intermediate.update(from: data, count: frames * n)
            rows1 = frames
        } else {
            for f in 0..<frames {
                let s = firstSample + UInt64(f)
                let j0 = Int((d1 - s % d1) % d1)
                let w0 = triangle[j0]
                let w1 = j0 + firstFactor < triangle.count ? triangle[j0 + firstFactor] : 0
                let x = data + f * n
                let cur = current
                let nxt = next
                for i in 0..<n {
                    cur[i] += w0 * x[i]
                    nxt[i] += w1 * x[i]
                }
                if j0 == 0 {
                    // `current` is complete: hand it on, and start the next pair.
                    let dst = intermediate + rows1 * n
                    for i in 0..<n {
                        dst[i] = cur[i]
                        cur[i] = nxt[i]
                        nxt[i] = 0
                    }
                    rows1 += 1
                }
            }
        }
        guard rows1 > 0 else { return (0, (firstSample + UInt64(factor) - 1) / UInt64(factor)) }
        // Stage 2 at the intermediate rate.
        cascade.process(intermediate, frames: rows1)
        let d2 = UInt64(factor / firstFactor)
        let firstPick = (firstIntermediate + d2 - 1) / d2 * d2
        var rows = 0
        var k = firstPick
        while k < firstIntermediate + UInt64(rows1) {
            let src = intermediate + Int(k - firstIntermediate) * n
            let dst = output + rows * n
            for i in 0..<n { dst[i] = Double(src[i]) }
            rows += 1
            k += d2
        }
        return (rows, firstPick / d2)
    }
}

/// LFP stage 1: causal anti-alias low-pass at the full rate, then every
/// `factor`-th sample (sample indices that are multiples of `factor`).
///
/// Parameters: Butterworth low-pass of `order` at `cutoffHz` (default
/// 0.4 × LFP rate, order 6: > 38 dB at the frequencies that fold into
/// 0–150 Hz at 1 kHz), run in `Float`; the picked rows become `Double` for the
/// slow stages that follow.
final class Decimator {
    let factor: Int
    let stride: Int
    private let cascade: BiquadCascade<FloatVector>

    init(sampleRateHz: Double, factor: Int, cutoffHz: Double, order: Int, stride: Int) throws(FilterDesign.DesignError) {
        self.factor = factor
        self.stride = stride
        let sections = try FilterDesign.butterworth(order: order, .lowPass(cutoffHz: cutoffHz), sampleRateHz: sampleRateHz)
        cascade = BiquadCascade(sections: sections, stride: stride)
    }

    func reset() { cascade.reset() }

    /// Filters `frames` rows of `data` in place (they are consumed) and copies
    /// the decimated rows into `output` (same stride). Returns how many rows
    /// were written and the LFP row index of the first.
    func process(
        _ data: UnsafeMutablePointer<Float>, frames: Int, firstSample: UInt64, into output: UnsafeMutablePointer<Double>
    ) -> (rows: Int, firstRow: UInt64) {
        cascade.process(data, frames: frames)
        let f = UInt64(factor)
        let firstPick = (firstSample + f - 1) / f * f
        var rows = 0
        var sample = firstPick
        while sample < firstSample + UInt64(frames) {
            let src = data + Int(sample - firstSample) * stride
            let dst = output + rows * stride
            for i in 0..<stride { dst[i] = Double(src[i]) }
            rows += 1
            sample += f
        }
        return (rows, firstPick / f)
    }
}

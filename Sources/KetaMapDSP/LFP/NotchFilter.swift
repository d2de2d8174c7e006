/// Line-noise removal: a notch (scipy `iirnotch`) at the mains frequency and
/// each harmonic below the LFP Nyquist, run in `Double` at the LFP rate.
///
/// It runs after decimation: the anti-alias low-pass already removes the
/// harmonics above the LFP band, and the spike band (≥ 300 Hz) is not notched.
final class NotchFilter {
    /// Notched frequencies, in Hz.
    let frequenciesHz: [Double]
    private let cascade: BiquadCascade<DoubleVector>

    init(lineFrequencyHz: Double?, harmonics: Int, q: Double, sampleRateHz: Double, stride: Int)
        throws(FilterDesign.DesignError)
    {
        var sections: [SecondOrderSection] = []
        var frequencies: [Double] = []
        if let f0 = lineFrequencyHz, harmonics > 0 {
            for h in 1...harmonics where Double(h) * f0 < sampleRateHz / 2 {
                frequencies.append(Double(h) * f0)
                sections.append(try FilterDesign.notch(frequencyHz: Double(h) * f0, q: q, sampleRateHz: sampleRateHz))
            }
        }
        frequenciesHz = frequencies
        cascade = BiquadCascade(sections: sections, stride: stride)
    }

    func reset() { cascade.reset() }

    /// Filters `rows` rows in place. Processing thread only.
    func process(_ data: UnsafeMutablePointer<Double>, rows: Int) {
        if cascade.sectionCount > 0 { cascade.process(data, frames: rows) }
    }
}

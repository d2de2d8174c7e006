/// Band power of one channel, measured the plain way: Hann-windowed DFT bins
/// (Goertzel) of 1-second windows, summed over the band, averaged over windows.
enum Spectrum {
    /// One channel of interleaved samples, in µV, averaged down by `factor` (boxcar).
    static func channel(_ samples: [Int16], channel: Int, channels: Int, microvoltsPerCount: Double, frames: Range<Int>, factor: Int) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(frames.count / factor)
        var frame = frames.lowerBound
        while frame + factor <= frames.upperBound {
            var sum = 0.0
            for f in frame..<(frame + factor) { sum += Double(samples[f * channels + channel]) }
            out.append(sum / Double(factor) * microvoltsPerCount)
            frame += factor
        }
        return out
    }

    /// Mean power (µV², arbitrary scale shared by all calls) in `[lowHz, highHz)` at integer-Hz bins,
    /// leaving out bins within 2 Hz of `excluding` (mains), over consecutive 1-s windows of `signal` at `rateHz`.
    static func bandPower(_ signal: [Double], rateHz: Double, lowHz: Int, highHz: Int, excluding: [Double] = []) -> Double {
        binPowers(signal, rateHz: rateHz, lowHz: Double(lowHz), highHz: Double(highHz), excluding: excluding).reduce(0) { $0 + $1.power }
    }

    /// Mean power of each bin (µV², the scale of `bandPower`) at the multiples of
    /// 1 / `windowSeconds` in `[lowHz, highHz)`, leaving out bins within 2 Hz of
    /// `excluding`, over consecutive windows of `windowSeconds` of `signal` at `rateHz`.
    static func binPowers(
        _ signal: [Double], rateHz: Double, lowHz: Double, highHz: Double, windowSeconds: Double = 1, excluding: [Double] = []
    ) -> [(hz: Double, power: Double)] {
        let window = Int(rateHz * windowSeconds)
        let bins = Int((lowHz * windowSeconds).rounded(.up))..<Int((highHz * windowSeconds).rounded(.up))
        var totals = [Double](repeating: 0, count: bins.count)
        var windows = 0
        var start = 0
        let hann = (0..<window).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(window)) }
        while start + window <= signal.count {
            let mean = signal[start..<(start + window)].reduce(0, +) / Double(window)
            for (i, bin) in bins.enumerated() where !excluding.contains(where: { abs(Double(bin) / windowSeconds - $0) <= 2 }) {
                let w = 2 * Double.pi * Double(bin) / Double(window)
                let coefficient = 2 * cos(w)
                var s1 = 0.0, s2 = 0.0
                for n in 0..<window {
                    let s = (signal[start + n] - mean) * hann[n] + coefficient * s1 - s2
                    s2 = s1
                    s1 = s
                }
                totals[i] += s1 * s1 + s2 * s2 - coefficient * s1 * s2
            }
            windows += 1
            start += window
        }
        return bins.enumerated().map { (hz: Double($0.element) / windowSeconds, power: totals[$0.offset] / Double(max(1, windows))) }
    }
}

#if canImport(Glibc)
import Glibc
#endif

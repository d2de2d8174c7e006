#if canImport(Glibc)
import Glibc
#endif

/// Band power from the spectrum, for the report: Welch's method on the stored
/// LFP. Each segment of `segmentRows` samples (a power of two, ≥ 8 s) is
/// windowed by a Hann window, transformed, and its one-sided periodogram summed
/// over the bins whose frequency lies in `[lowHz, highHz)`: the band's edges are
/// sharp to the Hann kernel's ±2 bins (±0.25 Hz), with no filter skirt, so a
/// rhythm beside a band or a change in the next band stays out of it. Segments
/// overlap by half (`hopRows`); for a band many bins wide the variance of the
/// mean over a range depends on its length and the band's width, not on the
/// segment length.
///
/// ```
///   P_band = Σ_{k: lowHz ≤ k·fs/N < highHz} 2·|X_k|² / (N · Σ w²)      (µV², a sine of amplitude A reads A²/2)
/// ```
/// The real-time band-power rows (`BandPowerStage`) stay what the status and
/// the live time courses show; the report's numbers are these.
public final class SpectralBandPower {
    /// Samples per segment and between segment starts.
    public let segmentRows: Int
    public let hopRows: Int
    public let bandCount: Int
    private let transform: FourierTransform
    /// Per band: the bins summed.
    private let bandBins: [Range<Int>]
    private let window: [Double]
    /// Σ w² over the whole window.
    private let weight: Double
    private let real: UnsafeMutablePointer<Double>
    private let imaginary: UnsafeMutablePointer<Double>

    /// Samples per segment at `lfpRateHz`: the smallest power of two of ≥ 8 s, halved
    /// (down to 16) until `shortestRangeSeconds` (the shorter of a report's baseline
    /// and window) holds three segments, so that a short range still has rows.
    public static func segmentRows(lfpRateHz: Double, shortestRangeSeconds: Double = .infinity) -> Int {
        var size = 16
        while Double(size) < 8 * lfpRateHz { size *= 2 }
        while size > 16 && 3 * Double(size) / lfpRateHz > shortestRangeSeconds { size /= 2 }
        return size
    }

    /// Segments of `segmentRows` samples (a power of two ≥ 16) at `lfpRateHz`, for `bands` (Hz).
    public init(bands: [(lowHz: Double, highHz: Double)], lfpRateHz: Double, segmentRows size: Int) {
        precondition(size >= 16 && size & (size - 1) == 0, "a segment is a power of two of at least 16 samples")
        segmentRows = size
        hopRows = size / 2
        bandCount = bands.count
        transform = FourierTransform(size: size)
        let binHz = lfpRateHz / Double(size)
        bandBins = bands.map { band in
            let low = max(1, Int((band.lowHz / binHz).rounded(.up)))
            let high = min(size / 2, Int((band.highHz / binHz).rounded(.up)))
            return low..<max(low, high)
        }
        window = (0..<size).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(size)) }
        weight = window.reduce(0) { $0 + $1 * $1 }
        real = .allocate(capacity: size)
        imaginary = .allocate(capacity: size)
    }

    deinit {
        real.deallocate()
        imaginary.deallocate()
    }

    /// Band power of one segment of two channels at once (one complex transform,
    /// `a` in the real part and `b` in the imaginary part): `segment` holds
    /// `segmentRows` rows of `stride` values; `a` and `b` (nil: none) are columns.
    /// Writes `bandCount` values per channel to `outA` and `outB`, in µV².
    ///
    /// Samples that are NaN (LFP rows that processing skipped) count as 0, and the
    /// channel's power is scaled by the window weight (Σ w²) of its valid samples
    /// instead of the whole window's; with less than half of it valid, NaN.
    public func power(
        _ segment: UnsafePointer<Float>, stride: Int, a: Int, b: Int?, outA: UnsafeMutablePointer<Double>, outB: UnsafeMutablePointer<Double>
    ) {
        let n = segmentRows
        var weightA = 0.0, weightB = 0.0
        for i in 0..<n {
            let w = window[i], x = Double(segment[i * stride + a])
            if x.isNaN { real[i] = 0 } else { real[i] = x * w; weightA += w * w }
            if let b {
                let y = Double(segment[i * stride + b])
                if y.isNaN { imaginary[i] = 0 } else { imaginary[i] = y * w; weightB += w * w }
            } else {
                imaginary[i] = 0
            }
        }
        transform.forward(real: real, imaginary: imaginary)
        let half = weight / 2
        let scaleA = weightA >= half ? 2 / (Double(n) * weightA) : .nan
        let scaleB = weightB >= half ? 2 / (Double(n) * weightB) : .nan
        // Z = X_a + i·X_b for real a, b: X_a[k] = (Z[k] + Z̄[N−k]) / 2, X_b[k] = (Z[k] − Z̄[N−k]) / 2i.
        for (band, bins) in bandBins.enumerated() {
            var sumA = 0.0, sumB = 0.0
            for k in bins {
                let zr = real[k], zi = imaginary[k], wr = real[n - k], wi = imaginary[n - k]
                let ar = (zr + wr) / 2, ai = (zi - wi) / 2
                let br = (zi + wi) / 2, bi = (wr - zr) / 2
                sumA += ar * ar + ai * ai
                sumB += br * br + bi * bi
            }
            outA[band] = sumA * scaleA
            outB[band] = b == nil ? 0 : sumB * scaleB
        }
    }
}

import Foundation
import KetaMapCore

/// Band power per processed channel and band, from the notched LFP, in µV².
///
/// For each band: Butterworth band-pass (order `bandFilterOrder` per edge, in
/// `Double` at the LFP rate), squared, then averaged over a window of
/// `T = max(1 s, 3 cycles of the band's low edge)`. The average is a weighted
/// mean square: two cascaded exponential averages of time constant `T/4`
/// each, whose weights sum to 1 and have the same centre of mass (`T/2` ago)
/// as a `T`-long rectangle. A plain rectangle leaves a ripple at twice the
/// signal frequency (up to 2.3 % for a sine at theta's centre over 1 s); this
/// window damps it below 0.4 % so that a sine reads within 1 % at any moment.
///
/// A row is emitted every `rowsPerEstimate` LFP rows (at `bandPowerRateHz`).
/// dB for display: `10·log10(P / 1 µV²)`.
final class BandPowerStage {
    let bandCount: Int
    let channelCount: Int
    let stride: Int
    /// LFP rows per band-power row.
    let rowsPerEstimate: Int
    /// Averaging window per band, in seconds.
    let windowSeconds: [Double]
    private let filters: [BiquadCascade<DoubleVector>]
    /// Per band: the band-filtered copy of the block's LFP rows.
    private let filtered: UnsafeMutablePointer<Double>
    private let maxRows: Int
    /// Per band: the two exponential averages, `stride` each.
    private let first: UnsafeMutablePointer<Double>
    private let second: UnsafeMutablePointer<Double>
    private let alpha: [Double]

    init(
        bands: [ProcessingSettings.Band], order: Int, lfpRateHz: Double, rowsPerEstimate: Int, channelCount: Int,
        stride: Int, maxRows: Int
    ) throws(FilterDesign.DesignError) {
        bandCount = bands.count
        self.channelCount = channelCount
        self.stride = stride
        self.rowsPerEstimate = rowsPerEstimate
        self.maxRows = maxRows
        var filters: [BiquadCascade<DoubleVector>] = []
        var windows: [Double] = []
        var alpha: [Double] = []
        for band in bands {
            let sections = try FilterDesign.butterworth(
                order: order, .bandPass(lowHz: band.lowHz, highHz: band.highHz), sampleRateHz: lfpRateHz)
            filters.append(BiquadCascade(sections: sections, stride: stride))
            let window = band.powerWindowSeconds
            windows.append(window)
            alpha.append(1 - exp(-1 / (window / 4 * lfpRateHz)))
        }
        self.filters = filters
        windowSeconds = windows
        self.alpha = alpha
        filtered = .allocate(capacity: max(1, bands.count * maxRows * stride))
        first = .allocate(capacity: max(1, bands.count * stride))
        second = .allocate(capacity: max(1, bands.count * stride))
        first.initialize(repeating: 0, count: max(1, bands.count * stride))
        second.initialize(repeating: 0, count: max(1, bands.count * stride))
    }

    deinit {
        filtered.deallocate()
        first.deallocate()
        second.deallocate()
    }

    /// The running estimate of `band` on processed channel `channel`, in µV²:
    /// what the next row will hold. Processing thread only.
    func current(channel: Int, band: Int) -> Double { second[band * stride + channel] }

    func reset() {
        for f in filters { f.reset() }
        first.update(repeating: 0, count: max(1, bandCount * stride))
        second.update(repeating: 0, count: max(1, bandCount * stride))
    }

    /// Consumes `rows` notched LFP rows (LFP row index `firstRow` first) and
    /// pushes a `[channel][band]` row to `ring` at each multiple of `rowsPerEstimate`.
    func process(
        _ lfp: UnsafePointer<Double>, rows: Int, firstRow: UInt64, ring: FeatureRing<BandPowerRowHeader>
    ) {
        precondition(rows <= maxRows)
        guard rows > 0, bandCount > 0 else { return }
        for b in 0..<bandCount {
            filters[b].process(from: lfp, stride: stride, into: filtered + b * maxRows * stride, frames: rows)
        }
        let n = channelCount
        for r in 0..<rows {
            for b in 0..<bandCount {
                let x = filtered + (b * maxRows + r) * stride
                let s1 = first + b * stride
                let s2 = second + b * stride
                let a = alpha[b]
                for i in 0..<n {
                    let v = x[i]
                    s1[i] += a * (v * v - s1[i])
                    s2[i] += a * (s1[i] - s2[i])
                }
            }
            let row = firstRow + UInt64(r)
            if row % UInt64(rowsPerEstimate) == 0 {
                let bands = bandCount
                let second = second
                let stride = stride
                ring.push(BandPowerRowHeader(row: row / UInt64(rowsPerEstimate))) { out in
                    for b in 0..<bands {
                        let s2 = second + b * stride
                        for i in 0..<n { out[i * bands + b] = Float(s2[i]) }
                    }
                }
            }
        }
    }
}

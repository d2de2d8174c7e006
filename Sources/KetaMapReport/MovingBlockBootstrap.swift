/// Resampled means of several series that share one time axis, by the
/// moving-block bootstrap (Künsch 1989): each replicate strings together
/// randomly placed blocks of `blockRows` consecutive rows, so that the
/// autocorrelation of band power within a block survives resampling. Every
/// series of one replicate uses the same blocks, so correlation between
/// channels (and bands) survives too.
///
/// ```
///   rows   |b0 ........ baseline ........ b1|   |w0 ....... window ....... w1|
///   blocks   [==][==][==][==]  (starts drawn uniformly in [b0, b1 − L])
///   mean*  = Σ block sums / (blocks × L)       (from prefix sums: O(rows / L) per series)
/// ```
struct MovingBlockBootstrap {
    /// Series side by side: `values[row * width + series]`.
    let width: Int
    /// Rows per block.
    let blockRows: Int
    /// `prefix[(row − first) * width + series]` = sum of rows `first ..< row`.
    private let prefix: [Double]
    private let first: Int

    /// Prefix sums of rows `rows` of `values` (row-major, `width` series per row).
    init(values: UnsafeBufferPointer<Double>, width: Int, rows: Range<Int>, blockRows: Int) {
        self.width = width
        self.blockRows = max(1, blockRows)
        first = rows.lowerBound
        var prefix = [Double](repeating: 0, count: (rows.count + 1) * width)
        prefix.withUnsafeMutableBufferPointer { p in
            for (k, row) in rows.enumerated() {
                for s in 0..<width { p[(k + 1) * width + s] = p[k * width + s] + values[row * width + s] }
            }
        }
        self.prefix = prefix
    }

    /// One replicate's means of every series over `rows`, into `output`
    /// (`width` values); blocks longer than the range shrink to it.
    func resampledMean<G: RandomNumberGenerator>(_ rows: Range<Int>, using generator: inout G, into output: UnsafeMutableBufferPointer<Double>) {
        let length = min(blockRows, rows.count)
        let blocks = (rows.count + length - 1) / length
        let starts = rows.count - length + 1
        for s in 0..<width { output[s] = 0 }
        prefix.withUnsafeBufferPointer { p in
            for _ in 0..<blocks {
                let start = rows.lowerBound - first + Int.random(in: 0..<starts, using: &generator)
                let a = start * width, b = (start + length) * width
                for s in 0..<width { output[s] += p[b + s] - p[a + s] }
            }
        }
        let count = Double(blocks * length)
        for s in 0..<width { output[s] /= count }
    }
}

/// How many independent samples a correlated series is worth.
enum EffectiveSampleSize {
    /// The integrated autocorrelation time τ = 1 + 2 Σ ρ(k), in rows, with
    /// Sokal's automatic window (stop at the first M ≥ 5 τ(M)); 1 for white noise.
    static func autocorrelationTime(_ series: [Double]) -> Double {
        let n = series.count
        guard n >= 4 else { return 1 }
        let mean = series.reduce(0, +) / Double(n)
        let centred = series.map { $0 - mean }
        let variance = centred.reduce(0) { $0 + $1 * $1 } / Double(n)
        guard variance > 0 else { return 1 }
        var tau = 1.0
        for lag in 1..<(n / 2) {
            var sum = 0.0
            for i in 0..<(n - lag) { sum += centred[i] * centred[i + lag] }
            tau += 2 * sum / (Double(n) * variance)
            if Double(lag) >= 5 * tau { break }
        }
        return max(1, tau)
    }

    /// `n / τ`: the number of rows the series is worth.
    static func effectiveSamples(_ series: [Double]) -> Double {
        Double(series.count) / autocorrelationTime(series)
    }
}

extension Array where Element == Double {
    /// The `q`-quantile (0…1) of the values, by linear interpolation between order statistics; NaN when empty.
    func quantile(_ q: Double) -> Double {
        let values = filter { !$0.isNaN }.sorted()
        guard !values.isEmpty else { return .nan }
        let position = q * Double(values.count - 1)
        let low = Int(position.rounded(.down)), high = Swift.min(values.count - 1, low + 1)
        return values[low] + (values[high] - values[low]) * (position - Double(low))
    }
}

import Foundation
import KetaMapCore

/// A 95 % interval and whether it excludes 0 (the change is significant).
public struct ChangeInterval: Sendable, Codable, Equatable {
    public var low: Double
    public var high: Double
    /// The interval lies wholly above or wholly below 0.
    public var excludesZero: Bool

    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
        excludesZero = low > 0 || high < 0
    }

    /// Percentile interval of bootstrap replicates, widened about their median by `widening`.
    init(replicates: [Double], confidence: Double = RegionUncertainty.confidence, widening: Double = 1) {
        let median = replicates.quantile(0.5)
        let low = replicates.quantile((1 - confidence) / 2), high = replicates.quantile((1 + confidence) / 2)
        self.init(low: median - widening * (median - low), high: median + widening * (high - median))
    }

    static let unknown = ChangeInterval(low: .nan, high: .nan)

    enum CodingKeys: String, CodingKey { case low, high, excludesZero }

    /// An unknown bound is `null` in JSON.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeFiniteOrNull(low, forKey: .low)
        try container.encodeFiniteOrNull(high, forKey: .high)
        try container.encode(excludesZero, forKey: .excludesZero)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        low = try container.decodeFiniteOrNull(Double.self, forKey: .low)
        high = try container.decodeFiniteOrNull(Double.self, forKey: .high)
        excludesZero = try container.decode(Bool.self, forKey: .excludesZero)
    }
}

/// How many independent band-power rows the baseline and the window are worth.
public struct EffectiveSamples: Sendable, Codable, Equatable {
    public var baseline: Double
    public var window: Double
}

/// The uncertainty of one region's changes, by a two-stage moving-block
/// bootstrap: each replicate draws the region's channels with replacement
/// (the region is a sample of contacts) and resamples time in blocks longer
/// than the band power's autocorrelation, the same blocks for every channel
/// (so their correlation is kept). The interval is the 2.5–97.5 % percentile
/// range of 10·log10(window / baseline) over the replicates, widened for the
/// number of blocks the shorter range holds (`widening`).
struct RegionUncertainty {
    static let replicates = 1000
    static let confidence = 0.95

    var bandIntervals: [ChangeInterval]
    var effectiveSamples: [EffectiveSamples]
    /// Length of the resampled blocks, in seconds.
    var blockSeconds: Double
    var spikeRateChangeInterval: ChangeInterval?

    /// `members`: the region's processed channels; `spikeMembers` those with spike
    /// detection; `baseline` and `window` are band-power rows.
    init(input: ReportInput, members: [Int], spikeMembers: [Int], baseline: Range<Int>, window: Range<Int>, seed: UInt64) {
        let bands = input.timeline.bands.count
        let width = members.count * bands
        let span = baseline.lowerBound..<window.upperBound
        // The region's rows as Double, [row][member][band], rows of `span` only.
        var values = [Double](repeating: 0, count: span.count * width)
        for (k, row) in span.enumerated() {
            for (m, channel) in members.enumerated() {
                for b in 0..<bands { values[k * width + m * bands + b] = Double(input.power[(row * input.channels.count + channel) * bands + b]) }
            }
        }
        let local = { (rows: Range<Int>) in (rows.lowerBound - span.lowerBound)..<(rows.upperBound - span.lowerBound) }
        let (base, win) = (local(baseline), local(window))

        // Block length: twice the longest autocorrelation time τ of the region's mean power. τ is at
        // least the longest band-power window (the average spans it), so blocks stay long enough where
        // a short range underestimates τ.
        func regionMean(_ rows: Range<Int>, band: Int) -> [Double] {
            rows.map { row in (0..<members.count).reduce(0) { $0 + values[row * width + $1 * bands + band] } }
        }
        var longest = (input.timeline.bands.map(\.powerWindowSeconds).max() ?? 1) * input.timeline.bandPowerRateHz
        effectiveSamples = (0..<bands).map { band in
            let tauBaseline = EffectiveSampleSize.autocorrelationTime(regionMean(base, band: band))
            let tauWindow = EffectiveSampleSize.autocorrelationTime(regionMean(win, band: band))
            longest = max(longest, tauBaseline, tauWindow)
            return EffectiveSamples(baseline: Double(base.count) / tauBaseline, window: Double(win.count) / tauWindow)
        }
        let blockRows = Int((2 * longest).rounded(.up))
        blockSeconds = Double(min(blockRows, base.count, win.count)) / input.timeline.bandPowerRateHz

        var generator = SplitMix64(seed: seed)
        var replicates = [[Double]](repeating: [], count: bands)
        values.withUnsafeBufferPointer { buffer in
            let bootstrap = MovingBlockBootstrap(values: buffer, width: width, rows: 0..<span.count, blockRows: blockRows)
            var before = [Double](repeating: 0, count: width), after = before
            for _ in 0..<Self.replicates {
                before.withUnsafeMutableBufferPointer { bootstrap.resampledMean(base, using: &generator, into: $0) }
                after.withUnsafeMutableBufferPointer { bootstrap.resampledMean(win, using: &generator, into: $0) }
                let drawn = members.indices.map { _ in Int.random(in: 0..<members.count, using: &generator) }
                for band in 0..<bands {
                    var sum = 0.0, count = 0
                    for m in drawn {
                        let b = before[m * bands + band], a = after[m * bands + band]
                        if b > 0 && a > 0 { sum += 10 * log10(a / b); count += 1 }
                    }
                    replicates[band].append(count > 0 ? sum / Double(count) : .nan)
                }
            }
        }
        bandIntervals = replicates.map { ChangeInterval(replicates: $0, widening: Self.widening(rows: min(base.count, win.count), blockRows: blockRows)) }

        spikeRateChangeInterval = spikeMembers.isEmpty ? nil : Self.spikeInterval(
            input: input, spikeMembers: Set(spikeMembers), span: span, baseline: base, window: win, minimumBlockRows: blockRows, generator: &generator)
    }

    /// How much wider than the percentile range an interval must be when the
    /// range holds only `rows / blockRows` blocks: the replicates' spread is then
    /// itself estimated from that few independent pieces, so the interval takes
    /// Student's t quantile with one degree of freedom fewer than blocks instead
    /// of the normal one (×1.05 for 25 blocks, ×1.21 for 8).
    static func widening(rows: Int, blockRows: Int) -> Double {
        let blocks = Double(rows) / Double(max(1, min(blockRows, rows)))
        return Quantile95.studentT(degrees: max(1, blocks - 1)) / Quantile95.normal
    }

    /// Interval of the spike rate's change in percent: crossings counted per
    /// band-power row, then resampled in blocks like the band power.
    private static func spikeInterval<G: RandomNumberGenerator>(
        input: ReportInput, spikeMembers: Set<Int>, span: Range<Int>, baseline: Range<Int>, window: Range<Int>, minimumBlockRows: Int, generator: inout G
    ) -> ChangeInterval {
        var counts = [Double](repeating: 0, count: span.count)
        for crossing in input.crossings where spikeMembers.contains(crossing.channel) {
            let row = Int(((crossing.seconds - input.timeline.bandPowerStartSeconds) * input.timeline.bandPowerRateHz).rounded(.down)) - span.lowerBound
            if counts.indices.contains(row) { counts[row] += 1 }
        }
        let tau = max(
            EffectiveSampleSize.autocorrelationTime(Array(counts[baseline])), EffectiveSampleSize.autocorrelationTime(Array(counts[window])))
        let blockRows = max(minimumBlockRows, Int((2 * tau).rounded(.up)))
        var replicates: [Double] = []
        counts.withUnsafeBufferPointer { buffer in
            let bootstrap = MovingBlockBootstrap(values: buffer, width: 1, rows: 0..<span.count, blockRows: blockRows)
            var before = [0.0], after = [0.0]
            for _ in 0..<Self.replicates {
                before.withUnsafeMutableBufferPointer { bootstrap.resampledMean(baseline, using: &generator, into: $0) }
                after.withUnsafeMutableBufferPointer { bootstrap.resampledMean(window, using: &generator, into: $0) }
                replicates.append(before[0] > 0 ? 100 * (after[0] - before[0]) / before[0] : .nan)
            }
        }
        return ChangeInterval(replicates: replicates, widening: widening(rows: min(baseline.count, window.count), blockRows: blockRows))
    }
}

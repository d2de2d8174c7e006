import Foundation
import KetaMapCore
import Testing

@testable import KetaMapReport
import KetaMapDSP

@Suite("Moving-block bootstrap")
struct MovingBlockBootstrapTests {
    /// An AR(1) series x[t] = φ·x[t−1] + e[t], e ~ N(0, 1), seeded.
    static func autoregressive(_ count: Int, phi: Double, seed: UInt64) -> [Double] {
        var generator = SplitMix64(seed: seed)
        var x = 0.0
        return (0..<count).map { _ in
            // Box–Muller from two uniforms.
            let u = Double.random(in: Double.ulpOfOne..<1, using: &generator), v = Double.random(in: 0..<1, using: &generator)
            x = phi * x + (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
            return x
        }
    }

    @Test("the autocorrelation time of white noise is 1 and of AR(1) is (1 + φ) / (1 − φ)")
    func autocorrelationTime() {
        #expect(abs(EffectiveSampleSize.autocorrelationTime(Self.autoregressive(20_000, phi: 0, seed: 1)) - 1) < 0.15)
        let tau = EffectiveSampleSize.autocorrelationTime(Self.autoregressive(20_000, phi: 0.9, seed: 2))
        #expect(abs(tau - 19) < 19 * 0.25, "τ = \(tau)")
        #expect(abs(EffectiveSampleSize.effectiveSamples(Self.autoregressive(20_000, phi: 0.9, seed: 3)) - 20_000 / 19) < 20_000 / 19 * 0.3)
    }

    /// Spread of the resampled means of one series.
    static func bootstrapSpread(_ series: [Double], blockRows: Int) -> Double {
        var generator = SplitMix64(seed: 7)
        let means: [Double] = series.withUnsafeBufferPointer { buffer in
            let bootstrap = MovingBlockBootstrap(values: buffer, width: 1, rows: 0..<series.count, blockRows: blockRows)
            var out = [0.0]
            return (0..<1000).map { _ in
                out.withUnsafeMutableBufferPointer { bootstrap.resampledMean(0..<series.count, using: &generator, into: $0) }
                return out[0]
            }
        }
        let mean = means.reduce(0, +) / Double(means.count)
        return (means.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(means.count - 1)).squareRoot()
    }

    @Test("blocks longer than the autocorrelation give the true spread of a mean; single rows understate it")
    func spreadOfTheMean() {
        let n = 4000, phi = 0.9
        // Standard error of the mean of AR(1): σ_x · √(τ / n), σ_x² = 1 / (1 − φ²).
        let truth = (1 / (1 - phi * phi) * ((1 + phi) / (1 - phi)) / Double(n)).squareRoot()
        let series = Self.autoregressive(n, phi: phi, seed: 11)
        let blocked = Self.bootstrapSpread(series, blockRows: 40)
        #expect(abs(blocked - truth) < truth * 0.3, "bootstrap \(blocked), truth \(truth)")
        #expect(Self.bootstrapSpread(series, blockRows: 1) < truth * 0.4)
    }

    @Test("circular blocks weigh every row alike: the replicates centre on the range's own mean, even with long blocks")
    func circularBlocksAreCentred() {
        // A ramp: moving blocks would under-draw both ends and centre near the middle row, not on the mean.
        let series = (0..<300).map { Double($0 * $0) }
        var generator = SplitMix64(seed: 5)
        let mean = series.reduce(0, +) / Double(series.count)
        let replicates: [Double] = series.withUnsafeBufferPointer { buffer in
            let bootstrap = MovingBlockBootstrap(values: buffer, width: 1, rows: 0..<series.count, blockRows: 100)
            var out = [0.0]
            return (0..<4000).map { _ in
                out.withUnsafeMutableBufferPointer { bootstrap.resampledMean(0..<series.count, using: &generator, into: $0) }
                return out[0]
            }
        }
        let centre = replicates.reduce(0, +) / Double(replicates.count)
        #expect(abs(centre - mean) < 0.02 * mean, "replicates centre on \(centre), the mean is \(mean)")
    }

    @Test("Student's t quantile for few blocks: 2.776 at 4 degrees of freedom, 2.228 at 10, 2.086 at 20, → 1.960")
    func studentQuantile() {
        for (degrees, exact) in [(4.0, 2.776_445), (10, 2.228_139), (20, 2.085_963), (1e9, 1.959_964)] {
            #expect(abs(Quantile95.studentT(degrees: degrees) - exact) < 1e-3 * exact, "t(\(degrees))")
        }
        #expect(abs(RegionUncertainty.widening(rows: 250, blockRows: 10) - 2.063_899 / 1.959_964) < 1e-3)
    }

    @Test("with no effect, about 95 % of intervals contain 0")
    func coverage() throws {
        // 40 regions of 3 channels; band power log-normal AR(1) noise around one level, no dose effect.
        let bands = [ProcessingSettings.Band(name: "gamma", lowHz: 30, highHz: 80)]
        let regions = 40, perRegion = 3, rows = 3000
        let series = (0..<(regions * perRegion)).map { Self.autoregressive(rows, phi: 0.95, seed: UInt64(100 + $0)) }
        var power: [Float] = []
        for row in 0..<rows { for s in series { power.append(Float(100 * exp(0.3 * s[row]))) } }
        let channels = (0..<(regions * perRegion)).map { ReportInput.Channel(name: "c\($0)", region: "r\($0 / perRegion)", detectsSpikes: false) }
        let dose = DoseEvent(
            stamping: DoseRequest(drug: "ketamine", amount: 0.5, unit: .milligramsPerKilogram, route: .ivBolus), atSample: 150_000, rateHz: 1000,
            weightKilograms: 70, wallClock: "2026-11-26T10:00:00Z")
        let input = ReportInput(bands: bands, bandPowerRateHz: 10, channels: channels, power: power, doses: [dose], crossings: [], durationSeconds: 300)
        let report = try SessionReport(input: input, baselineSeconds: 140, window: 10...150)
        let covered = report.regions.count { !$0.bandIntervals[0].excludesZero }
        #expect(covered >= 35, "\(covered) of 40 intervals contain 0")
    }
}

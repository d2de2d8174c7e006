import Foundation
import Testing

import KetaMapCore
@testable import KetaMapDSP

/// Line-noise removal as a user measures it: the mains line and its harmonics
/// drop by at least 30 dB (at the nominal mains frequency and off it, which the
/// canceller tracks), while a sine 1 Hz away and broadband power in gamma and
/// high gamma keep their power within 1 %, on every noise seed and mains
/// frequency tried; and the canceller changes broadband power by what its
/// step size predicts.
struct LineCancellerTests {
    /// Line amplitudes in µV at harmonics 1, 2, 3, 5 and 8 of the mains.
    static let line: [(harmonic: Int, microvolts: Double)] = [(1, 300), (2, 100), (3, 60), (5, 30), (8, 20)]
    /// The last seconds are measured (whole cycles of the neighbour and of the
    /// lines). The canceller's effect on one stretch of noise varies from one
    /// stretch to the next by about `2·√(π·B/2 · 1/T) / 50 Hz` of gamma power
    /// (rms, T measured seconds): 0.4 % at B = 0.05 Hz over 8 s.
    static let measuredSeconds = 8.0

    /// Amplitude of `frequency` in `x` (sampled at `rate`) by projection.
    static func amplitude(_ x: [Double], frequency: Double, rate: Double) -> Double {
        var re = 0.0
        var im = 0.0
        for (n, v) in x.enumerated() {
            re += v * cos(2 * .pi * frequency * Double(n) / rate)
            im += v * sin(2 * .pi * frequency * Double(n) / rate)
        }
        return 2 * (re * re + im * im).squareRoot() / Double(x.count)
    }

    /// The test's three channels at `rate`: 0, a 100 µV sine at `neighbourHz`
    /// + 10 µV of noise; 1, 10 µV of noise; 2, 150 µV of broadband noise (gamma
    /// and high gamma) — noise densities as at 30 kHz, so that the LFP-rate
    /// signals carry what the chain's LFP would. `mainsHz` adds the line with
    /// its harmonics (its phase per channel) to all three.
    static func signals(seed: UInt64, rate: Double, seconds: Double, neighbourHz: Double, mainsHz: Double?)
        -> (frames: Int, microvolts: (Int, Int) -> Double)
    {
        var noise = SeededNoise(seed: seed)
        let frames = Int(seconds * rate)
        let density = ((rate / 2) / 15000).squareRoot()
        var x = [Double](repeating: 0, count: frames * 3)
        for f in 0..<frames {
            let t = Double(f) / rate
            x[f * 3 + 0] = 100 * sin(2 * .pi * neighbourHz * t + 0.4) + 10 * density * noise.gaussian()
            x[f * 3 + 1] = 10 * density * noise.gaussian()
            x[f * 3 + 2] = 150 * density * noise.gaussian()
            if let mainsHz {
                for c in 0..<3 {
                    for (h, a) in line { x[f * 3 + c] += a * sin(2 * .pi * Double(h) * mainsHz * t + Double(c + h)) }
                }
            }
        }
        return (frames, { x[$0 * 3 + $1] })
    }

    /// What the three checks read on one case.
    struct Figures {
        var lineDecibels: [Double] = []
        var neighbourPowerRatio = 0.0
        var gammaRatio = 0.0
        var highGammaRatio = 0.0

        func check(_ label: String) {
            for ((h, _), decibels) in zip(LineCancellerTests.line, lineDecibels) {
                #expect(decibels >= 30, "\(label): harmonic \(h) only \(decibels) dB down")
            }
            #expect(abs(neighbourPowerRatio - 1) <= 0.01, "\(label): the neighbouring sine's power changed by \(100 * (neighbourPowerRatio - 1)) %")
            #expect(abs(gammaRatio - 1) <= 0.01, "\(label): gamma power changed by \(100 * (gammaRatio - 1)) %")
            #expect(abs(highGammaRatio - 1) <= 0.01, "\(label): high-gamma power changed by \(100 * (highGammaRatio - 1)) %")
        }
    }

    /// Scores the cancelled channels against the same noise without the line and
    /// without line removal: `lfp(c)` is channel c's measured LFP tail,
    /// `power(c, band)` its mean band power over the tail (bands `gamma`, `highGamma`).
    static func figures(
        mainsHz: Double, neighbourHz: Double, lfpRate: Double, gamma: Int, highGamma: Int,
        cancelled: (lfp: (Int) -> [Double], power: (Int, Int) -> Double),
        clean: (lfp: (Int) -> [Double], power: (Int, Int) -> Double)
    ) throws -> Figures {
        var figures = Figures()
        let residual = cancelled.lfp(1)
        for (h, injected) in line {
            let left = amplitude(residual, frequency: Double(h) * mainsHz, rate: lfpRate)
            figures.lineDecibels.append(20 * log10(injected / left))
        }
        let kept = amplitude(cancelled.lfp(0), frequency: neighbourHz, rate: lfpRate)
        let reference = amplitude(clean.lfp(0), frequency: neighbourHz, rate: lfpRate)
        figures.neighbourPowerRatio = kept * kept / (reference * reference)
        figures.gammaRatio = cancelled.power(2, gamma) / clean.power(2, gamma)
        figures.highGammaRatio = cancelled.power(2, highGamma) / clean.power(2, highGamma)
        return figures
    }

    // MARK: At the LFP rate, many seeds and mains frequencies

    /// Gamma and high gamma, the bands measured at the LFP rate.
    static let measuredBands = ProcessingSettings.defaultBands.filter { $0.name == "gamma" || $0.name == "high_gamma" }

    /// The canceller and the band-power stage of the chain at 1 kHz (gamma and
    /// high gamma only).
    static func runAtLFPRate(seed: UInt64, seconds: Double, neighbourHz: Double, mainsHz: Double?, nominalHz: Double?)
        throws -> (lfp: (Int) -> [Double], power: (Int, Int) -> Double)
    {
        let rate = 1000.0
        let stride = 8
        let blockRows = 10
        let (rows, source) = signals(seed: seed, rate: rate, seconds: seconds, neighbourHz: neighbourHz, mainsHz: mainsHz)
        let settings = ProcessingSettings()
        let canceller = try LineCanceller(
            lineFrequencyHz: nominalHz, harmonics: settings.lineHarmonics, bandwidthHz: settings.lineBandwidthHz, sampleRateHz: rate,
            stride: stride)
        let bands = measuredBands
        let power = try BandPowerStage(
            bands: bands, order: settings.bandFilterOrder, lfpRateHz: rate, rowsPerEstimate: 100,
            channelCount: 3, stride: stride, maxRows: blockRows)
        let ring = FeatureRing<BandPowerRowHeader>(rowWidth: 3 * bands.count, minimumRows: 1024)
        var lfp = [Double](repeating: 0, count: rows * stride)
        for r in 0..<rows { for c in 0..<3 { lfp[r * stride + c] = source(r, c) } }
        var readings: [[Float]] = []
        lfp.withUnsafeMutableBufferPointer { all in
            for first in Swift.stride(from: 0, to: rows, by: blockRows) {
                let block = all.baseAddress! + first * stride
                canceller.process(block, rows: blockRows)
                power.process(block, rows: blockRows, firstRow: UInt64(first), ring: ring)
                while ring.pop({ _, row in readings.append(Array(row)) }) {}
            }
        }
        let tail = Int(measuredSeconds * rate)
        let tailReadings = readings.suffix(Int(measuredSeconds * 10))
        return (
            { c in (rows - tail..<rows).map { lfp[$0 * stride + c] } },
            { c, b in tailReadings.map { Double($0[c * bands.count + b]) }.reduce(0, +) / Double(tailReadings.count) }
        )
    }

    /// Every seed × mains frequency (nominal, and off it by up to 0.15 Hz), 20 s
    /// each, measured over the last 8 s.
    @Test func lineDropsThirtyDecibelsWhileNeighboursKeepTheirPowerOnEverySeedAndMainsFrequency() throws {
        let seeds: [UInt64] = [77, 78, 79]
        let mains: [(nominal: Double, real: Double)] = [(50, 50), (50, 50.06), (50, 49.85), (60, 60), (60, 59.95), (60, 60.15)]
        var worst = (decibels: Double.infinity, neighbour: 0.0, gamma: 0.0, highGamma: 0.0)
        var gammaSum = 0.0
        var highGammaSum = 0.0
        for seed in seeds {
            // The same noise without a line, by nominal frequency (its neighbouring sine).
            var cleanRuns: [Double: (lfp: (Int) -> [Double], power: (Int, Int) -> Double)] = [:]
            for (nominal, real) in mains {
                let neighbourHz = nominal - 1
                let cancelled = try Self.runAtLFPRate(seed: seed, seconds: 20, neighbourHz: neighbourHz, mainsHz: real, nominalHz: nominal)
                let clean = try cleanRuns[nominal] ?? Self.runAtLFPRate(
                    seed: seed, seconds: 20, neighbourHz: neighbourHz, mainsHz: nil, nominalHz: nil)
                cleanRuns[nominal] = clean
                let f = try Self.figures(
                    mainsHz: real, neighbourHz: neighbourHz, lfpRate: 1000, gamma: 0, highGamma: 1, cancelled: cancelled, clean: clean)
                let label = "seed \(seed), mains \(real) Hz"
                print(String(
                    format: "%@: line %@ dB; %.0f Hz sine %+.3f %%; gamma %+.2f %%, high gamma %+.2f %%", label,
                    f.lineDecibels.map { String(format: "%.1f", $0) }.joined(separator: "/"), neighbourHz,
                    100 * (f.neighbourPowerRatio - 1), 100 * (f.gammaRatio - 1), 100 * (f.highGammaRatio - 1)))
                f.check(label)
                worst.decibels = min(worst.decibels, f.lineDecibels.min() ?? 0)
                worst.neighbour = max(worst.neighbour, abs(f.neighbourPowerRatio - 1))
                worst.gamma = max(worst.gamma, abs(f.gammaRatio - 1))
                worst.highGamma = max(worst.highGamma, abs(f.highGammaRatio - 1))
                gammaSum += f.gammaRatio - 1
                highGammaSum += f.highGammaRatio - 1
            }
        }
        let cases = Double(seeds.count * mains.count)
        print(String(
            format: "worst of %.0f cases: line %.1f dB down; sine 1 Hz away %.3f %%; gamma %.2f %%, high gamma %.2f %% (mean %+.2f %%, %+.2f %%)",
            cases, worst.decibels, 100 * worst.neighbour, 100 * worst.gamma, 100 * worst.highGamma,
            100 * gammaSum / cases, 100 * highGammaSum / cases))
    }

    /// White noise without a line: the canceller is a linear filter (Glover,
    /// 1977) whose notches take `π·B/2` Hz of noise around each harmonic and
    /// whose gain elsewhere is `1 + 2Hμ` (`μ = π·B/rate`, H harmonics): the
    /// weights' own noise, the LMS misadjustment. In all the output carries
    /// `H·μ` more power than the input (0.13 % at 0.05 Hz, 8 harmonics at 1 kHz).
    @Test(arguments: [0.05, 0.2])
    func broadbandPowerChangesByTheMisadjustment(bandwidthHz: Double) throws {
        let rate = 1000.0
        let stride = 8
        let rows = 200_000
        let settled = 20_000
        let canceller = try LineCanceller(lineFrequencyHz: 50, harmonics: 8, bandwidthHz: bandwidthHz, sampleRateHz: rate, stride: stride)
        var noise = SeededNoise(seed: 5)
        var x = [Double](repeating: 0, count: rows * stride)
        for r in 0..<rows { for c in 0..<stride { x[r * stride + c] = 10 * noise.gaussian() } }
        var e = x
        e.withUnsafeMutableBufferPointer { canceller.process($0.baseAddress!, rows: rows) }
        var before = 0.0
        var after = 0.0
        for i in (settled * stride)..<(rows * stride) {
            before += x[i] * x[i]
            after += e[i] * e[i]
        }
        let measured = after / before - 1
        let predicted = Double(canceller.frequenciesHz.count) * Double.pi * bandwidthHz / rate
        print(String(format: "null %.2f Hz: broadband power %+.3f %% measured, %+.3f %% predicted", bandwidthHz, 100 * measured, 100 * predicted))
        #expect(abs(measured / predicted - 1) <= 0.1, "power changed by \(measured), \(predicted) predicted")
    }

    /// A louder brain, as after a dose: white noise 15 times louder from 20 s on
    /// (loud enough that a 1 s window at the line reads above 5 µV in most
    /// channels). Noise must not steer the frequency, so the canceller stays
    /// the linear filter above and changes broadband power by the misadjustment
    /// after the step too; with a line 0.06 Hz off the nominal frequency, the
    /// line is tracked through the step and drops by at least 30 dB.
    @Test(arguments: [nil, 50.06])
    func aStepInBroadbandPowerLeavesItByTheMisadjustment(mainsHz: Double?) throws {
        let rate = 1000.0
        let stride = 8
        let rows = 160_000
        let step = 20_000
        let settled = 30_000
        let bandwidthHz = 0.05
        let canceller = try LineCanceller(lineFrequencyHz: 50, harmonics: 8, bandwidthHz: bandwidthHz, sampleRateHz: rate, stride: stride)
        var noise = SeededNoise(seed: 11)
        var clean = [Double](repeating: 0, count: rows * stride)
        var x = clean
        for r in 0..<rows {
            let t = Double(r) / rate
            for c in 0..<stride {
                clean[r * stride + c] = (r < step ? 10 : 150) * noise.gaussian()
                x[r * stride + c] = clean[r * stride + c] + (mainsHz.map { 300 * sin(2 * .pi * $0 * t + Double(c)) } ?? 0)
            }
        }
        var e = x
        var tracked: [Double] = []
        e.withUnsafeMutableBufferPointer { all in
            for first in Swift.stride(from: 0, to: rows, by: 1000) {
                canceller.process(all.baseAddress! + first * stride, rows: 1000)
                tracked.append(canceller.trackedFrequencyHz)
            }
        }
        var before = 0.0
        var after = 0.0
        for i in (settled * stride)..<(rows * stride) {
            before += clean[i] * clean[i]
            let left = e[i] - (x[i] - clean[i])
            after += left * left
        }
        let predicted = Double(canceller.frequenciesHz.count) * Double.pi * bandwidthHz / rate
        if let mainsHz {
            // The line's residual over the last 8 s, by projection (the noise's own part subtracted).
            let tail = (rows - 8000)..<rows
            let line = (0..<stride).map { c in Self.amplitude(tail.map { e[$0 * stride + c] - clean[$0 * stride + c] }, frequency: mainsHz, rate: rate) }
            let decibels = 20 * log10(300 / (line.max() ?? 0))
            print(String(format: "mains %.2f Hz through the step: line %.1f dB down, tracked %.4f Hz", mainsHz, decibels, tracked.last ?? 0))
            #expect(decibels >= 30, "the line dropped only \(decibels) dB")
            #expect(abs((tracked.last ?? 0) - mainsHz) < 0.005, "tracked \(tracked.last ?? 0) Hz against \(mainsHz)")
        } else {
            let measured = after / before - 1
            print(String(format: "noise 15 times louder from 20 s: broadband power %+.3f %% measured, %+.3f %% predicted; tracked %.4f–%.4f Hz",
                100 * measured, 100 * predicted, tracked.min() ?? 0, tracked.max() ?? 0))
            #expect(tracked.allSatisfy { $0 == 50 }, "noise moved the frequency: \(Set(tracked).sorted())")
            #expect(abs(measured / predicted - 1) <= 0.15, "power changed by \(measured), \(predicted) predicted")
        }
    }

    // MARK: Through the whole chain at 30 kHz

    /// The seed and mains frequency the previous tracker failed on, through the
    /// whole `SignalProcessor` (decimation, canceller, band power) at 30 kHz.
    @Test func throughTheWholeChain() throws {
        let rate = 30000.0
        let seconds = 18.0
        let nominal = 50.0
        let mainsHz = 50.06
        func run(_ mains: Double?, cancel: Bool) throws -> (lfp: (Int) -> [Double], power: (Int, Int) -> Double) {
            let (frames, source) = Self.signals(seed: 78, rate: rate, seconds: seconds, neighbourHz: nominal - 1, mainsHz: mains)
            var samples = [Int16](repeating: 0, count: frames * 3)
            for f in 0..<frames { for c in 0..<3 { samples[f * 3 + c] = ProcessorHarness.counts(source(f, c)) } }
            let settings = ProcessingSettings(reference: .monopolar, lineFrequencyHz: cancel ? nominal : nil)
            let processor = try SignalProcessor(
                settings: settings, format: ProcessorHarness.format(channels: 3),
                montage: ProcessorHarness.montage(ProcessorHarness.shaft("LA", count: 3)), maxBlockFrames: 300)
            var collected = ProcessorHarness.Collected()
            ProcessorHarness.run(processor, samples: samples, blockFrames: 300, into: &collected)
            let lfp = collected.lfp.suffix(Int(Self.measuredSeconds * 1000))
            let rows = collected.bandPower.suffix(Int(Self.measuredSeconds * 10))
            let bands = ProcessingSettings.defaultBands.count
            return (
                { c in lfp.map { Double($0.values[c]) } },
                { c, b in rows.map { Double($0.values[c * bands + b]) }.reduce(0, +) / Double(rows.count) }
            )
        }
        let bands = ProcessingSettings.defaultBands
        let f = try Self.figures(
            mainsHz: mainsHz, neighbourHz: nominal - 1, lfpRate: 1000,
            gamma: try #require(bands.firstIndex { $0.name == "gamma" }),
            highGamma: try #require(bands.firstIndex { $0.name == "high_gamma" }), cancelled: try run(mainsHz, cancel: true),
            clean: try run(nil, cancel: false))
        print(String(
            format: "whole chain, seed 78, mains %.2f Hz: line %@ dB; sine %+.3f %%; gamma %+.2f %%, high gamma %+.2f %%", mainsHz,
            f.lineDecibels.map { String(format: "%.1f", $0) }.joined(separator: "/"), 100 * (f.neighbourPowerRatio - 1),
            100 * (f.gammaRatio - 1), 100 * (f.highGammaRatio - 1)))
        f.check("whole chain")
    }
}

import Foundation
import Testing

import KetaMapCore
@testable import KetaMapDSP

/// Line-noise removal as a user measures it: the mains line and its harmonics
/// drop by at least 30 dB (at a mains frequency off its nominal value, which
/// the canceller tracks), while a sine 1 Hz away and broadband power in gamma
/// and high gamma keep their power within 1 %.
struct LineCancellerTests {
    static let rate = 30000.0
    static let seconds = 20.0
    /// The last seconds are measured (whole cycles of 49 Hz and of the lines).
    static let measuredSeconds = 4.0

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

    /// Line amplitudes in µV at harmonics 1, 2, 3, 5 and 8 of the mains.
    static let line: [(harmonic: Int, microvolts: Double)] = [(1, 300), (2, 100), (3, 60), (5, 30), (8, 20)]

    /// Channel 0: a sine 1 Hz below the mains + noise; channel 1: noise only;
    /// channel 2: broadband noise (gamma and high gamma). `withLine` adds the
    /// mains line (at `mainsHz`, with its harmonics, its phase per channel) to all three.
    static func samples(mainsHz: Double, neighbourHz: Double, withLine: Bool) -> [Int16] {
        var noise = SeededNoise(seed: 77)
        let frames = Int(seconds * rate)
        var x = [Int16](repeating: 0, count: frames * 3)
        for f in 0..<frames {
            let t = Double(f) / rate
            var mains = [0.0, 0.0, 0.0]
            if withLine {
                for c in 0..<3 {
                    for (h, a) in line { mains[c] += a * sin(2 * .pi * Double(h) * mainsHz * t + Double(c + h)) }
                }
            }
            x[f * 3 + 0] = ProcessorHarness.counts(100 * sin(2 * .pi * neighbourHz * t + 0.4) + 10 * noise.gaussian() + mains[0])
            x[f * 3 + 1] = ProcessorHarness.counts(10 * noise.gaussian() + mains[1])
            x[f * 3 + 2] = ProcessorHarness.counts(150 * noise.gaussian() + mains[2])
        }
        return x
    }

    static func run(_ samples: [Int16], mainsHz: Double?) throws -> ProcessorHarness.Collected {
        let settings = ProcessingSettings(reference: .monopolar, lineFrequencyHz: mainsHz)
        let processor = try SignalProcessor(
            settings: settings, format: ProcessorHarness.format(channels: 3),
            montage: ProcessorHarness.montage(ProcessorHarness.shaft("LA", count: 3)), maxBlockFrames: 300)
        var collected = ProcessorHarness.Collected()
        ProcessorHarness.run(processor, samples: samples, blockFrames: 300, into: &collected)
        return collected
    }

    /// (nominal mains, the real line's frequency)
    @Test(arguments: [(50.0, 50.06), (60.0, 59.95)])
    func lineDropsThirtyDecibelsWhileNeighboursKeepTheirPower(nominalHz: Double, mainsHz: Double) throws {
        let neighbourHz = nominalHz - 1
        let cancelled = try Self.run(Self.samples(mainsHz: mainsHz, neighbourHz: neighbourHz, withLine: true), mainsHz: nominalHz)
        let clean = try Self.run(Self.samples(mainsHz: mainsHz, neighbourHz: neighbourHz, withLine: false), mainsHz: nil)
        let tail = Int(Self.measuredSeconds * 1000)
        func channel(_ c: Int, _ collected: ProcessorHarness.Collected) -> [Double] {
            collected.lfp.suffix(tail).map { Double($0.values[c]) }
        }

        // 1. The line and its harmonics: at least 30 dB down.
        let residual = channel(1, cancelled)
        for (h, injected) in Self.line {
            let left = Self.amplitude(residual, frequency: Double(h) * mainsHz, rate: 1000)
            let decibels = 20 * log10(injected / left)
            print("line \(Double(h) * mainsHz) Hz: \(injected) µV → \(left) µV (\(decibels) dB)")
            #expect(decibels >= 30, "harmonic \(h) at \(Double(h) * mainsHz) Hz: only \(decibels) dB down")
        }

        // 2. A sine 1 Hz from the line keeps its power within 1 %.
        let kept = Self.amplitude(channel(0, cancelled), frequency: neighbourHz, rate: 1000)
        let reference = Self.amplitude(channel(0, clean), frequency: neighbourHz, rate: 1000)
        let powerRatio = kept * kept / (reference * reference)
        print("\(neighbourHz) Hz sine: power ratio \(powerRatio)")
        #expect(abs(powerRatio - 1) <= 0.01, "the \(neighbourHz) Hz sine's power changed by \(100 * (powerRatio - 1)) %")

        // 3. Broadband gamma and high-gamma power within 1 % of the same noise without the line.
        let bands = ProcessingSettings.defaultBands
        for name in ["gamma", "high_gamma"] {
            let b = try #require(bands.firstIndex { $0.name == name })
            func meanPower(_ collected: ProcessorHarness.Collected) -> Double {
                let rows = collected.bandPower.suffix(Int(Self.measuredSeconds * 10))
                return rows.map { Double($0.values[2 * bands.count + b]) }.reduce(0, +) / Double(rows.count)
            }
            let ratio = meanPower(cancelled) / meanPower(clean)
            print("\(name): broadband power ratio \(ratio)")
            #expect(abs(ratio - 1) <= 0.01, "\(name) power changed by \(100 * (ratio - 1)) %")
        }
    }
}

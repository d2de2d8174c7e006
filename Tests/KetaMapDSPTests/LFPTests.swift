import Foundation
import Testing

import KetaMapCore
@testable import KetaMapDSP

/// LFP (anti-alias + decimation) and the line-noise notch, against scipy, and
/// what a user sees of them.
@Suite(.enabled(if: ScipyReference.available, "set KETAMAP_PYTHON to a python with scipy"))
struct LFPTests {
    static let channels = 4
    static let frames = 90000  // 3 s at 30 kHz

    /// Noise and sines below, inside and above the LFP band, in counts.
    static func samples() -> [Int16] {
        var noise = SeededNoise(seed: 11)
        var x = [Int16](repeating: 0, count: frames * channels)
        for f in 0..<frames {
            let t = Double(f) / 30000
            for c in 0..<channels {
                let v =
                    40 * noise.gaussian() + 300 * sin(2 * .pi * (7 + Double(c)) * t) + 120 * sin(2 * .pi * 50 * t + Double(c))
                    + 60 * sin(2 * .pi * 300 * t) + 80 * sin(2 * .pi * 2000 * t)
                x[f * channels + c] = ProcessorHarness.counts(v)
            }
        }
        return x
    }

    func runLFP(lineFrequency: Double?) throws -> (lfp: [Float], reference: [Double], rows: Int) {
        let settings = ProcessingSettings(reference: .monopolar, lineFrequencyHz: lineFrequency, lineHarmonics: 3)
        let montage = ProcessorHarness.montage(ProcessorHarness.shaft("LA", count: Self.channels))
        let processor = try SignalProcessor(
            settings: settings, format: ProcessorHarness.format(channels: Self.channels), montage: montage, maxBlockFrames: 300)
        let samples = Self.samples()
        var collected = ProcessorHarness.Collected()
        ProcessorHarness.run(processor, samples: samples, blockFrames: 300, into: &collected)
        let rows = Self.frames / 30
        #expect(collected.lfp.count == rows)
        #expect(collected.lfp.enumerated().allSatisfy { $0.offset == Int($0.element.row) })
        // Triangular FIR ÷6 (30 kHz → 5 kHz), Butterworth order 6 at 400 Hz, ÷5 (→ 1 kHz).
        let triangle = (0..<11).map { Double(6 - abs($0 - 5)) / 36 }
        var spec = #"[{"fir": \#(triangle)}, {"decimate": 6}, {"butter": [6, "lowpass", 400, 5000]}, {"decimate": 5}"#
        if let f0 = lineFrequency {
            for h in 1...3 { spec += #", {"notch": [\#(Double(h) * f0), 30, 1000]}"# }
        }
        spec += "]"
        let input = samples.map { Double($0) * ProcessorHarness.microvoltsPerCount }
        let reference = try ScipyReference.chain(spec, input: input, frames: Self.frames, channels: Self.channels)
        return (collected.lfp.flatMap(\.values), reference, rows)
    }

    static func maxRelativeError(_ a: [Float], _ b: [Double]) -> (Double, Double) {
        var maxError = 0.0
        var maxReference = 0.0
        for (x, r) in zip(a, b) {
            maxError = max(maxError, abs(Double(x) - r))
            maxReference = max(maxReference, abs(r))
        }
        return (maxError, maxReference)
    }

    @Test func decimatedLFPMatchesScipy() throws {
        let (lfp, reference, rows) = try runLFP(lineFrequency: nil)
        #expect(reference.count == rows * Self.channels)
        let (e, m) = Self.maxRelativeError(lfp, reference)
        #expect(m > 100)
        #expect(e <= 1e-4 * m, "max|error| \(e) µV, max|ref| \(m) µV")
    }

    @Test func notchedLFPMatchesScipy() throws {
        let (lfp, reference, _) = try runLFP(lineFrequency: 50)
        let (e, m) = Self.maxRelativeError(lfp, reference)
        #expect(e <= 1e-4 * m, "max|error| \(e) µV, max|ref| \(m) µV")
    }
}

/// What the LFP and the notch do to sines, without scipy.
struct LFPBehaviourTests {
    /// Amplitude of `frequency` in `x` (sampled at `rate`) by projection on whole cycles.
    static func amplitude(_ x: [Double], frequency: Double, rate: Double) -> Double {
        var re = 0.0
        var im = 0.0
        for (n, v) in x.enumerated() {
            re += v * cos(2 * .pi * frequency * Double(n) / rate)
            im += v * sin(2 * .pi * frequency * Double(n) / rate)
        }
        return 2 * (re * re + im * im).squareRoot() / Double(x.count)
    }

    @Test(arguments: [50.0, 60.0])
    func notchRemovesMainsWhileTenHertzPasses(mains: Double) throws {
        let settings = ProcessingSettings(reference: .monopolar, lineFrequencyHz: mains, lineHarmonics: 3)
        let montage = ProcessorHarness.montage(ProcessorHarness.shaft("LA", count: 1))
        let processor = try SignalProcessor(
            settings: settings, format: ProcessorHarness.format(channels: 1), montage: montage, maxBlockFrames: 300)
        let frames = 30000 * 6
        let samples = (0..<frames).map { f -> Int16 in
            let t = Double(f) / 30000
            return ProcessorHarness.counts(200 * sin(2 * .pi * 10 * t) + 200 * sin(2 * .pi * mains * t) + 100 * sin(2 * .pi * 2 * mains * t))
        }
        var collected = ProcessorHarness.Collected()
        ProcessorHarness.run(processor, samples: samples, blockFrames: 300, into: &collected)
        #expect(processor.notchFrequenciesHz == [mains, 2 * mains, 3 * mains])
        // Last 3 s (whole cycles of every frequency), after the notch has settled.
        let tail = collected.lfp.suffix(3000).map { Double($0.values[0]) }
        let ten = Self.amplitude(tail, frequency: 10, rate: 1000)
        #expect(abs(ten - 200) / 200 < 0.01, "10 Hz amplitude \(ten) µV, was 200")
        #expect(Self.amplitude(tail, frequency: mains, rate: 1000) < 2, "mains must drop from 200 µV")
        #expect(Self.amplitude(tail, frequency: 2 * mains, rate: 1000) < 1, "its harmonic must drop from 100 µV")
    }

    @Test func lfpRateMustDivideTheSampleRate() {
        let settings = ProcessingSettings(lfpRateHz: 700)
        let montage = ProcessorHarness.montage(ProcessorHarness.shaft("LA", count: 2))
        #expect(throws: SignalProcessor.SetupError.self) {
            try SignalProcessor(settings: settings, format: ProcessorHarness.format(channels: 2), montage: montage, maxBlockFrames: 300)
        }
    }
}

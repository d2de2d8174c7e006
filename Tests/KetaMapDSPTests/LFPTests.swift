import Foundation
import Testing

import KetaMapCore
@testable import KetaMapDSP

/// LFP (anti-alias + decimation) against scipy (line removal: `LineCancellerTests`).
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

    func runLFP() async throws -> (lfp: [Float], reference: [Double], rows: Int) {
        let settings = ProcessingSettings(reference: .monopolar, lineFrequencyHz: nil)
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
        let spec = #"[{"fir": \#(triangle)}, {"decimate": 6}, {"butter": [6, "lowpass", 400, 5000]}, {"decimate": 5}]"#
        let input = samples.map { Double($0) * ProcessorHarness.microvoltsPerCount }
        let reference = try await ScipyReference.chain(spec, input: input, frames: Self.frames, channels: Self.channels)
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

    @Test func decimatedLFPMatchesScipy() async throws {
        let (lfp, reference, rows) = try await runLFP()
        #expect(reference.count == rows * Self.channels)
        let (e, m) = Self.maxRelativeError(lfp, reference)
        #expect(m > 100)
        #expect(e <= 1e-4 * m, "max|error| \(e) µV, max|ref| \(m) µV")
    }
}

/// What the LFP settings refuse, without scipy.
struct LFPBehaviourTests {
    @Test func lfpRateMustDivideTheSampleRate() {
        let settings = ProcessingSettings(lfpRateHz: 700)
        let montage = ProcessorHarness.montage(ProcessorHarness.shaft("LA", count: 2))
        #expect(throws: SignalProcessor.SetupError.self) {
            try SignalProcessor(settings: settings, format: ProcessorHarness.format(channels: 2), montage: montage, maxBlockFrames: 300)
        }
    }
}

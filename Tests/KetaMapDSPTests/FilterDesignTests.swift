import Foundation
import Testing

import KetaMapCore
@testable import KetaMapDSP

/// Butterworth designs, run through the SIMD cascade, against scipy
/// `butter(..., output='sos')` + `sosfilt` computed in this run.
@Suite(.enabled(if: ScipyReference.available, "set KETAMAP_PYTHON to a python with scipy"))
struct FilterDesignTests {
    static let frames = 6000
    static let channels = 5

    /// Noise plus a few sines, different per channel, in µV.
    static func input() -> [Double] {
        var noise = SeededNoise(seed: 7)
        var x = [Double](repeating: 0, count: frames * channels)
        for f in 0..<frames {
            for c in 0..<channels {
                let t = Double(f) / 30000
                x[f * channels + c] =
                    50 * noise.gaussian() + 200 * sin(2 * .pi * (3 + Double(c)) * t) + 80 * sin(2 * .pi * 1000 * t)
                    + 30 * sin(2 * .pi * 50 * t)
            }
        }
        return x
    }

    /// Runs the design through `BiquadCascade<V>` and compares with scipy.
    func check<V: SIMD>(
        _ sections: [SecondOrderSection], _ arguments: [String], rate: Double, vector: V.Type,
        tolerance: Double = 1e-4
    ) async throws where V.Scalar: BinaryFloatingPoint {
        let x = Self.input()
        let (reference, _) = try await ScipyReference.filter(arguments, input: x, frames: Self.frames, channels: Self.channels)
        let stride = (Self.channels + V.scalarCount - 1) / V.scalarCount * V.scalarCount
        var data = [V.Scalar](repeating: 0, count: Self.frames * stride)
        for f in 0..<Self.frames { for c in 0..<Self.channels { data[f * stride + c] = V.Scalar(x[f * Self.channels + c]) } }
        let cascade = BiquadCascade<V>(sections: sections, stride: stride)
        // Uneven blocks, as a source delivers them.
        data.withUnsafeMutableBufferPointer { buffer in
            var f = 0
            var block = 1
            while f < Self.frames {
                let n = min(block, Self.frames - f)
                cascade.process(buffer.baseAddress! + f * stride, frames: n)
                f += n
                block = block * 3 % 700 + 1
            }
        }
        var maxError = 0.0
        var maxReference = 0.0
        for f in 0..<Self.frames {
            for c in 0..<Self.channels {
                let r = reference[f * Self.channels + c]
                maxError = max(maxError, abs(Double(data[f * stride + c]) - r))
                maxReference = max(maxReference, abs(r))
            }
        }
        #expect(maxReference > 1)
        #expect(maxError <= tolerance * maxReference, "\(arguments): max|error| \(maxError), max|ref| \(maxReference)")
    }

    @Test(arguments: [1, 2, 3, 4, 5, 8])
    func lowPassMatchesScipy(order: Int) async throws {
        let sos = try FilterDesign.butterworth(order: order, .lowPass(cutoffHz: 400), sampleRateHz: 30000)
        try await check(sos, ["butter", "\(order)", "lowpass", "400", "30000"], rate: 30000, vector: SIMD4<Double>.self)
    }

    @Test(arguments: [1, 2, 3, 4, 6])
    func highPassMatchesScipy(order: Int) async throws {
        let sos = try FilterDesign.butterworth(order: order, .highPass(cutoffHz: 300), sampleRateHz: 30000)
        try await check(sos, ["butter", "\(order)", "highpass", "300", "30000"], rate: 30000, vector: SIMD4<Double>.self)
    }

    @Test(arguments: [1, 2, 3, 4])
    func bandPassMatchesScipy(order: Int) async throws {
        let sos = try FilterDesign.butterworth(order: order, .bandPass(lowHz: 300, highHz: 6000), sampleRateHz: 30000)
        try await check(sos, ["butter", "\(order)", "bandpass", "300", "6000", "30000"], rate: 30000, vector: SIMD4<Double>.self)
    }

    @Test func spikeBandInFloatMatchesScipy() async throws {
        let sos = try FilterDesign.butterworth(order: 2, .bandPass(lowHz: 300, highHz: 6000), sampleRateHz: 30000)
        try await check(sos, ["butter", "2", "bandpass", "300", "6000", "30000"], rate: 30000, vector: SIMD8<Float>.self)
    }

    @Test func narrowLowBandInDoubleMatchesScipy() async throws {
        // Delta at the LFP rate: the sub-10 Hz case that needs Double.
        let sos = try FilterDesign.butterworth(order: 2, .bandPass(lowHz: 1, highHz: 4), sampleRateHz: 1000)
        try await check(sos, ["butter", "2", "bandpass", "1", "4", "1000"], rate: 1000, vector: SIMD4<Double>.self)
    }

    @Test func badEdgesAreRefusedWithAReason() {
        #expect(throws: FilterDesign.DesignError.self) {
            try FilterDesign.butterworth(order: 2, .lowPass(cutoffHz: 20000), sampleRateHz: 30000)
        }
        #expect(throws: FilterDesign.DesignError.self) {
            try FilterDesign.butterworth(order: 2, .bandPass(lowHz: 300, highHz: 200), sampleRateHz: 30000)
        }
    }
}

/// What a user of the filters would notice, without scipy.
struct FilterBehaviourTests {
    @Test func bandPassHasUnitGainInsideAndAttenuatesOutside() throws {
        let sos = try FilterDesign.butterworth(order: 2, .bandPass(lowHz: 300, highHz: 6000), sampleRateHz: 30000)
        #expect(abs(FilterDesign.response(of: sos, atHz: 1500, sampleRateHz: 30000).magnitude - 1) < 0.01)
        #expect(FilterDesign.response(of: sos, atHz: 30, sampleRateHz: 30000).magnitude < 0.02)
    }
}

import Foundation
import Testing

import KetaMapCore
@testable import KetaMapDSP

/// Spike detection scored against seeded ground truth: background noise plus
/// one unit per microwire at a known peak SNR (template peak in the spike band
/// / `median(|x|)/0.6745` of the spike-band background).
struct SpikeDetectionTests {
    static let rate = 30000.0
    static let seconds = 12.0
    static let snrs: [Double] = [5, 6, 7, 8, 10, 12, 15, 20]

    struct GroundTruth {
        var samples: [Int16]
        /// Per channel: expected sample index of each spike's spike-band peak.
        var peaks: [[Int]]
    }

    /// A biphasic extracellular spike (trough, then a slower positive rebound), 2 ms long.
    static func template(unit: Int) -> [Double] {
        let width = 0.10 + 0.01 * Double(unit % 4)  // ms
        return (0..<60).map { n in
            let t = Double(n) / rate * 1000  // ms
            return -exp(-pow((t - 0.4) / width, 2)) + 0.35 * exp(-pow((t - 0.8) / 0.25, 2))
        }
    }

    /// The spike band-pass the detector uses, in Double, on one channel.
    static func spikeBand(_ x: [Double]) throws -> [Double] {
        let sections = try FilterDesign.butterworth(order: 2, .bandPass(lowHz: 300, highHz: 6000), sampleRateHz: rate)
        let cascade = BiquadCascade<SIMD4<Double>>(sections: sections, stride: 4)
        var padded = [Double](repeating: 0, count: x.count * 4)
        for (i, v) in x.enumerated() { padded[i * 4] = v }
        padded.withUnsafeMutableBufferPointer { cascade.process($0.baseAddress!, frames: x.count) }
        return (0..<x.count).map { padded[$0 * 4] }
    }

    static func median(_ x: [Double]) -> Double {
        let s = x.sorted()
        return s[s.count / 2]
    }

    static func generate(seed: UInt64) throws -> GroundTruth {
        var random = SeededNoise(seed: seed)
        let channels = snrs.count
        let frames = Int(seconds * rate)
        var signal = [[Double]](repeating: [], count: channels)
        var peaks = [[Int]](repeating: [], count: channels)
        for c in 0..<channels {
            // Background: white noise and slow rhythms the band-pass must remove.
            var x = (0..<frames).map { f -> Double in
                let t = Double(f) / rate
                return 20 * random.gaussian() + 150 * sin(2 * .pi * 8 * t + Double(c)) + 40 * sin(2 * .pi * 50 * t)
            }
            let background = try spikeBand(x)
            let noise = median(background.dropFirst(3000).map { abs($0) }) / 0.6745
            let shape = template(unit: c)
            let filteredShape = try spikeBand(shape + [Double](repeating: 0, count: 60))
            let troughIndex = filteredShape.indices.min { filteredShape[$0] < filteredShape[$1] }!
            let scale = snrs[c] * noise / abs(filteredShape[troughIndex])
            // Spike times: 1 s onward, at least 3 ms apart, about 10 per second.
            var t = Int(rate)
            while t + 200 < frames {
                for (i, v) in shape.enumerated() { x[t + i] += scale * v }
                peaks[c].append(t + troughIndex)
                t += Int(0.003 * rate) + Int(-log(random.uniform()) * 0.1 * rate)
            }
            signal[c] = x
        }
        var samples = [Int16](repeating: 0, count: frames * channels)
        for f in 0..<frames { for c in 0..<channels { samples[f * channels + c] = ProcessorHarness.counts(signal[c][f]) } }
        return GroundTruth(samples: samples, peaks: peaks)
    }

    @Test func recallAndPrecisionAtLeast95PercentFromSNRkPlus2() throws {
        let truth = try Self.generate(seed: 2024)
        let settings = ProcessingSettings(reference: .monopolar)
        let montage = ProcessorHarness.montage(ProcessorHarness.microBundle("mHL", count: Self.snrs.count))
        let processor = try SignalProcessor(
            settings: settings, format: ProcessorHarness.format(channels: Self.snrs.count), montage: montage,
            maxBlockFrames: 300)
        #expect(processor.channels.allSatisfy { $0.detectsSpikes })
        var collected = ProcessorHarness.Collected()
        ProcessorHarness.run(processor, samples: truth.samples, blockFrames: 300, into: &collected)
        #expect(processor.crossings.droppedRows == 0)

        let tolerance = Int(0.0004 * Self.rate)  // ±0.4 ms
        var report: [String] = []
        for (c, snr) in Self.snrs.enumerated() {
            let detected = collected.crossings.filter { $0.event.processedChannel == c }.map { Int($0.event.sampleIndex) }
            var used = Set<Int>()
            var hits = 0
            for peak in truth.peaks[c] {
                if let match = detected.indices.filter({ !used.contains($0) && abs(detected[$0] - peak) <= tolerance })
                    .min(by: { abs(detected[$0] - peak) < abs(detected[$1] - peak) })
                {
                    used.insert(match)
                    hits += 1
                }
            }
            let recall = Double(hits) / Double(truth.peaks[c].count)
            let precision = detected.isEmpty ? 0 : Double(hits) / Double(detected.count)
            report.append("SNR \(snr): recall \(recall) precision \(precision) (\(truth.peaks[c].count) spikes)")
            if snr >= settings.spikeThresholdK + 2 {
                #expect(recall >= 0.95, "SNR \(snr): recall \(recall)")
                #expect(precision >= 0.95, "SNR \(snr): precision \(precision)")
            }
        }
        print("spike detection (k = 5):\n  " + report.joined(separator: "\n  "))

        // Snippets: the peak sits at index `snippetBeforeFrames` and equals the amplitude.
        let first = try #require(collected.crossings.first)
        #expect(first.waveform.count == processor.snippetBeforeFrames + processor.snippetAfterFrames)
        #expect(first.waveform[processor.snippetBeforeFrames] == first.event.amplitudeMicrovolts)
        #expect(first.event.amplitudeMicrovolts < 0)
        #expect(processor.snippetBeforeFrames == 15 && processor.snippetAfterFrames == 30)
    }

    @Test func noiseEstimateTracksMedianAbsoluteDeviation() throws {
        // Gaussian noise of σ = 12 µV straight into the estimator for 3 s: σ̂ within 3 %.
        let noise = RunningNoise(stride: 16, windowSeconds: 2, sampleRateHz: Self.rate)
        var random = SeededNoise(seed: 5)
        var rows = [Float](repeating: 0, count: 90000 * 16)
        for i in rows.indices { rows[i] = Float(12 * random.gaussian()) }
        rows.withUnsafeBufferPointer { noise.update($0.baseAddress!, frames: 90000) }
        for ch in 0..<16 { #expect(abs(noise.sigma(ch) - 12) / 12 < 0.03, "channel \(ch): \(noise.sigma(ch))") }
    }
}

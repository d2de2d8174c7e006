import Foundation
import Testing

import KetaMapCore
@testable import KetaMapDSP

/// Band power: a sine at a band's geometric centre reads its true power.
struct BandPowerTests {
    static let amplitude = 100.0  // µV, true power A²/2 = 5000 µV²

    /// One channel per default band, each carrying a sine at that band's geometric centre.
    static func run(seconds: Double, blockFrames: Int = 300) throws -> (SignalProcessor, ProcessorHarness.Collected) {
        let bands = ProcessingSettings.defaultBands
        // Line removal on (50 Hz): gamma's centre (49 Hz) sits 1 Hz from the mains line.
        let settings = ProcessingSettings(reference: .monopolar)
        let montage = ProcessorHarness.montage(ProcessorHarness.shaft("LA", count: bands.count))
        let processor = try SignalProcessor(
            settings: settings, format: ProcessorHarness.format(channels: bands.count), montage: montage,
            maxBlockFrames: blockFrames)
        let frames = Int(seconds * 30000)
        var samples = [Int16](repeating: 0, count: frames * bands.count)
        for (c, band) in bands.enumerated() {
            let centre = (band.lowHz * band.highHz).squareRoot()
            for f in 0..<frames {
                samples[f * bands.count + c] = ProcessorHarness.counts(amplitude * sin(2 * .pi * centre * Double(f) / 30000 + 0.3))
            }
        }
        var collected = ProcessorHarness.Collected()
        ProcessorHarness.run(processor, samples: samples, blockFrames: blockFrames, into: &collected)
        return (processor, collected)
    }

    @Test func sineAtBandCentreReadsItsPowerWithinOnePercent() throws {
        let (processor, collected) = try Self.run(seconds: 14)
        let bands = ProcessingSettings.defaultBands
        #expect(processor.bandPowerWindowSeconds == [3, 1, 1, 1, 1, 1])
        #expect(collected.bandPower.count == 140)
        #expect(collected.bandPower.enumerated().allSatisfy { $0.offset == Int($0.element.row) })
        // Every reading after the slowest band (delta, 3 s window) has settled.
        let truePower = Self.amplitude * Self.amplitude / 2
        var worst = 0.0
        for (row, values) in collected.bandPower where row >= 100 {
            for c in bands.indices {
                let p = Double(values[c * bands.count + c])
                worst = max(worst, abs(p - truePower) / truePower)
            }
        }
        #expect(worst < 0.01, "worst relative error \(worst)")
        print("band power: worst relative error of a centre sine after settling: \(worst)")
        // Every other band reads at most 1 % of it, at every reading after settling.
        var worstLeak = 0.0
        for (row, values) in collected.bandPower where row >= 100 {
            for c in bands.indices {
                for b in bands.indices where b != c {
                    let share = Double(values[c * bands.count + b]) / truePower
                    worstLeak = max(worstLeak, share)
                    #expect(share <= 0.01, "band \(bands[b].name) reads \(100 * share) % of a sine at \(bands[c].name)'s centre")
                }
            }
        }
        print("band power: largest share of a centre sine read in another band: \(worstLeak)")
    }

    @Test func decibelsAreRelativeToOneSquareMicrovolt() throws {
        let (_, collected) = try Self.run(seconds: 5)
        let alpha = 2
        let p = Double(collected.bandPower.last!.values[alpha * 6 + alpha])
        // 5000 µV² is 37 dB re 1 µV².
        #expect(abs(decibels(microvoltsSquared: p) - 36.99) < 0.05)
    }
}

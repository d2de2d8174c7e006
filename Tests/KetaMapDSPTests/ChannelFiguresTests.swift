import Foundation
import Testing

import KetaMapCore
@testable import KetaMapDSP

/// The per raw channel figures the status board shows.
struct ChannelFiguresTests {
    @Test func rmsLineNoiseFlatSaturatedAndSpikeRate() throws {
        // 0: 10 Hz sine 100 µV; 1: 50 Hz sine 100 µV + small 10 Hz; 2: flat; 3: clipped at the converter limit;
        // 4: microwire with a spike-like pulse 20 times a second.
        var channels = ProcessorHarness.shaft("LA", count: 4)
        channels += ProcessorHarness.microBundle("mHL", count: 1, firstHardware: 4)
        let montage = ProcessorHarness.montage(channels)
        let processor = try SignalProcessor(
            settings: ProcessingSettings(reference: .monopolar), format: ProcessorHarness.format(channels: 5),
            montage: montage, maxBlockFrames: 300)
        let frames = 30000 * 3
        var random = SeededNoise(seed: 3)
        var samples = [Int16](repeating: 0, count: frames * 5)
        for f in 0..<frames {
            let t = Double(f) / 30000
            samples[f * 5 + 0] = ProcessorHarness.counts(100 * sin(2 * .pi * 10 * t))
            samples[f * 5 + 1] = ProcessorHarness.counts(100 * sin(2 * .pi * 50 * t) + 10 * sin(2 * .pi * 10 * t))
            samples[f * 5 + 2] = 12
            samples[f * 5 + 3] = sin(2 * .pi * 5 * t) > 0.9 ? .max : ProcessorHarness.counts(100 * sin(2 * .pi * 5 * t))
            let phase = f % 1500  // 20 per second
            let spike = phase < 15 ? -80 * sin(.pi * Double(phase) / 15) : 0
            samples[f * 5 + 4] = ProcessorHarness.counts(10 * random.gaussian() + spike)
        }
        var collected = ProcessorHarness.Collected()
        ProcessorHarness.run(processor, samples: samples, blockFrames: 300, into: &collected)
        #expect(collected.figures.count == 6)  // 2 per second
        let header = collected.figures[4].header
        #expect(header.firstSample == 60000 && header.endSample == 75000)
        let w = ChannelFigure.allCases.count
        let row = collected.figures[4].values
        func figure(_ channel: Int, _ f: ChannelFigure) -> Float { row[channel * w + f.rawValue] }
        #expect(abs(figure(0, .rmsMicrovolts) - 70.71) < 0.7)
        #expect(figure(0, .lineNoiseShare) < 0.01)
        #expect(figure(1, .lineNoiseShare) > 0.98)
        #expect(figure(0, .flat) == 0 && figure(2, .flat) == 1)
        #expect(figure(3, .saturated) == 1 && figure(0, .saturated) == 0)
        #expect(figure(0, .spikeRatePerSecond).isNaN)
        #expect(abs(figure(4, .spikeRatePerSecond) - 20) <= 2, "\(collected.crossings.count) crossings")
        // The same, read through `ChannelFigures`.
        let figures = row.withUnsafeBufferPointer { buffer in (0..<5).map { ChannelFigures(row: buffer, channel: $0) } }
        #expect(figures[2].isFlat && !figures[0].isFlat)
        #expect(figures[3].isSaturated)
        #expect(figures[0].spikeRatePerSecond == nil && figures[4].spikeRatePerSecond != nil)
        #expect(figures[1].lineNoiseShare.map { $0 > 0.98 } == true)
    }
}

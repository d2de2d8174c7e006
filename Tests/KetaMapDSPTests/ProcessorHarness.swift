import Foundation

import KetaMapCore
@testable import KetaMapDSP

/// Builds small montages and formats and runs a `SignalProcessor` over
/// generated samples, draining its rings after every block.
enum ProcessorHarness {
    static let microvoltsPerCount = 0.195

    static func format(channels: Int, rate: Double = 30000) -> SampleFormat {
        SampleFormat(
            channelCount: channels, sampleRateHz: rate,
            calibration: Calibration(voltsPerCount: microvoltsPerCount * 1e-6, channelGains: .init(repeating: 1, count: channels)))
    }

    /// `count` contacts on one sEEG shaft, `LA1` deepest.
    static func shaft(_ name: String, count: Int, region: String = "amygdala", firstHardware: Int = 0) -> [MontageChannel] {
        (0..<count).map {
            MontageChannel(
                name: "\(name)\($0 + 1)", kind: .seeg, group: name, region: region,
                alongShaftMillimeters: Double($0) * 3.5, hardwareChannel: firstHardware + $0)
        }
    }

    static func microBundle(_ name: String, count: Int, firstHardware: Int = 0) -> [MontageChannel] {
        (0..<count).map {
            MontageChannel(name: "\(name)\($0 + 1)", kind: .micro, group: name, region: "hippocampus", hardwareChannel: firstHardware + $0)
        }
    }

    static func montage(_ channels: [MontageChannel]) -> Montage {
        let groups = Array(Set(channels.map(\.group))).sorted().map { ElectrodeGroup(name: $0, description: "test", region: "r") }
        return Montage(channels: channels, groups: groups)
    }

    /// µV → stored counts (rounded, clipped to Int16).
    static func counts(_ microvolts: Double) -> Int16 {
        Int16(max(-32768, min(32767, (microvolts / microvoltsPerCount).rounded())))
    }

    struct Collected {
        var lfp: [(row: UInt64, values: [Float])] = []
        var bandPower: [(row: UInt64, values: [Float])] = []
        var crossings: [(event: ThresholdCrossing, waveform: [Float])] = []
        var figures: [(header: ChannelFiguresHeader, values: [Float])] = []
    }

    /// Feeds `samples` ([frame][channel] counts) in blocks of `blockFrames`, starting at sample `firstSample`.
    static func run(
        _ processor: SignalProcessor, samples: [Int16], blockFrames: Int, firstSample: UInt64 = 0,
        into collected: inout Collected
    ) {
        let c = processor.format.channelCount
        let frames = samples.count / c
        samples.withUnsafeBufferPointer { all in
            var f = 0
            while f < frames {
                let n = min(blockFrames, frames - f)
                processor.process(UnsafeBufferPointer(rebasing: all[(f * c)..<((f + n) * c)]), firstSample: firstSample + UInt64(f))
                f += n
                drain(processor, into: &collected)
            }
        }
    }

    static func drain(_ processor: SignalProcessor, into collected: inout Collected) {
        while processor.lfp.pop({ h, row in collected.lfp.append((h.row, Array(row))) }) {}
        while processor.bandPower.pop({ h, row in collected.bandPower.append((h.row, Array(row))) }) {}
        while processor.crossings.pop({ h, row in collected.crossings.append((h, Array(row))) }) {}
        while processor.channelFigures.pop({ h, row in collected.figures.append((h, Array(row))) }) {}
    }
}

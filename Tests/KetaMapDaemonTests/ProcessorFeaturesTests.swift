import Foundation
import KetaMapCore
import Testing

@testable import KetaMapDaemon
import KetaMapDSP

/// Keeps the feature rows the recorder writes.
private final class CollectingSink: DiscardingSink, @unchecked Sendable {
    var lfpRows: [[Float]] = []
    var bandPowerRows: [[Float]] = []
    override func appendLFP(_ rows: UnsafeBufferPointer<Float>, stream: Int) throws { lfpRows.append(Array(rows)) }
    override func appendBandPower(_ row: UnsafeBufferPointer<Float>, stream: Int) throws { bandPowerRows.append(Array(row)) }
}

@Suite("Processed features in the file")
struct ProcessorFeaturesTests {
    @Test("rows skipped when processing fell behind are written as NaN, so later rows keep their time")
    func skippedRowsAreNaN() throws {
        var settings = ProcessingSettings()
        settings.reference = .monopolar
        settings.lineFrequencyHz = nil
        settings.spikeHighHz = 900
        let format = SampleFormat(channelCount: 2, sampleRateHz: 2000, calibration: Calibration(voltsPerCount: 1e-6, channelGains: [1, 1]))
        let processor = try SignalProcessor(settings: settings, format: format, montage: Montage.numbered(count: 2).seegOnly(), maxBlockFrames: 200)
        let features = ProcessorFeatures(processor)
        let sink = CollectingSink(channelCount: 1)
        let block = [Int16](repeating: 100, count: 2 * 200)
        try block.withUnsafeBufferPointer { frames in
            for first in stride(from: UInt64(0), to: 2000, by: 200) { processor.process(frames, firstSample: first) }
            _ = try features.drain(into: sink)
            // Samples 2000..<6000 never reach the processor (it fell a ring behind).
            processor.reset(atSample: 6000)
            for first in stride(from: UInt64(6000), to: 8000, by: 200) { processor.process(frames, firstSample: first) }
            _ = try features.drain(into: sink)
        }
        // 1 kHz LFP: rows 0..<1000, NaN for 1000..<3000, then rows 3000..<4000.
        #expect(sink.lfpRows.count == 4000)
        #expect(sink.lfpRows[999].allSatisfy { !$0.isNaN })
        #expect(sink.lfpRows[1000..<3000].allSatisfy { $0.allSatisfy(\.isNaN) })
        #expect(sink.lfpRows[3000].allSatisfy { !$0.isNaN })
        // 10 Hz band power: rows 0..<10, NaN for 10..<30, then from 30 on.
        #expect(sink.bandPowerRows.count >= 39)
        #expect(sink.bandPowerRows[10..<30].allSatisfy { $0.allSatisfy(\.isNaN) })
        #expect(sink.bandPowerRows[30].allSatisfy { !$0.isNaN })
    }
}

extension Montage {
    /// The same contacts as sEEG macro contacts (no spike detection).
    fileprivate func seegOnly() -> Montage {
        var copy = self
        for index in copy.channels.indices { copy.channels[index].kind = .seeg }
        return copy
    }
}

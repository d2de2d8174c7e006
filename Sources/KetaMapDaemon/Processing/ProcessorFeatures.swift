import KetaMapCore
import KetaMapDSP

/// The signal processor's LFP, band-power and threshold-crossing rings, seen
/// from the recorder thread (their one consumer).
///
/// LFP row k of the file is LFP sample k, whatever happens: when processing
/// fell behind and restarted further on, the rows it skipped are written as
/// NaN, so every later row keeps its time.
final class ProcessorFeatures: FeatureSource, @unchecked Sendable {
    let processor: SignalProcessor
    /// The stream the processor works on (its index in the pipeline).
    let stream: Int
    private var nextLFPRow: UInt64 = 0
    private var nextBandPowerRow: UInt64 = 0
    private let missingLFPRow: UnsafeMutableBufferPointer<Float>
    private let missingBandPowerRow: UnsafeMutableBufferPointer<Float>

    init(_ processor: SignalProcessor, stream: Int = 0) {
        self.processor = processor
        self.stream = stream
        missingLFPRow = .allocate(capacity: processor.lfp.rowWidth)
        missingLFPRow.initialize(repeating: .nan)
        missingBandPowerRow = .allocate(capacity: processor.bandPower.rowWidth)
        missingBandPowerRow.initialize(repeating: .nan)
    }

    deinit {
        missingLFPRow.deallocate()
        missingBandPowerRow.deallocate()
    }

    func drain(into sink: any SessionSink) throws -> Int {
        var rows = 0
        while try processor.lfp.pop({ header, row in
            while nextLFPRow < header.row {
                try sink.appendLFP(UnsafeBufferPointer(missingLFPRow), stream: stream)
                nextLFPRow += 1
            }
            try sink.appendLFP(row, stream: stream)
            nextLFPRow = header.row + 1
        }) { rows += 1 }
        while try processor.bandPower.pop({ header, row in
            while nextBandPowerRow < header.row {
                try sink.appendBandPower(UnsafeBufferPointer(missingBandPowerRow), stream: stream)
                nextBandPowerRow += 1
            }
            try sink.appendBandPower(row, stream: stream)
            nextBandPowerRow = header.row + 1
        }) { rows += 1 }
        while try processor.crossings.pop({ crossing, waveform in
            try sink.appendThresholdCrossing(
                sampleIndex: crossing.sampleIndex, processedChannel: Int(crossing.processedChannel),
                amplitudeMicrovolts: crossing.amplitudeMicrovolts, waveform: waveform, stream: stream)
        }) { rows += 1 }
        return rows
    }
}

extension SignalProcessor {
    /// Feature rows refused so far because the recorder had fallen behind.
    var droppedFeatureRows: Int { lfp.droppedRows + bandPower.droppedRows + crossings.droppedRows }
}

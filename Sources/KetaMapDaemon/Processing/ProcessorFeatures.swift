import KetaMapCore

/// The signal processor's LFP, band-power and threshold-crossing rings, seen
/// from the recorder thread (their one consumer).
struct ProcessorFeatures: FeatureSource, @unchecked Sendable {
    let processor: SignalProcessor

    init(_ processor: SignalProcessor) {
        self.processor = processor
    }

    func drain(into sink: any SessionSink) throws -> Int {
        var rows = 0
        while try processor.lfp.pop({ _, row in try sink.appendLFP(row) }) { rows += 1 }
        while try processor.bandPower.pop({ _, row in try sink.appendBandPower(row) }) { rows += 1 }
        while try processor.crossings.pop({ crossing, waveform in
            try sink.appendThresholdCrossing(
                sampleIndex: crossing.sampleIndex, processedChannel: Int(crossing.processedChannel),
                amplitudeMicrovolts: crossing.amplitudeMicrovolts, waveform: waveform)
        }) { rows += 1 }
        return rows
    }

    /// Rows refused so far because the recorder had fallen behind.
    var droppedRows: Int {
        processor.lfp.droppedRows + processor.bandPower.droppedRows + processor.crossings.droppedRows
    }
}

import Foundation
import KetaMapCore

/// A sink that keeps nothing: `ketamapctl check` runs the whole pipeline
/// into it, so the channels are tested exactly as a recording would see them.
/// Tests subclass it to keep what they look at.
class DiscardingSink: SessionSink, @unchecked Sendable {
    private var written: [UInt64]
    private let channelCounts: [Int]

    /// `channelCounts`: the channels of each stream.
    init(channelCounts: [Int]) {
        self.channelCounts = channelCounts
        written = channelCounts.map { _ in 0 }
    }

    convenience init(channelCount: Int) { self.init(channelCounts: [channelCount]) }

    /// Frames of the first stream.
    var framesWritten: UInt64 { written[0] }
    func framesWritten(stream: Int) -> UInt64 { written[stream] }
    func appendRaw(_ frames: UnsafeBufferPointer<Int16>, stream: Int) throws { written[stream] += UInt64(frames.count / channelCounts[stream]) }
    func appendLFP(_ rows: UnsafeBufferPointer<Float>, stream: Int) throws {}
    func appendBandPower(_ row: UnsafeBufferPointer<Float>, stream: Int) throws {}
    func appendThresholdCrossing(
        sampleIndex: UInt64, processedChannel: Int, amplitudeMicrovolts: Float, waveform: UnsafeBufferPointer<Float>, stream: Int
    ) throws {}
    func addDose(_ dose: DoseEvent) throws {}
    func addVoid(_ void: DoseVoid) throws {}
    func addWeight(_ weight: WeightChange) throws {}
    func addMark(_ mark: Mark) throws {}
    func addGap(_ gap: AcquisitionGap, stream: Int) throws {}
    func addClockSample(stream: Int, sampleIndex: UInt64, sessionSeconds: Double, wallClock: Date, monotonicSeconds: Double) throws {}
    func flush() throws {}
    func close(fault: String?) throws {}
}

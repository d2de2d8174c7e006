import Foundation
import KetaMapCore

/// A sink that keeps nothing: `ketamapctl check` runs the whole pipeline
/// into it, so the channels are tested exactly as a recording would see them.
/// Tests subclass it to keep what they look at.
class DiscardingSink: SessionSink, @unchecked Sendable {
    private(set) var framesWritten: UInt64 = 0
    private let channelCount: Int

    init(channelCount: Int) { self.channelCount = channelCount }

    func appendRaw(_ frames: UnsafeBufferPointer<Int16>) throws { framesWritten += UInt64(frames.count / channelCount) }
    func appendLFP(_ rows: UnsafeBufferPointer<Float>) throws {}
    func appendBandPower(_ row: UnsafeBufferPointer<Float>) throws {}
    func appendThresholdCrossing(sampleIndex: UInt64, processedChannel: Int, amplitudeMicrovolts: Float, waveform: UnsafeBufferPointer<Float>) throws {}
    func addDose(_ dose: DoseEvent) throws {}
    func addVoid(_ void: DoseVoid) throws {}
    func addWeight(_ weight: WeightChange) throws {}
    func addMark(_ mark: Mark) throws {}
    func addGap(_ gap: AcquisitionGap) throws {}
    func addClockSample(sampleIndex: UInt64, wallClock: Date, monotonicSeconds: Double) throws {}
    func flush() throws {}
    func close(fault: String?) throws {}
}

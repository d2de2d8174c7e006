import Foundation
import KetaMapCore

/// What the recorder thread writes a session to: `NWBSessionWriter`, or
/// `DiscardingSink` for a check; call order and thread are the writer's
/// (recorder thread only).
protocol SessionSink: AnyObject {
    var framesWritten: UInt64 { get }
    func appendRaw(_ frames: UnsafeBufferPointer<Int16>) throws
    func appendLFP(_ rows: UnsafeBufferPointer<Float>) throws
    func appendBandPower(_ row: UnsafeBufferPointer<Float>) throws
    func appendThresholdCrossing(sampleIndex: UInt64, processedChannel: Int, amplitudeMicrovolts: Float, waveform: UnsafeBufferPointer<Float>) throws
    func addDose(_ dose: DoseEvent) throws
    func addVoid(_ void: DoseVoid) throws
    func addWeight(_ weight: WeightChange) throws
    func addMark(_ mark: Mark) throws
    func addGap(_ gap: AcquisitionGap) throws
    func addClockSample(sampleIndex: UInt64, wallClock: Date, monotonicSeconds: Double) throws
    func flush() throws
    func close(fault: String?) throws
}

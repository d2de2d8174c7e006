import Foundation
import KetaMapCore

/// What the recorder thread writes a session to: `NWBSessionWriter`, or
/// `DiscardingSink` for a check; call order and thread are the writer's
/// (recorder thread only). `stream` is the stream's index in the pipeline
/// (always 0 in a session of one stream).
protocol SessionSink: AnyObject {
    /// Frames of stream `stream` received so far.
    func framesWritten(stream: Int) -> UInt64
    func appendRaw(_ frames: UnsafeBufferPointer<Int16>, stream: Int) throws
    func appendLFP(_ rows: UnsafeBufferPointer<Float>, stream: Int) throws
    func appendBandPower(_ row: UnsafeBufferPointer<Float>, stream: Int) throws
    func appendThresholdCrossing(
        sampleIndex: UInt64, processedChannel: Int, amplitudeMicrovolts: Float, waveform: UnsafeBufferPointer<Float>, stream: Int) throws
    func addDose(_ dose: DoseEvent) throws
    func addVoid(_ void: DoseVoid) throws
    func addWeight(_ weight: WeightChange) throws
    func addMark(_ mark: Mark) throws
    func addGap(_ gap: AcquisitionGap, stream: Int) throws
    /// Stream `stream`'s newest sample index at `sessionSeconds` of the session clock.
    func addClockSample(stream: Int, sampleIndex: UInt64, sessionSeconds: Double, wallClock: Date, monotonicSeconds: Double) throws
    func flush() throws
    func close(fault: String?) throws
}

import KetaMapCore

/// What one `Source.read(into:)` produced.
public enum SourceRead: Sendable, Equatable {
    /// `frameCount` interleaved frames were written to the start of the buffer;
    /// the first is sample `firstSample`.
    case frames(firstSample: UInt64, frameCount: Int)
    /// Samples were lost before they reached KetaMap (a device overrun): the
    /// next block starts at `gap.endSample`.
    case gap(AcquisitionGap)
    /// The source has nothing more (a replay that does not loop).
    case end
}

/// A producer of interleaved `Int16` frames on a sample clock that starts at 0.
///
/// Call order, all on the acquisition thread: `format` is fixed at creation →
/// `start()` → `read(into:)` repeatedly → `stop()`. Blocks are contiguous: each
/// starts where the previous block (or gap) ended.
public protocol Source: AnyObject {
    /// Channel count, rate and calibration; fixed before `start()`.
    var format: SampleFormat { get }
    /// Human-readable provenance for the session file (board, driver, file, seed).
    var provenance: [String: String] { get }
    /// Starts acquisition (for Comedi: issues the streaming command).
    func start() throws
    /// Waits for the next block (pacing itself in real time when asked to) and
    /// copies its frames into `buffer`, at most `buffer.count / channelCount`.
    func read(into buffer: UnsafeMutableBufferPointer<Int16>) throws -> SourceRead
    /// Stops acquisition; safe to call more than once.
    func stop()
}

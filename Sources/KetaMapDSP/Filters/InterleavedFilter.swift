/// A cascade of second-order sections over interleaved `Float` rows
/// `[frame][channel]`, for callers outside the processor (benchmarks, the
/// channel check). The same SIMD kernel the spike band runs on.
public final class InterleavedFilter {
    /// Channels per row; must be a multiple of 16 (pad the rows).
    public let channelCount: Int
    private let cascade: BiquadCascade<FloatVector>

    /// - Parameters:
    ///   - sections: e.g. `FilterDesign.butterworth(order:_:sampleRateHz:)`.
    ///   - channelCount: floats per row, a multiple of 16.
    public init(sections: [SecondOrderSection], channelCount: Int) {
        precondition(channelCount % processingLanes == 0, "pad rows to a multiple of \(processingLanes) channels")
        self.channelCount = channelCount
        cascade = BiquadCascade(sections: sections, stride: channelCount)
    }

    /// Filters `frames` rows in place, continuing from the previous call. One thread only.
    public func process(_ rows: UnsafeMutablePointer<Float>, frames: Int) {
        cascade.process(rows, frames: frames)
    }

    /// Zeroes the filter memory.
    public func reset() { cascade.reset() }
}

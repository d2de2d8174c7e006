/// Spike-band noise per channel, `σ = median(|x|) / 0.6745`, tracked over a
/// running window without sorting anything.
///
/// The median of `|x|` is followed by a multiplicative sign update each sample:
/// `m ← m·(1+ε)` when `|x| > m`, `m ← m·(1−ε)` otherwise, which settles where
/// half the samples lie above `m` (the median). For Gaussian noise the update
/// forgets with a time constant of `1 / (0.857·ε)` samples; `ε` is set so that
/// this equals the noise window (`noiseWindowSeconds`, default 2 s), which gives
/// a ±0.35 % wobble of the estimate. After a start or a gap, `ε` starts large and
/// shrinks as `1 / (0.857·n)` (the median of all samples so far) down to that
/// floor, so the estimate is good within a few hundred milliseconds.
final class RunningNoise {
    let stride: Int
    private let vectors: Int
    /// Running median of |x| per channel, in µV.
    let median: UnsafeMutablePointer<FloatVector>
    private let floorEpsilon: Float
    private var samplesSinceReset: Int = 0
    /// Estimates never fall below this (µV): flat channels stay finite and no
    /// value drifts into denormals.
    static let minimumMicrovolts: Float = 1e-3
    static let initialMicrovolts: Float = 10

    init(stride: Int, windowSeconds: Double, sampleRateHz: Double) {
        self.stride = stride
        vectors = stride / FloatVector.scalarCount
        median = .allocate(capacity: vectors)
        median.initialize(repeating: FloatVector(repeating: Self.initialMicrovolts), count: vectors)
        floorEpsilon = Float(1 / (0.857 * windowSeconds * sampleRateHz))
    }

    deinit { median.deallocate() }

    func reset() {
        median.update(repeating: FloatVector(repeating: Self.initialMicrovolts), count: vectors)
        samplesSinceReset = 0
    }

    /// Noise σ of channel `i`, in µV.
    func sigma(_ i: Int) -> Float {
        UnsafeRawPointer(median).assumingMemoryBound(to: Float.self)[i] / 0.6745
    }

    /// Updates the estimates with `frames` rows of spike-band samples. Processing thread only.
    func update(_ data: UnsafePointer<Float>, frames: Int) {
        let floor = FloatVector(repeating: Self.minimumMicrovolts)
        for f in 0..<frames {
            samplesSinceReset += 1
            let epsilon = min(0.01, max(floorEpsilon, 1 / (0.857 * Float(samplesSinceReset))))
            let up = FloatVector(repeating: 1 + epsilon)
            let down = FloatVector(repeating: 1 - epsilon)
            let row = UnsafeRawPointer(data + f * stride)
            for v in 0..<vectors {
                let x = row.loadUnaligned(fromByteOffset: v * MemoryLayout<FloatVector>.stride, as: FloatVector.self)
                let a = pointwiseMax(x, -x)
                var m = median[v]
                var factor = down
                factor.replace(with: up, where: a .> m)
                m = pointwiseMax(m * factor, floor)
                median[v] = m
            }
        }
    }
}

/// Spike-band noise per channel, `σ = median(|x|) / 0.6745`, tracked over a
/// running window without sorting anything.
///
/// The median of `|x|` is followed by a multiplicative sign update each sample:
/// `m ← m·(1+ε)` when `|x| > m`, `m ← m·(1−ε)` otherwise, which settles where
/// half the samples lie above `m` (the median). It looks at every 4th sample. For
/// Gaussian noise the update forgets with a time constant of `1 / (0.857·ε)` updates; `ε` is set so that
/// this equals the noise window (`noiseWindowSeconds`, default 2 s), which gives
/// a ±0.7 % wobble of the estimate. After a start or a gap, `ε` starts large and
/// shrinks as `1 / (0.857·n)` (the median of all samples so far) down to that
/// floor, so the estimate is good within a few hundred milliseconds.
final class RunningNoise {
    let stride: Int
    private let vectors: Int
    /// Running median of |x| per channel, in µV.
    let median: UnsafeMutablePointer<FloatVector>
    private let floorEpsilon: Float
    private var samplesSinceReset: Int = 0
    static let initialMicrovolts: Float = 10
    /// The estimate looks at every 4th frame: the median needs no more, and it cuts the cost 4×.
    static let everyNthFrame = 4
    private var phase = 0

    init(stride: Int, windowSeconds: Double, sampleRateHz: Double) {
        self.stride = stride
        vectors = stride / FloatVector.scalarCount
        median = .allocate(capacity: vectors)
        median.initialize(repeating: FloatVector(repeating: Self.initialMicrovolts), count: vectors)
        floorEpsilon = Float(Double(Self.everyNthFrame) / (0.857 * windowSeconds * sampleRateHz))
    }

    deinit { median.deallocate() }

    func reset() {
        median.update(repeating: FloatVector(repeating: Self.initialMicrovolts), count: vectors)
        samplesSinceReset = 0
        phase = 0
    }

    /// Noise σ of channel `i`, in µV.
    func sigma(_ i: Int) -> Float {
        UnsafeRawPointer(median).assumingMemoryBound(to: Float.self)[i] / 0.6745
    }

    /// Updates the estimates with `frames` rows of spike-band samples. Processing thread only.
    ///
    /// Written as a plain loop over channels, which the compiler vectorises
    /// (the SIMD mask API, `replace(with:where:)`, is 15× slower here).
    func update(_ data: UnsafePointer<Float>, frames: Int) {
        let m = UnsafeMutableRawPointer(median).assumingMemoryBound(to: Float.self)
        let n = stride
        // A tiny constant keeps flat channels finite (and out of denormals):
        // a zero input settles at lift / ε, about 1e-3 µV.
        let lift: Float = 1e-7
        var f = (Self.everyNthFrame - phase) % Self.everyNthFrame
        phase = (phase + frames) % Self.everyNthFrame
        while f < frames {
            defer { f += Self.everyNthFrame }
            samplesSinceReset += 1
            let epsilon = min(0.01, max(floorEpsilon, 1 / (0.857 * Float(samplesSinceReset))))
            let up = 1 + epsilon
            let down = 1 - epsilon
            let row = data + f * n
            for i in 0..<n {
                let a = abs(row[i])
                let old = m[i]
                m[i] = old * (a > old ? up : down) + lift
            }
        }
    }
}

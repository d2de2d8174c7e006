/// A cascade of second-order sections run in place over interleaved
/// `[frame][channel]` samples, one SIMD vector of channels at a time.
///
/// Direct form II transposed, like scipy `sosfilt`. `V` is the vector type:
/// `SIMD16<Float>` for the spike band and the LFP low-pass, `SIMD8<Double>` for
/// the band-pass and other slow (LFP-rate) stages. Coefficients and state are allocated in
/// `init`; `process` never allocates.
///
/// Memory order: frames are visited in tiles of `tileFrames` (8) rows; inside a
/// tile each channel vector runs all sections over the tile's rows. Tiles keep
/// the working set in L1 and avoid walking one column with a power-of-two
/// stride (which thrashes the cache at 1024+ channels: 8 rows stay within
/// the L1 associativity even when every row maps to the same set).
final class BiquadCascade<V: SIMD> where V.Scalar: BinaryFloatingPoint {
    /// Channels in a row (a multiple of `V.scalarCount`), i.e. the row stride in scalars.
    let stride: Int
    let sectionCount: Int
    private let vectorsPerRow: Int
    /// Per section: b0, b1, b2, a1, a2 as broadcast vectors.
    private let coefficients: UnsafeMutablePointer<V>
    /// Per (section, channel vector): the two DF2T state vectors.
    private let state: UnsafeMutablePointer<V>
    static var tileFrames: Int { 8 }

    /// - Parameters:
    ///   - sections: the design (in Double; rounded to `V.Scalar` here).
    ///   - stride: scalars per row, a multiple of `V.scalarCount`.
    init(sections: [SecondOrderSection], stride: Int) {
        precondition(stride % V.scalarCount == 0, "row stride must be a whole number of vectors")
        self.stride = stride
        sectionCount = sections.count
        vectorsPerRow = stride / V.scalarCount
        coefficients = .allocate(capacity: max(1, sections.count * 5))
        for (i, s) in sections.enumerated() {
            coefficients[i * 5 + 0] = V(repeating: V.Scalar(s.b0))
            coefficients[i * 5 + 1] = V(repeating: V.Scalar(s.b1))
            coefficients[i * 5 + 2] = V(repeating: V.Scalar(s.b2))
            coefficients[i * 5 + 3] = V(repeating: V.Scalar(s.a1))
            coefficients[i * 5 + 4] = V(repeating: V.Scalar(s.a2))
        }
        let stateCount = max(1, sections.count * vectorsPerRow * 2)
        state = .allocate(capacity: stateCount)
        state.initialize(repeating: V(), count: stateCount)
    }

    deinit {
        coefficients.deallocate()
        state.deallocate()
    }

    /// Zeroes the filter memory (after a gap).
    func reset() {
        state.update(repeating: V(), count: max(1, sectionCount * vectorsPerRow * 2))
    }

    /// Filters `frames` rows starting at `data` in place. Processing thread only.
    func process(_ data: UnsafeMutablePointer<V.Scalar>, frames: Int) {
        process(from: data, stride: stride, into: data, frames: frames)
    }

    /// Filters `frames` rows of `source` (rows `sourceStride` scalars apart) into
    /// `destination` (rows `stride` apart); the first section reads the source,
    /// so no copy is needed. `source` may equal `destination`. Processing thread only.
    func process(
        from source: UnsafePointer<V.Scalar>, stride sourceStride: Int, into destination: UnsafeMutablePointer<V.Scalar>,
        frames: Int
    ) {
        let out = UnsafeMutableRawPointer(destination)
        let input = UnsafeRawPointer(source)
        let rowBytes = stride * MemoryLayout<V.Scalar>.stride
        let sourceRowBytes = sourceStride * MemoryLayout<V.Scalar>.stride
        let vectorBytes = MemoryLayout<V>.stride
        if sectionCount == 0 {
            if UnsafeRawPointer(out) != input {
                for f in 0..<frames {
                    (out + f * rowBytes).copyMemory(from: input + f * sourceRowBytes, byteCount: rowBytes)
                }
            }
            return
        }
        var tileStart = 0
        while tileStart < frames {
            let tileEnd = min(frames, tileStart + Self.tileFrames)
            for v in 0..<vectorsPerRow {
                let column = out + v * vectorBytes
                let sourceColumn = input + v * vectorBytes
                for s in 0..<sectionCount {
                    let c = coefficients + s * 5
                    let b0 = c[0]
                    let b1 = c[1]
                    let b2 = c[2]
                    let a1 = c[3]
                    let a2 = c[4]
                    let z = state + (s * vectorsPerRow + v) * 2
                    var z1 = z[0]
                    var z2 = z[1]
                    var f = tileStart
                    if s == 0 {
                        while f < tileEnd {
                            let x = (sourceColumn + f * sourceRowBytes).loadUnaligned(as: V.self)
                            let y = b0 * x + z1
                            z1 = b1 * x - a1 * y + z2
                            z2 = b2 * x - a2 * y
                            (column + f * rowBytes).storeBytes(of: y, as: V.self)
                            f += 1
                        }
                    } else {
                        while f < tileEnd {
                            let p = column + f * rowBytes
                            let x = p.loadUnaligned(as: V.self)
                            let y = b0 * x + z1
                            z1 = b1 * x - a1 * y + z2
                            z2 = b2 * x - a2 * y
                            p.storeBytes(of: y, as: V.self)
                            f += 1
                        }
                    }
                    z[0] = z1
                    z[1] = z2
                }
            }
            tileStart = tileEnd
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// An in-place radix-2 complex FFT of one fixed power-of-two size, with its
/// twiddle factors and bit-reversal table made once (no allocation per call):
/// the simulator's spectral synthesis and the report's spectra.
public final class FourierTransform {
    /// Points per transform (a power of two).
    public let size: Int
    private let cosines: UnsafeMutablePointer<Double>
    private let sines: UnsafeMutablePointer<Double>
    private let reversed: UnsafeMutablePointer<Int>

    public init(size: Int) {
        precondition(size >= 2 && size & (size - 1) == 0, "the FFT size is a power of two")
        self.size = size
        cosines = .allocate(capacity: size / 2)
        sines = .allocate(capacity: size / 2)
        for k in 0..<(size / 2) {
            let angle = 2 * Double.pi * Double(k) / Double(size)
            cosines[k] = cos(angle)
            sines[k] = sin(angle)
        }
        reversed = .allocate(capacity: size)
        var bits = 0
        while 1 << bits < size { bits += 1 }
        for i in 0..<size {
            var r = 0
            for b in 0..<bits where i & (1 << b) != 0 { r |= 1 << (bits - 1 - b) }
            reversed[i] = r
        }
    }

    deinit {
        cosines.deallocate()
        sines.deallocate()
        reversed.deallocate()
    }

    /// `X[k] = Σₙ x[n]·e^(−2πikn/N)`, in place on split real/imaginary arrays: the inverse of the conjugate, conjugated.
    public func forward(real: UnsafeMutablePointer<Double>, imaginary: UnsafeMutablePointer<Double>) {
        for i in 0..<size { imaginary[i] = -imaginary[i] }
        inverse(real: real, imaginary: imaginary)
        for i in 0..<size { imaginary[i] = -imaginary[i] }
    }

    /// `x[n] = Σₖ X[k]·e^(+2πikn/N)` (inverse direction, no 1/N), in place on split real/imaginary arrays.
    public func inverse(real: UnsafeMutablePointer<Double>, imaginary: UnsafeMutablePointer<Double>) {
        for i in 0..<size {
            let j = reversed[i]
            if j > i {
                swap(&real[i], &real[j])
                swap(&imaginary[i], &imaginary[j])
            }
        }
        var half = 1
        while half < size {
            let step = size / (2 * half)
            var start = 0
            while start < size {
                for k in 0..<half {
                    let wr = cosines[k * step], wi = sines[k * step]
                    let a = start + k, b = a + half
                    let tr = real[b] * wr - imaginary[b] * wi
                    let ti = real[b] * wi + imaginary[b] * wr
                    real[b] = real[a] - tr
                    imaginary[b] = imaginary[a] - ti
                    real[a] += tr
                    imaginary[a] += ti
                }
                start += 2 * half
            }
            half *= 2
        }
    }
}

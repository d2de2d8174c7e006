import Foundation

/// One second-order section (biquad) in the normalised form scipy uses
/// (`a0 = 1`): `y = b0·x + b1·x[-1] + b2·x[-2] − a1·y[-1] − a2·y[-2]`.
public struct SecondOrderSection: Sendable, Equatable, Codable {
    public var b0: Double
    public var b1: Double
    public var b2: Double
    public var a1: Double
    public var a2: Double

    public init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
        self.b0 = b0
        self.b1 = b1
        self.b2 = b2
        self.a1 = a1
        self.a2 = a2
    }
}

/// Filter designs as cascades of second-order sections, computed once when a
/// stage is prepared (never per block).
///
/// Butterworth filters follow the textbook (and scipy `butter(..., output='sos')`)
/// route: analog prototype poles, frequency transform with pre-warped edges,
/// bilinear transform, conjugate poles paired into sections. The gain is set
/// so that the passband reference (DC, Nyquist or the band centre) has gain 1.
public enum FilterDesign {
    /// What a Butterworth design passes.
    public enum Kind: Sendable, Equatable, Codable {
        /// Passes below `cutoffHz`.
        case lowPass(cutoffHz: Double)
        /// Passes above `cutoffHz`.
        case highPass(cutoffHz: Double)
        /// Passes between `lowHz` and `highHz` (order doubles, as in scipy).
        case bandPass(lowHz: Double, highHz: Double)
    }

    /// A design that cannot be built at this sample rate.
    public struct DesignError: Error, CustomStringConvertible, Equatable {
        /// What was asked and what would work.
        public var description: String
    }

    /// Butterworth design of `order` (per edge) at `sampleRateHz`.
    ///
    /// Same filter as scipy `butter(order, Wn, btype, fs=sampleRateHz, output='sos')`.
    /// Low- and high-pass give `(order + 1) / 2` sections, band-pass `order` sections.
    /// - Throws: `DesignError` when an edge is not strictly between 0 Hz and Nyquist,
    ///   or the band is empty, or the order is below 1.
    public static func butterworth(order: Int, _ kind: Kind, sampleRateHz fs: Double) throws(DesignError)
        -> [SecondOrderSection]
    {
        guard order >= 1 else { throw DesignError(description: "filter order must be at least 1 (got \(order))") }
        let nyquist = fs / 2
        func check(_ f: Double) throws(DesignError) {
            guard f > 0, f < nyquist else {
                throw DesignError(
                    description: "edge \(f) Hz must lie between 0 and Nyquist (\(nyquist) Hz) at \(fs) Hz; lower it or raise the rate")
            }
        }
        // Pre-warped analog frequencies (rad/s) for the bilinear transform with 2·fs.
        let fs2 = 2 * fs
        func warp(_ f: Double) -> Double { fs2 * tan(Double.pi * f / fs) }

        // Analog Butterworth prototype: poles on the unit circle's left half.
        var prototype: [Complex] = []
        for k in 0..<order {
            let theta = Double.pi * Double(2 * k + order + 1) / Double(2 * order)
            prototype.append(Complex(cos(theta), sin(theta)))
        }

        var analogPoles: [Complex] = []
        var zerosAtOne = 0  // digital zeros at z = +1 (analog zeros at s = 0)
        var zerosAtMinusOne = 0  // digital zeros at z = -1 (analog zeros at infinity)
        let referenceZ: Complex  // where the gain is normalised to 1
        switch kind {
        case .lowPass(let fc):
            try check(fc)
            let wc = warp(fc)
            analogPoles = prototype.map { $0 * wc }
            zerosAtMinusOne = order
            referenceZ = Complex(1, 0)
        case .highPass(let fc):
            try check(fc)
            let wc = warp(fc)
            analogPoles = prototype.map { Complex(wc, 0) / $0 }
            zerosAtOne = order
            referenceZ = Complex(-1, 0)
        case .bandPass(let lo, let hi):
            try check(lo)
            try check(hi)
            guard lo < hi else {
                throw DesignError(description: "band-pass low edge \(lo) Hz must be below the high edge \(hi) Hz")
            }
            let w1 = warp(lo)
            let w2 = warp(hi)
            let bw = w2 - w1
            let w0 = (w1 * w2).squareRoot()
            for p in prototype {
                let scaled = p * (bw / 2)
                let root = (scaled * scaled - Complex(w0 * w0, 0)).squareRoot()
                analogPoles.append(scaled + root)
                analogPoles.append(scaled - root)
            }
            zerosAtOne = order
            zerosAtMinusOne = order
            // The analog centre w0 maps to this digital frequency.
            let centre = 2 * atan(w0 / fs2)
            referenceZ = Complex(cos(centre), sin(centre))
        }

        // Bilinear transform of the poles.
        let poles = analogPoles.map { (Complex(fs2, 0) + $0) / (Complex(fs2, 0) - $0) }
        return pairIntoSections(
            poles: poles, zerosAtOne: zerosAtOne, zerosAtMinusOne: zerosAtMinusOne, referenceZ: referenceZ)
    }

    /// The complex gain of a cascade at digital frequency `frequencyHz`.
    public static func response(of sections: [SecondOrderSection], atHz frequencyHz: Double, sampleRateHz fs: Double)
        -> (magnitude: Double, phaseRadians: Double)
    {
        let w = 2 * Double.pi * frequencyHz / fs
        let h = evaluate(sections, at: Complex(cos(w), sin(w)))
        return (h.magnitude, atan2(h.im, h.re))
    }

    // MARK: - Internals

    static func evaluate(_ sections: [SecondOrderSection], at z: Complex) -> Complex {
        let zi = Complex(1, 0) / z
        let zi2 = zi * zi
        var h = Complex(1, 0)
        for s in sections {
            let num = Complex(s.b0, 0) + zi * s.b1 + zi2 * s.b2
            let den = Complex(1, 0) + zi * s.a1 + zi2 * s.a2
            h = h * num / den
        }
        return h
    }

    /// Pairs conjugate poles (and the real zeros) into sections; poles
    /// farthest from the unit circle come first, as scipy orders them.
    private static func pairIntoSections(
        poles: [Complex], zerosAtOne: Int, zerosAtMinusOne: Int, referenceZ: Complex
    ) -> [SecondOrderSection] {
        let tolerance = 1e-10
        var complexPoles = poles.filter { $0.im > tolerance }
        var realPoles = poles.filter { abs($0.im) <= tolerance }.map { $0.re }
        complexPoles.sort { $0.magnitude < $1.magnitude }
        realPoles.sort { abs($0) < abs($1) }

        // Each entry: the section's denominator (a1, a2) and its pole count.
        var denominators: [(a1: Double, a2: Double, count: Int)] = []
        var i = 0
        while i + 1 < realPoles.count {
            denominators.append((-(realPoles[i] + realPoles[i + 1]), realPoles[i] * realPoles[i + 1], 2))
            i += 2
        }
        let leftoverReal: Double? = i < realPoles.count ? realPoles[i] : nil
        for p in complexPoles { denominators.append((-2 * p.re, p.re * p.re + p.im * p.im, 2)) }
        denominators.sort { $0.a2.magnitude < $1.a2.magnitude }
        if let r = leftoverReal { denominators.insert((-r, 0, 1), at: 0) }

        var onesLeft = zerosAtOne
        var minusOnesLeft = zerosAtMinusOne
        var sections: [SecondOrderSection] = []
        for d in denominators {
            // Give each section as many zeros as poles: one of each kind where both exist.
            var numerator = [1.0, 0, 0]  // coefficients of z^0, z^-1, z^-2
            var degree = 0
            func multiply(byRootAt root: Double) {
                // (1 - root·z^-1)
                let old = numerator
                numerator[1] = old[1] - root * old[0]
                numerator[2] = old[2] - root * old[1]
            }
            while degree < d.count {
                if onesLeft > 0 && (minusOnesLeft == 0 || degree == 0 || onesLeft > minusOnesLeft) {
                    multiply(byRootAt: 1)
                    onesLeft -= 1
                } else if minusOnesLeft > 0 {
                    multiply(byRootAt: -1)
                    minusOnesLeft -= 1
                }
                degree += 1
            }
            sections.append(SecondOrderSection(b0: numerator[0], b1: numerator[1], b2: numerator[2], a1: d.a1, a2: d.a2))
        }
        // Overall gain 1 at the reference frequency, carried by the first section (as scipy).
        let gain = 1 / evaluate(sections, at: referenceZ).magnitude
        sections[0].b0 *= gain
        sections[0].b1 *= gain
        sections[0].b2 *= gain
        return sections
    }
}

/// The few complex-number operations the designs need.
struct Complex: Equatable {
    var re: Double
    var im: Double
    init(_ re: Double, _ im: Double) {
        self.re = re
        self.im = im
    }
    var magnitude: Double { (re * re + im * im).squareRoot() }
    static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
    static func - (a: Complex, b: Complex) -> Complex { Complex(a.re - b.re, a.im - b.im) }
    static func * (a: Complex, b: Complex) -> Complex {
        Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
    }
    static func * (a: Complex, s: Double) -> Complex { Complex(a.re * s, a.im * s) }
    static func / (a: Complex, b: Complex) -> Complex {
        let d = b.re * b.re + b.im * b.im
        return Complex((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d)
    }
    /// Principal square root.
    func squareRoot() -> Complex {
        let m = magnitude
        let r = ((m + re) / 2).squareRoot()
        let i = ((m - re) / 2).squareRoot()
        return Complex(r, im < 0 ? -i : i)
    }
}

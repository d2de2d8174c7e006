/// One input range of a channel (`comedi_range`): the physical values of count 0
/// and count `maxdata`.
public struct ComediRange: Sendable, Equatable {
    /// The unit of `min` and `max` (`UNIT_*`).
    public enum Unit: Sendable, Equatable {
        /// Volts (`UNIT_volt`).
        case volts
        /// Milliamperes (`UNIT_mA`).
        case milliamperes
        /// No unit (`UNIT_none`).
        case none
        /// A unit this build does not know, with its raw value.
        case other(UInt32)

        /// Short name for listings: `V`, `mA`, ``, `unit N`.
        public var symbol: String {
            switch self {
            case .volts: "V"
            case .milliamperes: "mA"
            case .none: ""
            case .other(let raw): "unit \(raw)"
            }
        }
    }

    /// Physical value of count 0 (`comedi_range.min`).
    public var min: Double
    /// Physical value of count `maxdata` (`comedi_range.max`).
    public var max: Double
    /// Unit of `min` and `max`.
    public var unit: Unit

    /// Creates a range.
    public init(min: Double, max: Double, unit: Unit = .volts) {
        self.min = min
        self.max = max
        self.unit = unit
    }

    /// `[-10, 10] V`.
    public var description: String { "[\(min.formattedCompactly), \(max.formattedCompactly)] \(unit.symbol)" }

    /// The nominal conversion `phys = min + (max − min) · raw / maxdata` as a polynomial
    /// (what `comedi_to_phys` computes, and `comedi_get_hardcal_converter` returns on
    /// boards without a calibration).
    public func linearPolynomial(maxdata: UInt32) -> ComediPolynomial {
        ComediPolynomial(coefficients: [min, (max - min) / Double(maxdata)], expansionOrigin: 0)
    }
}

/// A Comedi conversion polynomial (`comedi_polynomial_t`):
/// `phys = Σ coefficients[i] · (raw − expansionOrigin)^i`, raw being the card's count.
public struct ComediPolynomial: Sendable, Equatable {
    /// c₀, c₁, … (`coefficients[0...order]`).
    public var coefficients: [Double]
    /// The count the polynomial is expanded around (`expansion_origin`).
    public var expansionOrigin: Double

    /// Creates a polynomial; `coefficients.count − 1` is its order.
    public init(coefficients: [Double], expansionOrigin: Double) {
        self.coefficients = coefficients
        self.expansionOrigin = expansionOrigin
    }

    /// The physical value of `raw` counts.
    public func evaluate(_ raw: Double) -> Double {
        let x = raw - expansionOrigin
        return coefficients.reversed().reduce(0) { $0 * x + $1 }
    }

    /// The same polynomial in powers of the raw count itself (origin 0):
    /// `phys = Σ dₖ · raw^k`, by binomial expansion of `(raw − origin)^i`.
    public var rawPowerCoefficients: [Double] {
        let n = coefficients.count
        var result = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var binomial = 1.0  // C(i, k)
            for k in 0...i {
                if k > 0 { binomial = binomial * Double(i - k + 1) / Double(k) }
                var power = 1.0  // (−origin)^(i − k)
                for _ in 0..<(i - k) { power *= -expansionOrigin }
                result[k] += coefficients[i] * binomial * power
            }
        }
        return result
    }

    /// True when terms above the linear one are all zero.
    public var isLinear: Bool { coefficients.dropFirst(2).allSatisfy { $0 == 0 } }
}

extension Double {
    /// `10`, `-5`, `0.05`: no trailing `.0` for whole numbers.
    var formattedCompactly: String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}

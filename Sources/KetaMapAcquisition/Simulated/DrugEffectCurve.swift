import KetaMapCore

/// The simulated drug effect over time after one dose: a one-compartment
/// model with first-order absorption and elimination (the Bateman function)
/// after a lag, scaled so that the peak is 1.
///
/// ```
///   effect(t) = 0                                         for t ≤ onset
///             = (e^(−ke·τ) − e^(−ka·τ)) / norm,  τ = t − onset
/// ```
/// `ke = ln 2 / halfLife`; `ka > ke` is chosen so that the peak falls at
/// `peakSeconds` after the dose. Every dose has the same shape and height
/// (the amount is not modelled); the effects of several doses add.
public struct DrugEffectCurve: Sendable, Equatable {
    /// Seconds from the dose to the first effect.
    public let onsetSeconds: Double
    /// Seconds from the dose to the peak effect.
    public let peakSeconds: Double
    /// Elimination half-life, in seconds.
    public let halfLifeSeconds: Double
    /// Elimination and absorption rate constants, in 1/s.
    public let eliminationPerSecond: Double
    public let absorptionPerSecond: Double
    private let norm: Double

    /// The curve for `settings` (`onsetSeconds`, `peakSeconds`, `halfLifeSeconds`).
    public init(settings: SimulatorSettings) {
        self.init(onsetSeconds: settings.onsetSeconds, peakSeconds: settings.peakSeconds, halfLifeSeconds: settings.halfLifeSeconds)
    }

    /// A curve whose peak is `peakSeconds − onsetSeconds` after the onset. If that
    /// rise is longer than the model allows (`1/ke`), absorption is made as slow as
    /// it can be and the peak comes at `onset + 1/ke`.
    public init(onsetSeconds: Double, peakSeconds: Double, halfLifeSeconds: Double) {
        precondition(halfLifeSeconds > 0 && peakSeconds > onsetSeconds, "the peak follows the onset; the half-life is positive")
        self.onsetSeconds = onsetSeconds
        self.peakSeconds = peakSeconds
        self.halfLifeSeconds = halfLifeSeconds
        let ke = 0.693_147_180_559_945_3 / halfLifeSeconds
        let rise = peakSeconds - onsetSeconds
        // tmax(ka) = ln(ka/ke)/(ka − ke) falls from 1/ke (ka → ke) to 0 (ka → ∞): bisect on log(ka).
        var low = ke * (1 + 1e-9)
        var high = ke * 1e12
        if rise < 1 / ke {
            for _ in 0..<200 {
                let mid = (low * high).squareRoot()
                let tmax = (mid / ke).logarithm / (mid - ke)
                if tmax > rise { low = mid } else { high = mid }
            }
        } else {
            high = low * (1 + 1e-6)
        }
        let ka = (low * high).squareRoot()
        eliminationPerSecond = ke
        absorptionPerSecond = ka
        let tmax = (ka / ke).logarithm / (ka - ke)
        norm = Self.bateman(tmax, ke: ke, ka: ka)
    }

    private static func bateman(_ t: Double, ke: Double, ka: Double) -> Double {
        exp(-ke * t) - exp(-ka * t)
    }

    /// The effect, 0…1, `secondsSinceDose` after a dose (0 before the onset).
    public func effect(secondsSinceDose t: Double) -> Double {
        let tau = t - onsetSeconds
        guard tau > 0 else { return 0 }
        return max(0, Self.bateman(tau, ke: eliminationPerSecond, ka: absorptionPerSecond) / norm)
    }
}

fileprivate extension Double {
    /// Natural logarithm.
    var logarithm: Double { log(self) }
}

#if canImport(Glibc)
import Glibc
import KetaMapConfiguration
#endif

import KetaMapCore

/// The simulated drug effect over time: a one-compartment model with
/// first-order absorption and elimination (the Bateman function) after a lag,
/// driven by the amount given, and a saturating (Emax) effect of the summed
/// concentration.
///
/// ```
///   b(τ) = (e^(−ke·τ) − e^(−ka·τ)) / norm,  τ = t − onset      (0 for τ ≤ 0; peak 1)
///   bolus of D mg/kg:            c(t) = D/Dref · b(τ)
///   infusion of D over T s:      c(t) = D/Dref · 1/T ∫₀^min(τ,T) b(τ − s) ds     (rises over T)
///   effect(c) = c · (1 + K) / (c + K)                            (1 at c = 1, at most 1 + K)
/// ```
/// `ke = ln 2 / halfLife`; `ka > ke` is chosen so that a bolus peaks at
/// `peakSeconds` after it. Concentrations are in units of the peak of a
/// reference bolus (`Dref` = 0.5 mg/kg), so effect 1 — the configured dB — is
/// that bolus at its peak; the concentrations of several doses add, and a
/// larger dose gives a larger effect, saturating at `1 + K`.
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

    /// The bolus whose peak is effect 1 (the configured dB), in mg/kg.
    public static let referenceMilligramsPerKilogram = 0.5
    /// The concentration (in reference peaks) giving half the largest effect;
    /// the largest effect is `1 + K` times the reference.
    public static let halfMaximalConcentration = 1.0

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

    /// `∫ b` from `start` to `start + length`, before the division by `norm`,
    /// written with `expm1` so that a short infusion loses no precision.
    private func integral(from start: Double, length: Double) -> Double {
        let ke = eliminationPerSecond, ka = absorptionPerSecond
        return exp(-ke * start) * -expm1(-ke * length) / ke - exp(-ka * start) * -expm1(-ka * length) / ka
    }

    /// The concentration, in peaks of the reference bolus, `secondsSinceStart`
    /// after a dose of `milligramsPerKilogram` started: given at once
    /// (`infusionSeconds` nil or 0) or evenly over `infusionSeconds`.
    public func concentration(secondsSinceStart t: Double, milligramsPerKilogram dose: Double, infusionSeconds: Double? = nil) -> Double {
        let tau = t - onsetSeconds
        guard tau > 0, dose > 0 else { return 0 }
        let scale = dose / Self.referenceMilligramsPerKilogram
        guard let length = infusionSeconds, length > 0 else {
            return scale * max(0, Self.bateman(tau, ke: eliminationPerSecond, ka: absorptionPerSecond) / norm)
        }
        let given = min(tau, length)
        return scale * max(0, integral(from: tau - given, length: given) / (length * norm))
    }

    /// The effect of a summed concentration: 0 at none, 1 at the reference peak, saturating at `1 + K`.
    public func effect(concentration c: Double) -> Double {
        guard c > 0 else { return 0 }
        let k = Self.halfMaximalConcentration
        return c * (1 + k) / (c + k)
    }

    /// The effect `secondsSinceDose` after the reference bolus (0 before the onset, 1 at the peak).
    public func effect(secondsSinceDose t: Double) -> Double {
        effect(concentration: concentration(secondsSinceStart: t, milligramsPerKilogram: Self.referenceMilligramsPerKilogram))
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

/// A dose in the units totals and limits are kept in: mg and mg/kg (and, for an
/// infusion, its rate in mg/kg/h), converted with the subject's weight at the time.
public struct NormalizedDose: Sendable, Equatable, Codable {
    /// Body weight the conversion used, in kg.
    public var weightKilograms: Double
    /// The whole dose (for an infusion, rate × duration), in mg.
    public var milligrams: Double
    /// The whole dose per kilogram of body weight, in mg/kg.
    public var milligramsPerKilogram: Double
    /// An infusion's rate, in mg/kg/h; nil for a bolus.
    public var milligramsPerKilogramPerHour: Double?

    public init(weightKilograms: Double, milligrams: Double, milligramsPerKilogram: Double, milligramsPerKilogramPerHour: Double? = nil) {
        self.weightKilograms = weightKilograms
        self.milligrams = milligrams
        self.milligramsPerKilogram = milligramsPerKilogram
        self.milligramsPerKilogramPerHour = milligramsPerKilogramPerHour
    }
}

extension DoseRequest {
    /// The request in mg and mg/kg for a subject of `weightKilograms` (a rate
    /// unit is multiplied by the infusion's duration). Call on a request that
    /// passed `validate()`.
    public func normalized(weightKilograms weight: Double) -> NormalizedDose {
        let scaled = amount * unit.milligramsPerUnit
        let hours = overSeconds.map { $0 / 3600 }
        let perKilogram: Double
        let milligrams: Double
        if unit.isRate {
            perKilogram = scaled * (overSeconds ?? 0)
            milligrams = perKilogram * weight
        } else if unit.isPerKilogram {
            perKilogram = scaled
            milligrams = scaled * weight
        } else {
            milligrams = scaled
            perKilogram = scaled / weight
        }
        let rate = unit.isRate ? scaled * 3600 : hours.map { perKilogram / $0 }
        return NormalizedDose(weightKilograms: weight, milligrams: milligrams, milligramsPerKilogram: perKilogram, milligramsPerKilogramPerHour: rate)
    }
}

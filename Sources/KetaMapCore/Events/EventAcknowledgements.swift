/// A recorded dose, the totals it makes and the time since the one before.
public struct DoseAcknowledgement: Sendable, Equatable, Codable {
    public var dose: DoseEvent
    public var dosing: DosingSummary
    /// Seconds between the previous standing dose's start and this one's; nil for the first.
    public var secondsSincePreviousDose: Double?

    public init(dose: DoseEvent, dosing: DosingSummary, secondsSincePreviousDose: Double?) {
        self.dose = dose
        self.dosing = dosing
        self.secondsSincePreviousDose = secondsSincePreviousDose
    }
}

/// A recorded correction and the totals without the voided dose.
public struct VoidAcknowledgement: Sendable, Equatable, Codable {
    public var void: DoseVoid
    public var dosing: DosingSummary

    public init(void: DoseVoid, dosing: DosingSummary) {
        self.void = void
        self.dosing = dosing
    }
}

/// A recorded weight change and the totals (per-kg figures of later doses use it).
public struct WeightAcknowledgement: Sendable, Equatable, Codable {
    public var weight: WeightChange
    public var dosing: DosingSummary

    public init(weight: WeightChange, dosing: DosingSummary) {
        self.weight = weight
        self.dosing = dosing
    }
}

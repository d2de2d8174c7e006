import Foundation

/// Plausibility limits: a dose outside them is refused, naming the limit it
/// broke, unless the clinician confirms it (`--confirm`), and then the
/// override is recorded with the dose. They catch slips (mg for µg, a wrong
/// unit, an extra zero), not clinical judgement.
public struct DoseLimits: Sendable, Equatable, Codable {
    /// Limits on one dose, per drug, route and measure.
    public var perDose: [DoseLimit]
    /// Limits on what a session gives of one drug, voided doses left out.
    public var session: [SessionDoseLimit]

    public init(perDose: [DoseLimit], session: [SessionDoseLimit]) {
        self.perDose = perDose
        self.session = session
    }

    /// Ketamine and esketamine limits from clinical practice: sub-anaesthetic
    /// 0.5 mg/kg over 40 min iv; anaesthetic induction up to about 4.5 mg/kg iv;
    /// im up to about 13 mg/kg; intranasal esketamine 28–84 mg.
    public static let clinicalDefaults = DoseLimits(
        perDose: [
            DoseLimit(drug: "ketamine", route: .ivBolus, measure: .milligramsPerKilogram, maximum: 4.5, basis: "iv anaesthetic induction is at most about 4.5 mg/kg"),
            DoseLimit(drug: "ketamine", route: .ivInfusion, measure: .milligramsPerKilogram, maximum: 4.5, basis: "an iv infusion gives at most the 4.5 mg/kg of an anaesthetic induction"),
            DoseLimit(drug: "ketamine", route: .ivInfusion, measure: .milligramsPerKilogramPerHour, maximum: 6, basis: "iv infusions run at most about 6 mg/kg/h (100 µg/kg/min); sub-anaesthetic 0.5 mg/kg over 40 min is 0.75 mg/kg/h"),
            DoseLimit(drug: "ketamine", route: .intramuscular, measure: .milligramsPerKilogram, maximum: 13, basis: "im anaesthesia is at most about 13 mg/kg"),
            DoseLimit(drug: "ketamine", route: .intranasal, measure: .milligrams, maximum: 84, basis: "intranasal doses are at most 84 mg"),
            DoseLimit(drug: "esketamine", route: .intranasal, measure: .milligrams, minimum: 28, maximum: 84, basis: "intranasal esketamine is given as 28–84 mg"),
        ],
        session: [
            SessionDoseLimit(drug: "ketamine", measure: .milligramsPerKilogram, maximum: 13, basis: "a session gives at most the 13 mg/kg of an im anaesthesia"),
            SessionDoseLimit(drug: "esketamine", measure: .milligrams, maximum: 84, basis: "a session gives at most 84 mg of intranasal esketamine"),
        ])

    /// The limits `dose` breaks, each as a sentence, given what the session
    /// already gave of its drug (`sessionBefore`, voided doses left out).
    public func broken(by request: DoseRequest, _ dose: NormalizedDose, sessionBefore: NormalizedDose?) -> [String] {
        let drug = DoseLimit.key(request.drug)
        var broken: [String] = []
        for limit in perDose where limit.drug == drug && (limit.route == nil || limit.route == request.route) {
            guard let value = limit.measure.value(of: dose) else { continue }
            let subject = "\(request.drug) \(request.route.rawValue) \(DoseNumber.format(value)) \(limit.measure.rawValue)"
            if let maximum = limit.maximum, value > maximum {
                broken.append("\(subject) is above the \(DoseNumber.format(maximum)) \(limit.measure.rawValue) limit (\(limit.basis))")
            } else if let minimum = limit.minimum, value < minimum {
                broken.append("\(subject) is below the \(DoseNumber.format(minimum)) \(limit.measure.rawValue) limit (\(limit.basis))")
            }
        }
        for limit in session where limit.drug == drug {
            let before = sessionBefore.flatMap(limit.measure.value(of:)) ?? 0
            guard let value = limit.measure.value(of: dose) else { continue }
            let total = before + value
            if total > limit.maximum {
                broken.append("the session's \(request.drug) would reach \(DoseNumber.format(total)) \(limit.measure.rawValue), above the \(DoseNumber.format(limit.maximum)) \(limit.measure.rawValue) session limit (\(limit.basis))")
            }
        }
        return broken
    }
}

/// A range one dose of a drug must fall in, for one route (or every route).
public struct DoseLimit: Sendable, Equatable, Codable {
    /// What a limit is measured in.
    public enum Measure: String, Sendable, Codable, CaseIterable {
        case milligrams = "mg"
        case milligramsPerKilogram = "mg/kg"
        case milligramsPerKilogramPerHour = "mg/kg/h"

        /// `dose` in this measure; nil for a rate of a dose that is no infusion.
        func value(of dose: NormalizedDose) -> Double? {
            switch self {
            case .milligrams: dose.milligrams
            case .milligramsPerKilogram: dose.milligramsPerKilogram
            case .milligramsPerKilogramPerHour: dose.milligramsPerKilogramPerHour
            }
        }
    }

    /// The drug, lowercased (names are compared without case).
    public var drug: String
    /// Nil: every route.
    public var route: Route?
    public var measure: Measure
    public var minimum: Double?
    public var maximum: Double?
    /// Where the numbers come from, quoted in a refusal.
    public var basis: String

    public init(drug: String, route: Route?, measure: Measure, minimum: Double? = nil, maximum: Double? = nil, basis: String) {
        self.drug = Self.key(drug)
        self.route = route
        self.measure = measure
        self.minimum = minimum
        self.maximum = maximum
        self.basis = basis
    }

    /// How drug names are compared: trimmed and lowercased (`Ketamine` is `ketamine`).
    public static func key(_ drug: String) -> String { drug.trimmingCharacters(in: .whitespaces).lowercased() }
}

/// The most of one drug a session may give, voided doses left out.
public struct SessionDoseLimit: Sendable, Equatable, Codable {
    public var drug: String
    public var measure: DoseLimit.Measure
    public var maximum: Double
    public var basis: String

    public init(drug: String, measure: DoseLimit.Measure, maximum: Double, basis: String) {
        self.drug = DoseLimit.key(drug)
        self.measure = measure
        self.maximum = maximum
        self.basis = basis
    }
}

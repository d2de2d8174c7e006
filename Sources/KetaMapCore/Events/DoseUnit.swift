/// How a drug was given. Raw values are what the file and the command line use.
public enum Route: String, Sendable, Codable, CaseIterable {
    case ivBolus = "iv-bolus"
    case ivInfusion = "iv-infusion"
    case intramuscular = "im"
    case intranasal = "intranasal"
    case oral = "oral"
    case subcutaneous = "subcutaneous"
}

/// The unit of a dose amount: a quantity (mg, µg), a quantity per kilogram of
/// body weight, or an infusion rate per kilogram. Raw values are ASCII (`ug`);
/// `µg` and `μg` are accepted wherever a unit is read.
public enum DoseUnit: String, Sendable, Codable, CaseIterable {
    case milligrams = "mg"
    case micrograms = "ug"
    case milligramsPerKilogram = "mg/kg"
    case microgramsPerKilogram = "ug/kg"
    case milligramsPerKilogramPerHour = "mg/kg/h"
    case microgramsPerKilogramPerMinute = "ug/kg/min"

    /// Reads a unit as a person writes it: `µg/kg`, `μg/kg/min` and `mcg/kg` are the `ug` units.
    public init?(rawValue: String) {
        var text = rawValue.lowercased()
        for micro in ["µ", "μ", "mcg"] { text = text.replacingOccurrences(of: micro, with: micro == "mcg" ? "ug" : "u") }
        switch text {
        case "mg": self = .milligrams
        case "ug": self = .micrograms
        case "mg/kg": self = .milligramsPerKilogram
        case "ug/kg": self = .microgramsPerKilogram
        case "mg/kg/h", "mg/kg/hr": self = .milligramsPerKilogramPerHour
        case "ug/kg/min": self = .microgramsPerKilogramPerMinute
        default: return nil
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let unit = DoseUnit(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "`\(text)` is not a dose unit"))
        }
        self = unit
    }

    /// An infusion rate (amount per kilogram per unit of time): the infusion's duration gives the total.
    public var isRate: Bool { self == .milligramsPerKilogramPerHour || self == .microgramsPerKilogramPerMinute }

    /// Scaled by the body weight (mg/kg, µg/kg and the rates).
    public var isPerKilogram: Bool { self != .milligrams && self != .micrograms }

    /// Milligrams per unit: the amount in mg (or mg/kg), or for a rate, mg/kg per second.
    var milligramsPerUnit: Double {
        switch self {
        case .milligrams, .milligramsPerKilogram: 1
        case .micrograms, .microgramsPerKilogram: 1e-3
        case .milligramsPerKilogramPerHour: 1.0 / 3600
        case .microgramsPerKilogramPerMinute: 1e-3 / 60
        }
    }

    /// How people write it (`µg/kg/min`).
    public var symbol: String { rawValue.replacingOccurrences(of: "ug", with: "µg") }
}

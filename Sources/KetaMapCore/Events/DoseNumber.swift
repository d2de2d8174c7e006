import Foundation

/// How dose figures are printed in replies, refusals, status and the report:
/// six significant digits at most, no trailing zeros (`0.5`, `4.5`, `5000`, `1e+308`).
public enum DoseNumber {
    public static func format(_ value: Double) -> String { String(format: "%g", value) }
}

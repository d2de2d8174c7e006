import KetaMapCore

/// How doses, corrections and totals read in replies, `status` and the end-of-session summary.
public enum DoseText {
    /// `event 3: ketamine 0.5 mg/kg iv-infusion over 0:40:00.0 = 35 mg, 0.5 mg/kg at 70 kg, 0.75 mg/kg/h at 0:00:20.0 (sample 8000) by rsmith (uid 1001)`
    public static func dose(_ dose: DoseEvent, voidedBy: UInt64? = nil) -> String {
        let r = dose.request, n = dose.normalized
        let over = r.overSeconds.map { " over \(StatusText.formatDuration($0))" } ?? ""
        let rate = n.milligramsPerKilogramPerHour.map { ", \(DoseNumber.format($0)) mg/kg/h" } ?? ""
        var text = "event \(dose.eventID): \(r.drug) \(DoseNumber.format(r.amount)) \(r.unit.symbol) \(r.route.rawValue)\(over)"
        text += " = \(DoseNumber.format(n.milligrams)) mg, \(DoseNumber.format(n.milligramsPerKilogram)) mg/kg at \(DoseNumber.format(n.weightKilograms)) kg\(rate)"
        text += " at \(StatusText.formatDuration(dose.startSeconds)) (sample \(dose.sampleIndex))"
        if let account = dose.operatorAccount {
            text += " by \(account)" + (dose.peer.map { " (uid \($0.uid))" } ?? "")
        } else if dose.peer == nil {
            text += " from the config's schedule"
        }
        if !r.operator.isEmpty { text += ", noted as \"\(r.operator)\"" }
        if let override = dose.limitOverride { text += " — CONFIRMED OVER LIMIT: \(override)" }
        if let voidedBy { text += " — VOIDED by event \(voidedBy)" }
        return text
    }

    /// `dose 2 voided by event 3 at sample 2517000 (0:10:29.3 into the session)`
    public static func void(_ void: DoseVoid) -> String {
        "dose \(void.voidedEventID) voided by event \(void.eventID) at sample \(void.sampleIndex) (\(StatusText.formatDuration(void.seconds)) into the session)"
    }

    /// `weight 72 kg recorded as event 4 at sample 1234567 (0:05:08.6 into the session)`
    public static func weight(_ weight: WeightChange) -> String {
        "weight \(DoseNumber.format(weight.kilograms)) kg recorded as event \(weight.eventID) at sample \(weight.sampleIndex) (\(StatusText.formatDuration(weight.seconds)) into the session)"
    }

    /// One line per drug: `ketamine 35 mg (0.5 mg/kg) in 1 dose, last 0:02:13.0 ago`; then the weight.
    public static func totals(_ summary: DosingSummary, secondsSinceLastDose: Double?, now: Double? = nil) -> [String] {
        var lines: [String] = []
        for total in summary.totals {
            var line = "\(total.drug) \(DoseNumber.format(total.milligrams)) mg (\(DoseNumber.format(total.milligramsPerKilogram)) mg/kg) in \(total.doseCount) dose\(total.doseCount == 1 ? "" : "s")"
            if let now { line += ", last \(StatusText.formatDuration(max(0, now - total.lastDoseSeconds))) ago" }
            lines.append(line)
        }
        if summary.totals.isEmpty { lines.append("no dose stands") }
        if let since = secondsSinceLastDose { lines.append("last dose \(StatusText.formatDuration(since)) ago") }
        if !summary.voidedBy.isEmpty { lines.append("voided: event \(summary.voidedBy.keys.sorted().map(String.init).joined(separator: ", ")) (left out of the totals)") }
        lines.append(summary.weightKilograms.map { "weight \(DoseNumber.format($0)) kg" } ?? "weight unknown: give it with `ketamapctl weight KG`")
        return lines
    }

    /// The lines `status` and the session summary show for doses: each dose, then the totals.
    public static func statusLines(_ status: SessionStatus) -> [String] {
        var lines = status.doses.map { "dose    " + Self.dose($0, voidedBy: status.dosing.voidedBy[$0.eventID]) }
        lines += totals(status.dosing, secondsSinceLastDose: status.secondsSinceLastDose, now: status.recordedSeconds).map { "total   " + $0 }
        return lines
    }
}

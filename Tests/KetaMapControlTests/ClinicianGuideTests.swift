import Foundation
import KetaMapControl
import KetaMapCore
import Testing

/// `docs/clinician-guide.md` shows what `ketamapctl` prints for a dose, the
/// totals, an override and a void: each example is rendered here from the same
/// events by the code that prints them, and must appear in the guide as is.
@Suite("The clinician guide's replies")
struct ClinicianGuideTests {
    static let guide = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/clinician-guide.md")
    static let rateHz = 4000.0
    static let rsmith = PeerCredentials(uid: 1001, gid: 997, pid: 48211)

    /// Records `request` at `sample` as the session does (the ledger assesses it, by rsmith).
    static func dose(_ request: DoseRequest, at sample: UInt64, in ledger: inout DoseLedger) throws -> DoseEvent {
        let assessed = try ledger.assess(request)
        let dose = DoseEvent(
            stamping: request, atSample: sample, rateHz: rateHz, weightKilograms: assessed.normalized.weightKilograms, wallClock: "",
            eventID: ledger.takeEventID(), peer: rsmith, operatorAccount: "rsmith", limitOverride: assessed.limitOverride)
        ledger.record(dose)
        return dose
    }

    @Test("dose, totals, a refused dose and its confirmed override, a void and a weight read in the guide as ketamapctl prints them")
    func guideShowsTheReplies() throws {
        let guide = try String(contentsOf: Self.guide, encoding: .utf8)
        var ledger = DoseLedger(weightKilograms: 70)
        var expected: [String] = []

        let study = try Self.dose(
            DoseRequest(drug: "ketamine", amount: 0.5, unit: .milligramsPerKilogram, route: .ivInfusion, overSeconds: 2400, note: "started after 10 min baseline"),
            at: 2_409_200, in: &ledger)
        expected.append("dose recorded as " + DoseText.dose(study))
        expected += DoseText.totals(ledger.summary, secondsSinceLastDose: nil).map { "total   " + $0 }
        expected.append("to correct it: ketamapctl void 1 --reason TEXT")

        let absurd = DoseRequest(drug: "ketamine", amount: 6, unit: .milligramsPerKilogram, route: .ivBolus, note: "protocol amendment 4")
        #expect(throws: DoseRejection.self) { try ledger.assess(absurd) }
        var confirmed = absurd
        confirmed.confirmed = true
        let override = try Self.dose(confirmed, at: 2_461_000, in: &ledger)
        #expect(override.limitOverride != nil)
        expected.append("dose recorded as " + DoseText.dose(override))
        expected.append("previous dose \(StatusText.formatDuration(override.startSeconds - study.startSeconds)) before")
        expected += DoseText.totals(ledger.summary, secondsSinceLastDose: nil).map { "total   " + $0 }

        let void = DoseVoid(eventID: ledger.takeEventID(), voidedEventID: override.eventID, reason: "entered mg/kg, meant mg", sampleIndex: 2_517_000, seconds: 2_517_000 / Self.rateHz, wallClock: "")
        try ledger.checkVoid(of: void.voidedEventID, reason: void.reason)
        ledger.record(void)
        expected.append(DoseText.void(void))
        expected += DoseText.totals(ledger.summary, secondsSinceLastDose: nil).map { "total   " + $0 }

        let weight = WeightChange(eventID: ledger.takeEventID(), kilograms: 72, sampleIndex: 2_640_000, seconds: 2_640_000 / Self.rateHz, wallClock: "")
        expected.append(DoseText.weight(weight))

        for line in expected { #expect(guide.contains(line + "\n"), "the guide does not show: \(line)") }
    }
}

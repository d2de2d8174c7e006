import KetaMapCore
import Testing

@Suite("Dose units, weight, limits and totals")
struct DoseLedgerTests {
    let ledger = DoseLedger(weightKilograms: 70)

    private func request(_ amount: Double, _ unit: DoseUnit, _ route: Route, over: Double? = nil, drug: String = "ketamine", confirm: Bool = false) -> DoseRequest {
        DoseRequest(drug: drug, amount: amount, unit: unit, route: route, overSeconds: over, confirmed: confirm)
    }

    /// Records `request` in `ledger` as the desk does; returns the dose.
    @discardableResult
    private func record(_ request: DoseRequest, in ledger: inout DoseLedger, at seconds: Double = 0) throws -> DoseEvent {
        let assessed = try ledger.assess(request)
        let dose = DoseEvent(
            request: request, normalized: assessed.normalized, sampleIndex: UInt64(seconds * 1000), startSeconds: seconds,
            stopSeconds: seconds + (request.overSeconds ?? 0.001), wallClock: "", eventID: ledger.takeEventID(), limitOverride: assessed.limitOverride)
        ledger.record(dose)
        return dose
    }

    @Test("µg, μg, mcg and ug spell the same units; every unit and route has its name")
    func spellings() {
        #expect(DoseUnit(rawValue: "µg/kg") == .microgramsPerKilogram)
        #expect(DoseUnit(rawValue: "μg/kg/min") == .microgramsPerKilogramPerMinute)
        #expect(DoseUnit(rawValue: "mcg/kg") == .microgramsPerKilogram)
        #expect(DoseUnit(rawValue: "ug/kg/min") == .microgramsPerKilogramPerMinute)
        #expect(DoseUnit(rawValue: "MG/KG/H") == .milligramsPerKilogramPerHour)
        #expect(DoseUnit(rawValue: "g") == nil)
        #expect(DoseUnit.microgramsPerKilogramPerMinute.symbol == "µg/kg/min")
        #expect(Route.allCases.map(\.rawValue) == ["iv-bolus", "iv-infusion", "im", "intranasal", "oral", "subcutaneous"])
    }

    @Test("every unit normalises to mg and mg/kg with the weight; infusions carry their rate")
    func normalisation() throws {
        let cases: [(DoseRequest, mg: Double, perKg: Double, rate: Double?)] = [
            (request(0.5, .milligramsPerKilogram, .ivInfusion, over: 2400), 35, 0.5, 0.75),
            (request(35, .milligrams, .ivBolus), 35, 0.5, nil),
            (request(500, .microgramsPerKilogram, .intramuscular), 35, 0.5, nil),
            (request(35_000, .micrograms, .subcutaneous), 35, 0.5, nil),
            (request(0.75, .milligramsPerKilogramPerHour, .ivInfusion, over: 2400), 35, 0.5, 0.75),
            (request(10, .microgramsPerKilogramPerMinute, .ivInfusion, over: 2400), 28, 0.4, 0.6),
        ]
        for (r, mg, perKg, rate) in cases {
            let n = try ledger.assess(r).normalized
            #expect(abs(n.milligrams - mg) < 1e-9 && abs(n.milligramsPerKilogram - perKg) < 1e-12, "\(r.amount) \(r.unit.rawValue): \(n)")
            #expect(n.weightKilograms == 70)
            if let rate { #expect(abs(n.milligramsPerKilogramPerHour! - rate) < 1e-12) } else { #expect(n.milligramsPerKilogramPerHour == nil) }
        }
    }

    @Test("an absurd dose is refused with the limit it broke; --confirm records it with the override")
    func plausibilityLimits() throws {
        let absurd = request(5000, .milligramsPerKilogram, .intramuscular)
        #expect {
            try ledger.assess(absurd)
        } throws: { error in
            let rejection = error as! DoseRejection
            return rejection.field == "amount" && rejection.brokenLimits?.first?.contains("13 mg/kg limit") == true && rejection.reason.contains("--confirm")
        }
        var confirmed = absurd
        confirmed.confirmed = true
        let (normalized, override) = try ledger.assess(confirmed)
        #expect(normalized.milligrams == 350_000)
        #expect(override?.contains("ketamine im 5000 mg/kg is above the 13 mg/kg limit") == true)
        #expect(override?.contains("session limit") == true)
        #expect(try ledger.assess(request(0.5, .milligramsPerKilogram, .ivInfusion, over: 2400)).limitOverride == nil, "the study dose breaks nothing")
        #expect(throws: DoseRejection.self, "iv induction above 4.5 mg/kg") { try ledger.assess(request(5, .milligramsPerKilogram, .ivBolus)) }
        #expect(throws: DoseRejection.self, "an infusion faster than 6 mg/kg/h") { try ledger.assess(request(4, .milligramsPerKilogram, .ivInfusion, over: 1800)) }
        #expect(throws: DoseRejection.self, "esketamine below 28 mg") { try ledger.assess(request(14, .milligrams, .intranasal, drug: "Esketamine")) }
        #expect(try ledger.assess(request(56, .milligrams, .intranasal, drug: "esketamine")).limitOverride == nil)
        #expect(try ledger.assess(request(200, .milligrams, .oral, drug: "midazolam")).limitOverride == nil, "no limits for a drug without any")
    }

    @Test("numbers beyond any dose are refused even with --confirm, and none crashes")
    func beyondAnyDose() {
        for amount in [1e308, .infinity, .nan, -1, 0, 2e6] {
            #expect(throws: DoseRejection.self, "\(amount)") { try ledger.assess(request(amount, .milligramsPerKilogram, .intramuscular, confirm: true)) }
        }
        #expect(throws: DoseRejection.self, "1e6 mg/kg is 7e7 mg") { try ledger.assess(request(1e6, .milligramsPerKilogram, .intramuscular, confirm: true)) }
        #expect(throws: DoseRejection.self, "a rate without an infusion") { try ledger.assess(request(1, .milligramsPerKilogramPerHour, .ivBolus)) }
        #expect(throws: DoseRejection.self, "an infusion of 1e300 s") { try ledger.assess(request(1, .milligramsPerKilogram, .ivInfusion, over: 1e300)) }
    }

    @Test("without a weight, a dose is refused and says how to give one")
    func weightNeeded() {
        #expect(throws: DoseRejection.self) { try DoseLedger().assess(request(0.5, .milligramsPerKilogram, .ivBolus)) }
        #expect(WeightChange.check(kilograms: 72) == nil)
        #expect(WeightChange.check(kilograms: 7200)?.field == "weight")
        #expect(WeightChange.check(kilograms: .nan)?.field == "weight")
    }

    @Test("totals per drug in mg and mg/kg; a later weight converts later doses; the session limit counts what stands")
    func totalsAndSessionLimit() throws {
        var ledger = self.ledger
        try record(request(4.5, .milligramsPerKilogram, .ivBolus), in: &ledger, at: 10)
        try record(request(4.5, .milligramsPerKilogram, .ivBolus), in: &ledger, at: 20)
        try record(request(10, .milligrams, .oral, drug: "Midazolam"), in: &ledger, at: 25)
        #expect {
            try ledger.assess(request(4.5, .milligramsPerKilogram, .ivBolus))
        } throws: { ($0 as! DoseRejection).brokenLimits == ["the session's ketamine would reach 13.5 mg/kg, above the 13 mg/kg session limit (a session gives at most the 13 mg/kg of an im anaesthesia)"] }
        ledger.record(WeightChange(eventID: ledger.takeEventID(), kilograms: 80, sampleIndex: 0, seconds: 30, wallClock: ""))
        let small = try record(request(40, .milligrams, .ivBolus), in: &ledger, at: 40)
        #expect(small.normalized.milligramsPerKilogram == 0.5)
        let summary = ledger.summary
        #expect(summary.totals.map(\.drug) == ["ketamine", "Midazolam"])
        #expect(summary.totals[0].milligrams == 4.5 * 70 * 2 + 40 && summary.totals[0].milligramsPerKilogram == 9.5 && summary.totals[0].doseCount == 3)
        #expect(summary.lastDoseSeconds == 40 && summary.lastDoseEventID == small.eventID && summary.weightKilograms == 80)
    }

    @Test("a void names a standing dose; the dose stays, the totals leave it out, and it frees the session limit")
    func voids() throws {
        var ledger = self.ledger
        let first = try record(request(4.5, .milligramsPerKilogram, .ivBolus), in: &ledger, at: 10)
        let second = try record(request(4.5, .milligramsPerKilogram, .ivBolus), in: &ledger, at: 20)
        #expect(throws: DoseRejection.self, "empty reason") { try ledger.checkVoid(of: first.eventID, reason: " ") }
        #expect(throws: DoseRejection.self, "unknown event") { try ledger.checkVoid(of: 99, reason: "typo") }
        try ledger.checkVoid(of: second.eventID, reason: "entered twice")
        ledger.record(DoseVoid(eventID: ledger.takeEventID(), voidedEventID: second.eventID, reason: "entered twice", sampleIndex: 0, seconds: 30, wallClock: ""))
        #expect(throws: DoseRejection.self, "voided already") { try ledger.checkVoid(of: second.eventID, reason: "again") }
        #expect(throws: DoseRejection.self, "a void is no dose") { try ledger.checkVoid(of: 3, reason: "no") }
        #expect(ledger.doses.count == 2 && ledger.standingDoses == [first])
        #expect(ledger.summary.totals[0].milligramsPerKilogram == 4.5 && ledger.summary.voidedBy == [second.eventID: 3])
        #expect(ledger.summary.lastDoseSeconds == 10)
        #expect(try ledger.assess(request(4.5, .milligramsPerKilogram, .ivBolus)).limitOverride == nil, "the voided dose no longer counts")
        #expect(ledger.nextEventID == 4)
    }

    @Test("every text field fits the file's column or is refused with its limit")
    func textLimits() {
        var long = request(0.5, .milligramsPerKilogram, .ivBolus)
        long.note = String(repeating: "n", count: 2000)
        #expect(long.validate() == DoseRejection(field: "note", reason: "is 2000 bytes long; the session file holds at most 512 bytes (UTF-8) here: shorten it"))
        long.note = String(repeating: "é", count: 256)  // 512 bytes exactly
        #expect(long.validate() == nil)
        long.operator = String(repeating: "o", count: 65)
        #expect(long.validate()?.field == "operator")
        long.operator = ""
        long.drug = "ket\u{0}amine"
        #expect(long.validate()?.field == "drug")
        #expect(EventText.check(String(repeating: "r", count: 513), field: "reason", maxBytes: EventText.reasonBytes)?.reason.contains("512") == true)
    }

    @Test("a text with a control or invisible character is refused, naming it: it would garble or drive whatever shows it")
    func invisibleCharacters() {
        var dose = request(0.5, .milligramsPerKilogram, .ivBolus)
        for (drug, code) in [("\u{1B}[2J\u{1B}[31mRED", "U+001B"), ("keta\nmine", "U+000A"), ("\u{200B}", "U+200B"), ("keta\u{202E}enim", "U+202E"), ("ket\u{0}amine", "U+0000")] {
            dose.drug = drug
            #expect(dose.validate()?.field == "drug" && dose.validate()?.reason.contains(code) == true, "\(code): \(String(describing: dose.validate()))")
        }
        dose.drug = "kétamine 氯胺酮"  // any visible text, in any script, is a name
        #expect(dose.validate() == nil)
        #expect(EventText.check("left\tright", field: "text", maxBytes: EventText.markBytes)?.reason.contains("U+0009") == true)
    }
}

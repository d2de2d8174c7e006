import ArgumentParser
import KetaMapCore
import KetaMapControl

extension KetamapCtl {
    /// `ketamapctl dose`: records a drug administration; durable before it is acknowledged.
    struct Dose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a drug administration in a running session.",
            discussion: """
                The dose is stamped with the newest acquired sample and acknowledged only once it is on disk; \
                the reply gives its event id (for `ketamapctl void`), the dose in mg and mg/kg, the session's \
                running total of the drug and the time since the previous dose. A dose outside the plausibility \
                limits (per drug, route and unit, and for the session) is refused with the limit it broke; give \
                it again with --confirm if it is right, and the override is recorded with it.
                """)

        @Option(help: "Drug name.")
        var drug = "ketamine"

        @Option(help: ArgumentHelp("Amount, in --unit (for mg/kg/h or ug/kg/min, the infusion rate); digits, e.g. 0.5.", valueName: "amount"))
        var amount: PlainNumber

        @Option(help: "Unit of the amount: mg, ug, mg/kg, ug/kg, mg/kg/h or ug/kg/min (ug is a microgram; the micro sign may be typed for u).")
        var unit: DoseUnit = .milligramsPerKilogram

        @Option(help: "Route of administration.")
        var route: Route

        @Option(help: ArgumentHelp("Infusion length, e.g. 40m or 1h30m; a bare number is seconds (iv-infusion only).", valueName: "duration"))
        var over: DurationArgument?

        @Option(help: "A name to note beside the account that gives the command (the account is what is recorded as operator).")
        var `operator` = ""

        @Option(help: "Free-text note (at most 512 bytes).")
        var note = ""

        @Flag(help: "Record the dose even though it breaks a plausibility limit; the override is recorded with it.")
        var confirm = false

        @OptionGroup var target: SessionTarget

        func validate() throws {
            let request = makeRequest()
            if let rejection = request.validate() { throw ValidationError(rejection.description) }
        }

        func run() async throws {
            let response = try await ControlClient.send(ControlRequest(command: .dose, dose: makeRequest()), to: try target.socketPath(), timeoutSeconds: target.timeout)
            guard let dose = response.dose else { throw ControlRefusal(response) }
            print("dose recorded as " + DoseText.dose(dose))
            if let since = response.secondsSincePreviousDose { print("previous dose \(StatusText.formatDuration(since)) before") }
            for line in DoseText.totals(response.dosing ?? DosingSummary(), secondsSinceLastDose: nil) { print("total   " + line) }
            print("to correct it: ketamapctl void \(dose.eventID) --reason TEXT")
        }

        private func makeRequest() -> DoseRequest {
            DoseRequest(
                drug: drug, amount: amount.value, unit: unit, route: route, overSeconds: over?.seconds, operator: `operator`, note: note, confirmed: confirm)
        }
    }
}

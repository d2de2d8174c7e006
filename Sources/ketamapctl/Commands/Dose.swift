import ArgumentParser
import KetaMapCore
import KetaMapDaemon
import KetaMapControl

extension KetamapCtl {
    /// `ketamapctl dose`: records a drug administration; durable before it is acknowledged.
    struct Dose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a drug administration in a running session.",
            discussion: "The dose is stamped with the newest acquired sample and acknowledged only once it is on disk.")

        @Option(help: "Drug name.")
        var drug = "ketamine"

        @Option(help: "Amount, in --unit.")
        var amount: Double

        @Option(help: "Unit of the amount.")
        var unit: DoseUnit = .milligramsPerKilogram

        @Option(help: "Route of administration.")
        var route: Route

        @Option(help: ArgumentHelp("Infusion length, e.g. 40m (iv-infusion only).", valueName: "duration"))
        var over: DurationArgument?

        @Option(help: "Who gave the dose.")
        var `operator` = ""

        @Option(help: "Free-text note.")
        var note = ""

        @OptionGroup var target: SessionTarget

        func validate() throws {
            let request = makeRequest()
            if let rejection = request.validate() { throw ValidationError(rejection.description) }
        }

        func run() async throws {
            let response = try await ControlClient.send(ControlRequest(command: .dose, dose: makeRequest()), to: try target.socketPath(), timeoutSeconds: target.timeout)
            guard let dose = response.dose else { throw ControlRefusal(response) }
            print("dose recorded: \(dose.request.drug) \(dose.request.amount) \(dose.request.unit.rawValue) \(dose.request.route.rawValue) at sample \(dose.sampleIndex) (\(StatusText.formatDuration(dose.startSeconds)) into the session)")
        }

        private func makeRequest() -> DoseRequest {
            DoseRequest(drug: drug, amount: amount, unit: unit, route: route, overSeconds: over?.seconds, operator: `operator`, note: note)
        }
    }
}

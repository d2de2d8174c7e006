import ArgumentParser
import KetaMapCore
import KetaMapControl

extension KetamapCtl {
    /// `ketamapctl weight KG`: the subject's body weight from now on.
    struct Weight: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the subject's body weight in a running session.",
            discussion: """
                Recorded as an event; doses after it are converted between mg and mg/kg with it (earlier doses \
                keep the weight they were given at). The config's `weight_kg` in [subject] is the weight at start.
                """)

        @Argument(help: ArgumentHelp("Body weight in kg, e.g. 72 or 72kg.", valueName: "kg"))
        var kilograms: KilogramsArgument

        @OptionGroup var target: SessionTarget

        func validate() throws {
            if let problem = WeightChange.check(kilograms: kilograms.value) { throw ValidationError(problem.description) }
        }

        func run() async throws {
            let response = try await ControlClient.send(
                ControlRequest(command: .weight, weightKilograms: kilograms.value), to: try target.socketPath())
            guard let weight = response.weight else { throw ControlRefusal(response) }
            print(DoseText.weight(weight))
        }
    }
}

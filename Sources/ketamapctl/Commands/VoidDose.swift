import ArgumentParser
import KetaMapCore
import KetaMapControl

extension KetamapCtl {
    /// `ketamapctl void EVENT-ID --reason TEXT`: corrects a dose without deleting it.
    struct VoidDose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "void",
            abstract: "Void a mistaken dose entry in a running session.",
            discussion: """
                Nothing is deleted: a void event naming the dose is appended, the dose stays in the file marked \
                voided by it, and totals and the report leave it out. Record the right dose afterwards with `dose`.
                """)

        @Argument(help: ArgumentHelp("The dose's event id, as its acknowledgement and `status` give it.", valueName: "event-id"))
        var eventID: UInt64

        @Option(help: "Why the entry is wrong (at most 512 bytes).")
        var reason: String

        @OptionGroup var target: SessionTarget

        func validate() throws {
            if reason.allSatisfy(\.isWhitespace) { throw ValidationError("--reason is empty; say why the dose is voided") }
            if let problem = EventText.check(reason, field: "reason", maxBytes: EventText.reasonBytes) { throw ValidationError(problem.description) }
        }

        func run() async throws {
            let response = try await ControlClient.send(
                ControlRequest(command: .void, eventID: eventID, reason: reason), to: try target.socketPath())
            guard let void = response.void else { throw ControlRefusal(response) }
            print(DoseText.void(void))
            for line in DoseText.totals(response.dosing ?? DosingSummary(), secondsSinceLastDose: nil) { print("total   " + line) }
        }
    }
}

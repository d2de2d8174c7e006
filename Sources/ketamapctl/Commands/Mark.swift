import ArgumentParser
import KetaMapControl
import KetaMapCore

extension KetamapCtl {
    /// `ketamapctl mark TEXT`: a free-text annotation at the newest sample.
    struct Mark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a free-text mark to a running session.")

        @Argument(help: "What happened.")
        var text: String

        @OptionGroup var target: SessionTarget

        func run() async throws {
            let response = try await ControlClient.send(ControlRequest(command: .mark, text: text), to: try target.socketPath(), timeoutSeconds: target.timeout)
            guard let mark = response.mark else { throw ControlRefusal(response) }
            print("mark recorded as event \(mark.eventID) at sample \(mark.sampleIndex) (\(StatusText.formatDuration(mark.seconds)) into the session)")
        }
    }
}

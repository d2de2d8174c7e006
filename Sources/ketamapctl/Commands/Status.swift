import ArgumentParser
import Foundation
import KetaMapDaemon
import KetaMapControl

extension KetamapCtl {
    /// `ketamapctl status`: every channel's health, the buffers, lost samples and the file.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a running session's channels, buffers and file.")

        @OptionGroup var target: SessionTarget
        @OptionGroup var output: OutputFormat

        @Flag(help: "Refresh every second until interrupted.")
        var watch = false

        func run() async throws {
            let socket = try target.socketPath()
            repeat {
                let response = try await ControlClient.send(ControlRequest(command: .status), to: socket, timeoutSeconds: target.timeout)
                guard let status = response.status else { throw ControlRefusal(response) }
                if watch { print("\u{1B}[2J\u{1B}[H", terminator: "") }
                print(output.json ? try JSONText.encode(status) : StatusText.render(status))
                if watch { try await Task.sleep(for: .seconds(1)) }
            } while watch
        }
    }
}

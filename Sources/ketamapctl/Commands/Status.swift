import ArgumentParser
import Foundation
import KetaMapCore
import KetaMapControl

extension KetamapCtl {
    /// `ketamapctl status`: the session's state, the flagged channels, every
    /// shaft and channel; its exit status is the verdict (`StatusVerdict`).
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a running session's state, flagged channels, shafts and channels.",
            discussion: """
                Exit status: 0 all good; 1 a channel is flagged (FLAT, SATURATED or NOISY); 2 samples were lost; \
                3 the session is not reachable. --watch redraws one screen (state, flagged channels, one line per shaft) \
                every second until interrupted; add --full for every channel.
                """)

        @OptionGroup var target: SessionTarget
        @OptionGroup var output: OutputFormat

        @Flag(help: "Redraw in place every second until interrupted.")
        var watch = false

        @Flag(help: "With --watch: also show one row per channel (longer than a screen).")
        var full = false

        func validate() throws {
            if full && !watch { throw ValidationError("--full goes with --watch (status without --watch always shows every channel)") }
            if watch && (output.json || output.csv) { throw ValidationError("--watch draws text; use --json without --watch") }
        }

        func run() async throws {
            let socket = try target.socketPath()
            var drawn = false
            while true {
                let status: SessionStatus
                do {
                    let response = try await ControlClient.send(ControlRequest(command: .status), to: socket, timeoutSeconds: target.timeout)
                    guard let answer = response.status else { throw ControlRefusal(response) }
                    status = answer
                } catch {
                    if drawn { print("") }
                    StandardError.line("ketamapctl: session not reachable: \(error)")
                    throw ExitCode(StatusVerdict.notReachable.rawValue)
                }
                let verdict = ChannelHealth.verdict(lostFrames: status.lostFrames, channels: status.channels)
                guard watch else {
                    print(output.json ? try JSONText.encode(status) : StatusText.render(status))
                    throw ExitCode(verdict.rawValue)
                }
                draw(status)
                drawn = true
                try await Task.sleep(for: .seconds(1))
            }
        }

        /// Home, each line then erase-to-end-of-line, then erase below: redrawn in place, no flicker.
        private func draw(_ status: SessionStatus) {
            let size = TerminalSize.ofStandardOutput()
            var lines = StatusText.watchScreen(status, columns: size.columns, rows: size.rows)
            if full { lines += [""] + StatusText.channelTable(status.channels, bands: status.bands) }
            let frame = "\u{1B}[H" + lines.joined(separator: "\u{1B}[K\n") + "\u{1B}[K\u{1B}[J"
            FileHandle.standardOutput.write(Data(frame.utf8))
        }
    }
}

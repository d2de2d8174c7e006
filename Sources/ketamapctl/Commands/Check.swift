import ArgumentParser
import KetaMapControl

extension KetamapCtl {
    /// `ketamapctl check`: tests the channels for a few seconds without recording.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Test the channels for a few seconds without recording.",
            discussion: """
                Runs the configured source and prints the flagged channels, one line per shaft and each channel's RMS, \
                line noise, spike rate, flags and band powers. Exit status: 0 all good; 1 a channel is flagged; \
                2 samples were lost; 3 the source could not be read; 78 the configuration is refused.
                """)

        @Option(help: ArgumentHelp("Configuration file (TOML); default: the embedded default config.", valueName: "path"))
        var config: String?

        @Option(help: "Seconds to acquire.")
        var seconds: Double = 3

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            guard seconds >= 1, seconds <= 600 else { throw ValidationError("--seconds must be between 1 and 600") }
        }

        func run() async throws {
            let outcome: ChannelCheckOutcome
            do {
                outcome = try KetamapdCheck.run(config: config, seconds: seconds)
            } catch {
                StandardError.line("ketamapctl: the check could not run: \(error)")
                throw ExitCode(StatusVerdict.notReachable.rawValue)
            }
            switch outcome {
            case .measured(let report):
                print(json ? try JSONText.encode(report) : StatusText.renderCheck(report))
                throw ExitCode(report.verdict.rawValue)
            case .configurationRefused(let error):
                StandardError.line("ketamapctl: \(error)")
                throw ExitCode(78)
            case .sourceUnreadable(let error):
                StandardError.line("ketamapctl: the source could not be read: \(error)")
                throw ExitCode(StatusVerdict.notReachable.rawValue)
            }
        }
    }
}

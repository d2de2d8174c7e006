import ArgumentParser
import KetaMapCore
import KetaMapDaemon
import Logging
import KetaMapConfiguration
import KetaMapControl

extension KetamapCtl {
    /// `ketamapctl check`: tests the channels for a few seconds without recording.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Test the channels for a few seconds without recording.",
            discussion: "Runs the configured source and prints each channel's RMS, line noise, flat/saturated flags and spike rate.")

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
            LoggingSystem.bootstrapForKetaMap(label: "ketamapctl", level: .warning)
            let configuration = try config.map { try ConfigurationLoader.load(path: $0) } ?? ConfigurationLoader.loadDefault()
            let channels = try await ChannelCheck.run(configuration: configuration, seconds: seconds, logger: Logger(label: "ketamapctl"))
            if json {
                print(try JSONText.encode(channels))
                return
            }
            print(StatusText.renderChannels(channels))
            let problems = channels.filter { $0.isFlat || $0.isSaturated }.map(\.name)
            print(problems.isEmpty ? "\nall \(channels.count) channels look alive" : "\ncheck these channels: \(problems.joined(separator: " "))")
        }
    }
}

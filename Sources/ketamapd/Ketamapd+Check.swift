import ArgumentParser
import Foundation
import KetaMapConfiguration
import KetaMapControl
import KetaMapDaemon
import Logging

extension Ketamapd {
    /// `ketamapd --check SECONDS`, what `ketamapctl check` runs as a child: the
    /// session's pipeline into a sink that keeps nothing, and its outcome as one
    /// JSON document (`ChannelCheckOutcome`) on standard output. Exits 0 when it
    /// measured, 78 when the configuration is refused, 69 when the source failed.
    func check(seconds: Double, logger: Logger) async throws {
        StopSignals.deliver { number in Foundation.exit(128 + number) }  // a check records nothing: a stop ends it at once
        let (outcome, status) = await checkOutcome(seconds: seconds, logger: logger)
        print(try JSONText.encode(outcome))
        if status != .clean { throw ExitCode(status.rawValue) }
    }

    private func checkOutcome(seconds: Double, logger: Logger) async -> (ChannelCheckOutcome, ExitStatus) {
        let configuration: Configuration
        do {
            configuration = try config.map { try ConfigurationLoader.load(path: $0) } ?? ConfigurationLoader.loadDefault()
        } catch {
            return (.configurationRefused(error: "\(error)"), .configuration)
        }
        do {
            return (.measured(report: try await ChannelCheck.run(configuration: configuration, seconds: seconds, logger: logger)), .clean)
        } catch let error as ConfigError {
            return (.configurationRefused(error: "\(error)"), .configuration)
        } catch {
            return (.sourceUnreadable(error: "\(error)"), .sourceFault)
        }
    }
}

import Foundation
import KetaMapControl

/// `ketamapctl check` through the daemon's binary: `ketamapd --check` runs the
/// session's pipeline, which `ketamapctl` does not link, and prints its outcome
/// as JSON; its warnings go to the standard error both share.
enum KetamapdCheck {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func run(config: String?, seconds: Double) throws -> ChannelCheckOutcome {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = ["--check", "\(seconds)", "--log-level", "warning"] + (config.map { ["--config", $0] } ?? [])
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard let outcome = try? JSONText.decode(ChannelCheckOutcome.self, from: text) else {
            throw Failure(description: "\(process.executableURL?.path ?? "ketamapd") --check ended with status \(process.terminationStatus) and gave no outcome")
        }
        return outcome
    }

    /// `ketamapd` beside this `ketamapctl` (where the build and `scripts/install.sh` put it), else the first in `PATH`.
    static func executable() throws -> URL {
        let fileManager = FileManager.default
        let ownFolder = (try? fileManager.destinationOfSymbolicLink(atPath: "/proc/self/exe")).map { ($0 as NSString).deletingLastPathComponent }
        let path = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map(String.init) ?? []
        for folder in [ownFolder].compactMap({ $0 }) + path where fileManager.isExecutableFile(atPath: "\(folder)/ketamapd") {
            return URL(fileURLWithPath: "\(folder)/ketamapd")
        }
        throw Failure(description: "ketamapd is neither beside ketamapctl nor in PATH; the check runs the session's pipeline in it")
    }
}

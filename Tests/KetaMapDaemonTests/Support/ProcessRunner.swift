import Foundation
import Testing

/// Runs the built `ketamapd`/`ketamapctl` (and Python) as a user would, and
/// collects their output.
struct ProcessRunner {
    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    /// The folder holding the package's built products (beside the test bundle).
    static var productsDirectory: URL {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.pathComponents.count > 1 && !FileManager.default.fileExists(atPath: url.appendingPathComponent("ketamapd").path) {
            url.deleteLastPathComponent()
        }
        return url
    }

    static func binary(_ name: String) -> String { productsDirectory.appendingPathComponent(name).path }

    /// The Python with pynwb & co: `$KETAMAP_PYTHON`. In CI its absence is a failure.
    static func python() throws -> String? {
        if let python = ProcessInfo.processInfo.environment["KETAMAP_PYTHON"] { return python }
        if ProcessInfo.processInfo.environment["CI"] != nil {
            Issue.record("KETAMAP_PYTHON is not set: CI must run the Python checks (scripts/test.sh sets it)")
        }
        return nil
    }

    /// The repository's root (for `Tests/python/…`).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Starts `executable` with `arguments`; output goes to temporary files.
    static func start(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        let err = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        return Running(process: process, outputURL: out, errorURL: err)
    }

    /// Runs to completion (or kills it after `timeout` seconds and records an issue).
    static func run(_ executable: String, _ arguments: [String], timeout: Double = 300, environment: [String: String] = [:]) throws -> Result {
        try start(executable, arguments, environment: environment).wait(timeout: timeout)
    }

    final class Running {
        let process: Process
        let outputURL: URL
        let errorURL: URL

        init(process: Process, outputURL: URL, errorURL: URL) {
            self.process = process
            self.outputURL = outputURL
            self.errorURL = errorURL
        }

        func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

        func wait(timeout: Double) throws -> Result {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning {
                Issue.record("\(process.executableURL!.lastPathComponent) did not end within \(timeout) s")
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            defer {
                try? FileManager.default.removeItem(at: outputURL)
                try? FileManager.default.removeItem(at: errorURL)
            }
            return Result(
                status: process.terminationStatus,
                output: (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "",
                error: (try? String(contentsOf: errorURL, encoding: .utf8)) ?? "")
        }
    }
}

import Foundation
import KetaMapConfiguration
import KetaMapTestSupport
import Testing

/// What an analyst does with session files, on files `ketamapd` writes here:
/// the Python package (`ketamap`: MNE, pandas, the cohort map on a local Dask
/// cluster), the BIDS export under the official validator, DANDI's validator,
/// and the analyst guide's own code.
@Suite("Analysis tools on recorded sessions", .serialized)
struct AnalysisToolsTests {
    /// Three simulated subjects with different implants: the default montage,
    /// its left hemisphere only, and its right hemisphere only; 20 s at 2 kHz
    /// with a dose at 10 s, and on the first a mark, sent while it records.
    static func recordCohort() async throws -> (EndToEndTests.Workspace, [String])? {
        let workspace = try EndToEndTests.Workspace(doseAt: 10)
        try workspace.atTwoKilohertz()
        let configs = [("sim01", nil), ("sim02", "L"), ("sim03", "R")] as [(String, String?)]
        var running: [(String, ProcessRunner.Running)] = []
        // The first session says READY=1 (file open, socket bound) on a notify socket of the test's own.
        let notify = try NotifySocketListener(directory: workspace.directory.path)
        defer { notify.close() }
        for (subject, hemisphere) in configs {
            var config = try String(contentsOfFile: workspace.configPath, encoding: .utf8)
            config = config.replacingOccurrences(of: "id = \"sim01\"", with: "id = \"\(subject)\"")
            var channels = "channels.tsv"
            if let hemisphere {
                // Keep the header and the channels of one hemisphere (names start with L/R, or mL/mR for microwires).
                let lines = try String(contentsOfFile: "\(workspace.directory.path)/channels.tsv", encoding: .utf8).split(separator: "\n")
                let kept = [lines[0]] + lines.dropFirst().filter { $0.hasPrefix(hemisphere) || $0.hasPrefix("m" + hemisphere) }
                channels = "channels-\(hemisphere).tsv"
                try (kept.joined(separator: "\n") + "\n").write(toFile: "\(workspace.directory.path)/\(channels)", atomically: true, encoding: .utf8)
            }
            config = config.replacingOccurrences(of: "channels = \"channels.tsv\"", with: "channels = \"\(channels)\"")
            let path = "\(workspace.directory.path)/\(subject).toml"
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            // sim01 records in real time, so that it is still recording when the mark is sent;
            // the others as fast as they can.
            running.append((subject, try ProcessRunner.start(ProcessRunner.binary("ketamapd"), [
                "--config", path, "--session", subject, "--output-dir", workspace.directory.path,
                "--control-socket", "\(workspace.directory.path)/\(subject).sock", "--duration", "20",
            ] + (subject == "sim01" ? [] : ["--as-fast-as-possible"]), environment: subject == "sim01" ? notify.environment() : [:])))
        }
        // A mark on the first session while it records.
        let socket = "\(workspace.directory.path)/sim01.sock"
        #expect(try await notify.wait(for: { $0.fields["READY"] == "1" }, timeout: 60) != nil, "sim01 did not say READY=1")
        let mark = try await ProcessRunner.run(ProcessRunner.binary("ketamapctl"), ["mark", "eyes closed", "--socket", socket], timeout: 30)
        #expect(mark.status == 0, "mark refused: \(mark.error)")
        var ok = true
        for (subject, process) in running {
            let result = try await process.wait(timeout: 600)
            #expect(result.status == 0, "ketamapd \(subject) failed: \(result.error)")
            ok = ok && result.status == 0
        }
        return ok ? (workspace, configs.map { workspace.nwb($0.0) }) : nil
    }

    @Test("the Python package, BIDS export, DANDI validation and the analyst guide's code, on three recorded subjects")
    func analysisTools() async throws {
        guard let python = ProcessRunner.python() else { return }
        guard let (workspace, sessions) = try await Self.recordCohort() else { return }
        let bin = URL(fileURLWithPath: python).deletingLastPathComponent().path
        let environment = [
            "KETAMAPCTL": ProcessRunner.binary("ketamapctl"), "PATH": "\(bin):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")",
        ]
        let script = ProcessRunner.repositoryRoot.appendingPathComponent("Tests/python/check_analysis.py").path
        let guide = ProcessRunner.repositoryRoot.appendingPathComponent("docs/analyst-guide.md").path
        let result = try await ProcessRunner.run(
            python, [script, "--work", workspace.directory.path, "--guide", guide] + sessions, timeout: 900, environment: environment)
        #expect(result.status == 0, "check_analysis.py:\n\(result.output)\n\(result.error)")
    }
}

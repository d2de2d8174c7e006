import Foundation
import KetaMapTestSupport
import Testing

/// The checks that need Python (pynwb, nwbinspector, scipy, SpikeInterface, …)
/// when it is not there: under CI (`CI` set) they fail the run, never pass it
/// unseen; on a developer's machine they are skipped with a message. Shown by
/// running this test bundle again, on a few of those checks, in each situation.
@Suite("Python checks under CI", .serialized)
struct PythonChecksInCITests {
    /// Runs this bundle's tests matching `filter` with the environment `env(1)` makes of it
    /// (`NAME=value` sets, `-u NAME` removes).
    static func runTests(_ filter: String, environment: [String]) async throws -> ProcessRunner.Result {
        try await ProcessRunner.run(
            "/usr/bin/env", environment + [CommandLine.arguments[0], "--testing-library", "swift-testing", "--filter", filter], timeout: 300)
    }

    /// The TOML reader against Python's tomllib (through `ProcessRunner.python()`), and the
    /// suites that need scipy (enabled only with a Python; `pythonIsConfiguredInCI` fails CI without one).
    static let pythonChecks = "TOMLReferenceTests|pythonIsConfiguredInCI|LFPTests"

    @Test("no KETAMAP_PYTHON: under CI the run fails and says why; outside CI it passes, saying what it skipped")
    func withoutPython() async throws {
        let ci = try await Self.runTests(Self.pythonChecks, environment: ["-u", "KETAMAP_PYTHON", "CI=1"])
        #expect(ci.status != 0, "a CI run without Python passed:\n\(ci.output)\(ci.error)")
        #expect((ci.output + ci.error).contains("KETAMAP_PYTHON is not set: CI must run the Python checks"), "\(ci.output)\(ci.error)")

        let local = try await Self.runTests(Self.pythonChecks, environment: ["-u", "KETAMAP_PYTHON", "-u", "CI"])
        #expect(local.status == 0, "\(local.output)\(local.error)")
        #expect(local.output.contains("skipping Python checks: set KETAMAP_PYTHON"), "\(local.output)")
    }

    @Test("a Python without the checks' modules (a bare venv): under CI the scipy checks fail with the script's error")
    func withoutModules() async throws {
        let folder = try TemporaryFolder("bare-python")
        let made = try await ProcessRunner.run("/usr/bin/env", ["python3", "-m", "venv", "--without-pip", folder.path("venv")], timeout: 120)
        try #require(made.status == 0, "python3 -m venv: \(made.error)")
        let ci = try await Self.runTests("LFPTests", environment: ["KETAMAP_PYTHON=\(folder.path("venv/bin/python"))", "CI=1"])
        #expect(ci.status != 0, "a CI run with a Python lacking scipy passed:\n\(ci.output)\(ci.error)")
        #expect((ci.output + ci.error).contains("decimatedLFPMatchesScipy() recorded an issue"), "\(ci.output)\(ci.error)")
        #expect((ci.output + ci.error).contains("dsp_scipy.py") && (ci.output + ci.error).contains("failed: Traceback"), "\(ci.output)\(ci.error)")
    }
}

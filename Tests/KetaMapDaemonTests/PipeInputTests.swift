import Foundation
import KetaMapTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A session file's path that names a pipe: opening it would wait for a writer
/// that never comes, so every reader refuses it at once, saying what it is.
@Suite("A pipe given as a session file")
struct PipeInputTests {
    static let refusal = "is not a regular file (a folder, a pipe or a device)"

    @Test("report, cohort and export-bids refuse a pipe at once, as ketamapd's replay of one does; verify first misses its event log (exit 66)")
    func pipesAreRefusedAtOnce() async throws {
        let folder = try TemporaryFolder("pipe")
        let pipe = folder.path("pipe.nwb")
        #expect(mkfifo(pipe, 0o600) == 0)
        let ctl = ProcessRunner.binary("ketamapctl")
        for arguments in [["report", pipe], ["cohort", pipe], ["export-bids", pipe, "--root", folder.path("bids")]] {
            let result = try await ProcessRunner.run(ctl, arguments, timeout: 30)
            #expect(result.status == 1 && result.error.contains("\(pipe) \(Self.refusal)"), "ketamapctl \(arguments): \(result.status) \(result.error)")
        }
        let verify = try await ProcessRunner.run(ctl, ["verify", pipe], timeout: 30)
        #expect(verify.status == 66 && verify.error.contains("no event log at \(folder.path("pipe.events.jsonl"))"), "\(verify.status) \(verify.error)")
        let daemon = try await ProcessRunner.run(
            ProcessRunner.binary("ketamapd"),
            [
                "--session", "replayed", "--output-dir", folder.path("out"), "--control-socket", folder.path("c.sock"), "--as-fast-as-possible",
                "--source", "replay:\(pipe)", "--apply-schedule",
            ],
            timeout: 30)
        #expect(daemon.status != 0 && (daemon.error + daemon.output).contains(Self.refusal), "ketamapd: \(daemon.status) \(daemon.error)")
    }
}
